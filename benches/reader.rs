//! Throughput of the streaming reader and of the generator.
//!
//! ```text
//! cargo bench --bench reader            # full run (about 30 s after the build)
//! cargo bench --bench reader -- --quick # smoke run
//! ```
//!
//! The 500 MB comparison against `xmllint --stream` is `scripts/compare-reader.sh`; the
//! 1,000,000-registrering generator run is `scripts/bench-generate.sh`.

use std::fs::{self, File};
use std::hint::black_box;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use samla_fixtures::generate::{Options, generate};
use samla_noark5::stream::{Event, Split, UnitReader};

/// Mapper in the reader's input: about 30 MB of arkivstruktur.xml without documents.
const READER_MAPPER: u64 = 5_000;
/// Mapper the generator writes per iteration.
const GENERATOR_MAPPER: u64 = 2_000;
const SEED: u64 = 1;

fn options(out: &Path, mapper: u64) -> Options {
    let mut options = Options::new(out, "Ski", SEED, mapper);
    options.documents = false;
    options
}

/// Few, long iterations (100–250 ms each): flat sampling, ten samples, a few seconds.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
}

/// Streams `source` completely; returns units and elements in them.
fn stream(source: impl std::io::Read) -> (u64, u64) {
    count(UnitReader::new(source, "arkivstruktur.xml", Split::ARKIVSTRUKTUR))
}

fn count<R: std::io::Read>(mut reader: UnitReader<R>) -> (u64, u64) {
    let (mut units, mut elements) = (0u64, 0u64);
    while let Some(event) = reader.next_event().expect("the generated file is well-formed") {
        if let Event::Unit(unit) = event {
            units += 1;
            elements += unit.descendants().count() as u64;
        }
    }
    (units, elements)
}

/// Total size of the files directly in `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .expect("read the output folder")
        .map(|e| e.expect("a folder entry").metadata().unwrap().len())
        .sum()
}

fn reader(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("create a temporary folder");
    let out = tmp.path().join("extract");
    generate(&options(&out, READER_MAPPER), &mut |_| {}).expect("generate the reader's input");
    let path = out.join("arkivstruktur.xml");
    let bytes = fs::read(&path).expect("read arkivstruktur.xml");
    assert_eq!(stream(bytes.as_slice()).0, READER_MAPPER, "one unit per mappe");

    let mut group = c.benchmark_group("reader");
    configure(&mut group);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    // From the file (page cache), as `samla inspect` and `stream_units` read it.
    group.bench_function("arkivstruktur_file", |b| {
        b.iter(|| black_box(stream(BufReader::new(File::open(&path).expect("open arkivstruktur.xml")))))
    });
    // From memory: the reader alone, without read syscalls.
    group.bench_function("arkivstruktur_memory", |b| b.iter(|| black_box(stream(black_box(bytes.as_slice())))));
    // The parallel reader, as samla check and samla run read: units cut out by a scanner
    // thread and built on all cores.
    group.bench_function("arkivstruktur_parallel", |b| {
        b.iter(|| {
            let file = File::open(&path).expect("open arkivstruktur.xml");
            black_box(count(UnitReader::parallel(file, "arkivstruktur.xml", Split::ARKIVSTRUKTUR)))
        })
    });
    group.finish();
}

fn generator(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("create a temporary folder");
    // One run up front to know how many bytes an iteration writes.
    let probe = tmp.path().join("probe");
    generate(&options(&probe, GENERATOR_MAPPER), &mut |_| {}).expect("generate");
    let bytes = dir_bytes(&probe);
    fs::remove_dir_all(&probe).expect("remove the probe extract");

    let mut group = c.benchmark_group("generator");
    configure(&mut group);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("2000_mapper_no_documents", |b| {
        b.iter_batched(
            // A fresh, absent output folder each time; it is deleted after timing.
            || tempfile::tempdir_in(tmp.path()).expect("create an output folder"),
            |dir| {
                let summary =
                    generate(&options(&dir.path().join("x"), GENERATOR_MAPPER), &mut |_| {}).expect("generate");
                (dir, black_box(summary))
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, reader, generator);
criterion_main!(benches);
