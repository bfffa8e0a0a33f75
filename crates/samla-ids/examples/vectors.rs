//! Prints person-number test vectors with samla's verdict, one per line:
//! `number;valid|invalid;kind`. Half are valid fødselsnummer and D-numbers (some only
//! valid by the 2032 rule), half have one digit changed or two swapped.
//!
//! `cargo run --release -p samla-ids --example vectors -- 100000 7` is what
//! scripts/compare-fnrvalidator.sh feeds to NAV's @navikt/fnrvalidator.

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

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
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
    print!("{out}");
}
