//! Fuzzes the ADDML flat-file reader: the input is an addml.xml, a NUL byte, and the data of
//! its first flat file. Any bytes give a description and records, or errors; reading ends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use samla_legacy::flat::{Description, Records};

fuzz_target!(|data: &[u8]| {
    let (addml, flat) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(description) = Description::read(addml, "addml.xml") else { return };
    for file in description.files.iter().take(2) {
        for arkade in [false, true] {
            let Ok(records) = Records::new(file, flat, "data") else { continue };
            let mut records = if arkade { records.as_arkade() } else { records };
            // Every call consumes input or ends: the loop is bounded by the data's length.
            for _ in 0..=flat.len() + 1 {
                let before = records.records_read();
                match records.next_record() {
                    Ok(Some(r)) => assert!(r.definition < file.records.len().max(1)),
                    Ok(None) => break,
                    Err(_) if records.records_read() > before => continue,
                    Err(_) => break,
                }
            }
        }
    }
});
