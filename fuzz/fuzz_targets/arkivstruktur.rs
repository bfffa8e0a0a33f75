//! Fuzzes the streaming reader: any bytes give events or an error, never a panic, and the
//! parallel reader agrees with the sequential one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samla_noark5::stream::{Split, UnitReader};

fn run<R: std::io::Read>(reader: UnitReader<R>) -> Result<usize, String> {
    reader.map(|e| e.map(|_| 1)).sum::<Result<usize, _>>().map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let sequential = run(UnitReader::new(data, "arkivstruktur.xml", Split::ARKIVSTRUKTUR));
    let parallel = run(UnitReader::parallel(std::io::Cursor::new(data.to_vec()), "arkivstruktur.xml", Split::ARKIVSTRUKTUR));
    assert_eq!(sequential, parallel);
});
