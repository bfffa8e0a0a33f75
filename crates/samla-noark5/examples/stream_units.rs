//! Streams one arkivstruktur.xml (or journal) completely and prints the unit count.
//!
//! Used by `scripts/compare-reader.sh` to time the reader against `xmllint --stream`.
//!
//! ```text
//! cargo run --release -p samla-noark5 --example stream_units -- [--sequential] arkivstruktur.xml
//! ```

use samla_noark5::stream::{Event, Split, UnitReader};

// As in the samla binary: units are built on worker threads and freed on the reader's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sequential = args.iter().any(|a| a == "--sequential");
    let path = args.iter().find(|a| !a.starts_with("--")).ok_or("usage: stream_units [--sequential] FILE")?;
    let split = if path.contains("Journal") { Split::JOURNAL } else { Split::ARKIVSTRUKTUR };
    let file = std::fs::File::open(path)?;
    let (units, elements) = if sequential {
        count(UnitReader::new(file, path.clone(), split))?
    } else {
        count(UnitReader::parallel(file, path.clone(), split))?
    };
    let mode = if sequential { "sequential" } else { "parallel" };
    println!("{path}: {units} units, {elements} elements in units ({mode})");
    Ok(())
}

fn count<R: std::io::Read>(mut reader: UnitReader<R>) -> samla_noark5::Result<(u64, u64)> {
    let (mut units, mut elements) = (0u64, 0u64);
    while let Some(event) = reader.next_event()? {
        if let Event::Unit(unit) = event {
            units += 1;
            elements += unit.descendants().count() as u64;
        }
    }
    Ok((units, elements))
}
