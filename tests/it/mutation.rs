//! Property: mutated real extracts never make the readers panic, and the parallel reader
//! always agrees with the sequential one (same events, or the same error at the same
//! place). The mutations are drawn from a fixed seed, so a failure is reproducible.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::common::arkade;
use samla_fixtures::rng::Rng;
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::stream::{Event, Split, UnitReader};

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len() as u64) as usize;
        match rng.below(7) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => {
                let end = (at + 1 + rng.below(64) as usize).min(out.len());
                out.drain(at..end);
            }
            2 => {
                let end = (at + 1 + rng.below(64) as usize).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            3 => out.insert(at, b'<'),
            4 => out.insert(at, b'&'),
            5 => out.truncate(at),
            _ => {
                out.splice(at..at, "ø\u{0}]]>--><?x ".bytes());
            }
        };
    }
    out
}

fn run<R: std::io::Read>(reader: UnitReader<R>) -> Result<Vec<Event>, String> {
    reader.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

#[test]
fn mutated_extracts_never_panic_and_both_readers_agree() {
    let mut rng = Rng::new(20261122);
    let mut cases = 0;
    for extract in ["Small", "Noark5Archive", "ContentClassificationSystem", "Version5_5"] {
        for (name, split) in [
            ("arkivstruktur.xml", Split::ARKIVSTRUKTUR),
            ("loependeJournal.xml", Split::JOURNAL),
            ("arkivuttrekk.xml", Split::ARKIVSTRUKTUR),
        ] {
            let path = arkade().join("noark5").join(extract).join(name);
            let Ok(original) = std::fs::read(&path) else { continue };
            for _ in 0..150 {
                let input = mutate(&mut rng, &original);
                let result = catch_unwind(AssertUnwindSafe(|| {
                    if name == "arkivuttrekk.xml" {
                        let _ = Arkivuttrekk::read(&input[..], name);
                        return;
                    }
                    let sequential = run(UnitReader::new(&input[..], name, split));
                    let parallel = run(UnitReader::parallel(std::io::Cursor::new(input.clone()), name, split));
                    assert_eq!(sequential, parallel, "{extract}/{name}");
                }));
                if let Err(panic) = result {
                    let dump = std::env::temp_dir().join(format!("samla-mutation-{extract}-{name}").replace('/', "_"));
                    std::fs::write(&dump, &input).unwrap();
                    std::panic::resume_unwind(Box::new(format!(
                        "{extract}/{name}: input saved to {}: {panic:?}",
                        dump.display()
                    )));
                }
                cases += 1;
            }
        }
    }
    assert!(cases >= 1200, "{cases}");
}
