//! Fuzzes the reader of a DIAS package's dias-mets.xml (what `samla verify` lists): any
//! bytes give the listed files or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samla_package::verify::read_mets;

fuzz_target!(|data: &[u8]| {
    // The property is that it returns, without a panic, an abort or a hang.
    let _ = read_mets(std::io::Cursor::new(data.to_vec()), "dias-mets.xml");
});
