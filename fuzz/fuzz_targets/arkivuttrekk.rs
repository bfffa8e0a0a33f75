//! Fuzzes the arkivuttrekk.xml (ADDML) parser: any bytes give a description or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samla_noark5::addml::Arkivuttrekk;

fuzz_target!(|data: &[u8]| {
    if let Ok(u) = Arkivuttrekk::read(data, "arkivuttrekk.xml") {
        // What was read can be written and read back.
        let mut out = Vec::new();
        u.write(&mut out).unwrap();
        let back = Arkivuttrekk::read(&out[..], "arkivuttrekk.xml").unwrap();
        assert_eq!(back.files.len(), u.files.len());
    }
});
