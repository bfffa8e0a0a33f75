//! Throughput of the Noark 4 reader: `check` (every row of every table read and checked)
//! and `convert` (made Noark 5), on a generated extract of 5,000 saker (about 12,000
//! journalposter) written once before the measurements.
//!
//! ```text
//! cargo bench --bench noark4
//! N4_SAKER=250000 cargo bench --bench noark4   # a larger extract
//! ```
//!
//! The 1,000,000-journalpost run with its peak RSS is `scripts/bench-noark4.sh`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use samla_fixtures::noark4;
use samla_legacy::noark4::{Noark4, check::check, convert};

// As in the samla binary: the figures are what the command line gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn noark4(c: &mut Criterion) {
    let saker: u64 = std::env::var("N4_SAKER").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = dir.path().join("n4");
    let mut options = noark4::Options::new(source.clone(), "Oppegård", 2020, saker);
    options.documents = false;
    noark4::generate(&options, &mut |_| {}).expect("the extract is generated");
    let extract = Noark4::open(&source).expect("the extract opens");
    let journalposter = check(&extract).rows("JOURNPOST");

    let mut group = c.benchmark_group("noark4");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(journalposter));
    group.bench_function("check", |b| {
        b.iter(|| black_box(check(&Noark4::open(&source).expect("the extract opens")).errors()))
    });
    let out = dir.path().join("n5");
    group.bench_function("convert", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(&out);
            let extract = Noark4::open(&source).expect("the extract opens");
            let done = convert::convert(&extract, &out, &convert::ConvertOptions::new("bench")).expect("it converts");
            black_box(done.findings.len())
        })
    });
    group.finish();
}

criterion_group!(benches, noark4);
criterion_main!(benches);
