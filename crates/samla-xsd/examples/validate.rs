//! Validates one XML file against one XML Schema, streaming, and prints the problems found.
//!
//! Used to compare time and peak memory with `xmllint --stream --noout --schema XSD FILE`:
//!
//! ```text
//! cargo build --release -p samla-xsd --example validate
//! /usr/bin/time -f '%e s %M KB' target/release/examples/validate FILE XSD
//! ```

use samla_xsd::Schema;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, xsd] = args.as_slice() else {
        return Err("usage: validate FILE XSD".into());
    };
    let schema = Schema::compile(xsd.as_ref())?;
    let validation = schema.validate(std::fs::File::open(file)?, file, 100)?;
    for p in &validation.problems {
        println!("{file}:{}:{}: {}: {}", p.line, p.column, p.level, p.message);
    }
    if validation.total == 0 {
        println!("{file} validates");
    } else {
        println!("{file} fails to validate: {} problems", validation.total);
        std::process::exit(1);
    }
    Ok(())
}
