//! Streams one arkivstruktur.xml (or journal) completely and prints the unit count.
//!
//! Used by `scripts/compare-reader.sh` to time the reader against `xmllint --stream`.
//!
//! ```text
//! cargo run --release -p samla-noark5 --example stream_units -- arkivstruktur.xml
//! ```

use samla_noark5::stream::{Event, Split, UnitReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: stream_units FILE")?;
    let split = if path.contains("Journal") { Split::JOURNAL } else { Split::ARKIVSTRUKTUR };
    let file = std::fs::File::open(&path)?;
    let mut reader = UnitReader::new(file, path.clone(), split);
    let (mut units, mut elements) = (0u64, 0u64);
    while let Some(event) = reader.next_event()? {
        if let Event::Unit(unit) = event {
            units += 1;
            elements += unit.descendants().count() as u64;
        }
    }
    println!("{path}: {units} units, {elements} elements in units, {} bytes", reader.bytes_read());
    Ok(())
}
