//! samla's fødselsnummer and D-number check against an independent implementation,
//! NAV's `@navikt/fnrvalidator` (npm), on 100,000 generated numbers: half valid (some
//! only by the 2032 rule), half with one digit changed or two swapped. Needs node and
//! npm; the package is installed into target/fnrvalidator on first use.
//! `scripts/compare-fnrvalidator.sh` runs this and prints the figures.

use std::path::PathBuf;
use std::process::Command;

use samla_ids::{PersonKind, Rules, check_person, mod11};

/// xorshift64*: small, seeded, enough for test vectors.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) % n
    }
}

const K1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

fn valid(rng: &mut Rng) -> String {
    loop {
        let day = 1 + rng.below(28) as u32 + if rng.below(3) == 0 { 40 } else { 0 };
        let month = 1 + rng.below(12) as u32;
        let year = rng.below(100) as u32;
        let individ = rng.below(1000) as u32;
        let base = format!("{day:02}{month:02}{year:02}{individ:03}");
        let mut d: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
        // One in ten uses the 2032 rule: the first check digit's remainder 1, 2 or 3.
        let k1 = if rng.below(10) == 0 {
            let s: u32 = d.iter().zip(K1).map(|(a, w)| a * w).sum();
            let rest = 1 + rng.below(3) as u32;
            let k = (11 + rest - s % 11) % 11;
            if k == 10 { continue } else { Some(k) }
        } else {
            mod11(&d, &K1)
        };
        let Some(k1) = k1 else { continue };
        d.push(k1);
        let Some(k2) = mod11(&d, &K2) else { continue };
        return format!("{base}{k1}{k2}");
    }
}

fn vectors(n: usize, seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let rules = Rules::default();
    let mut out = String::with_capacity(n * 24);
    for i in 0..n {
        let mut number = valid(&mut rng).into_bytes();
        if i % 2 == 1 {
            if rng.below(2) == 0 {
                let p = rng.below(11) as usize;
                number[p] = b'0' + ((number[p] - b'0' + 1 + rng.below(9) as u8) % 10);
            } else {
                let p = rng.below(10) as usize;
                number.swap(p, p + 1);
            }
        }
        let number = String::from_utf8(number).expect("digits");
        let (verdict, kind) = match check_person(&number, rules) {
            Ok(p) => (
                "valid",
                match p.kind {
                    PersonKind::Fodselsnummer => "fnr",
                    PersonKind::DNummer => "dnr",
                    PersonKind::HNummer => "hnr",
                    PersonKind::FhNummer => "fh",
                    PersonKind::SyntheticSkatteetaten => "tnr",
                    PersonKind::SyntheticNav => "nav",
                },
            ),
            Err(e) => ("invalid", if e.reason == samla_ids::Reason::CheckDigit { "checksum" } else { "date" }),
        };
        out.push_str(&format!("{number};{verdict};{kind}\n"));
    }
    out
}

#[test]
fn samla_agrees_with_navikt_fnrvalidator_on_100000_numbers() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let work =
        std::env::var_os("FNRVALIDATOR_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target/fnrvalidator"));
    std::fs::create_dir_all(&work).unwrap();
    if !work.join("node_modules/@navikt/fnrvalidator/package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix", ".", "@navikt/fnrvalidator@2.2.1"])
            .current_dir(&work)
            .status()
            .expect("npm runs (install node and npm)");
        assert!(status.success(), "npm install @navikt/fnrvalidator failed");
    }
    // A run that compares too few numbers proves nothing: FNR_VECTORS may raise the count, never
    // make it vacuous.
    let n: usize = match std::env::var("FNR_VECTORS") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("FNR_VECTORS={v:?} is not a number")),
        Err(_) => 100_000,
    };
    assert!(n >= 1_000, "FNR_VECTORS={n}: compare at least 1,000 numbers");
    std::fs::write(work.join("vectors.txt"), vectors(n, 7)).unwrap();
    let out =
        Command::new("node").arg(root.join("scripts/fnrvalidator-compare.js")).arg(&work).output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "samla and fnrvalidator disagree:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("{n} numbers")) && stdout.contains(" 0 disagree"), "{stdout}");
}
