//! Fuzzes the Noark 4 readers: NOARKIH.XML (the index) and a table file. Any bytes give
//! an index, rows and findings, or errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samla_legacy::noark4::index::Index;
use samla_legacy::noark4::table::Rows;

fuzz_target!(|data: &[u8]| {
    let _ = Index::read(data, "NOARKIH.XML");
    let Ok(mut rows) = Rows::new(std::io::Cursor::new(data.to_vec()), "NOARKSAK.XML", "NOARKSAK") else { return };
    for _ in 0..=data.len() + 1 {
        match rows.next_row() {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let _ = rows.take_findings();
});
