//! Measures the document controls' hashing: every file under `DIR/DOKUMENT/` is checked
//! through the same path `samla check` uses for dokumentobjekter (N5.30 and friends), on
//! all cores. Used by `scripts/compare-hashing.sh` against `openssl speed -evp sha256`.
//!
//! ```text
//! cargo run --release -p samla-check --example hash_documents -- DIR
//! ```

use std::time::Instant;

use samla_check::documents::{Documents, Task};
use samla_check::findings::{Findings, Location};
use samla_noark5::Extract;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: hash_documents DIR (holding arkivstruktur.xml and DOKUMENT/)")?;
    let extract = Extract::open(dir.as_ref())?;
    let names: Vec<String> =
        extract.files().filter(|(n, _)| n.starts_with("DOKUMENT/")).map(|(n, _)| n.to_string()).collect();
    let mut findings = Findings::new(5);
    let mut documents = Documents::new();
    let started = Instant::now();
    for name in &names {
        // The stated checksum is deliberately absent: only the hashing is measured.
        let task = Task {
            reference: name.clone(),
            checksum: None,
            algorithm: Some("SHA-256".into()),
            size: None,
            location: Location::file(name),
            counted: true,
        };
        documents.push(task, &extract, &mut findings);
    }
    documents.finish(&extract, &mut findings, true);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} files, {} bytes in {seconds:.3} s: {:.1} MB/s on {} threads",
        names.len(),
        documents.bytes,
        documents.bytes as f64 / seconds / 1e6,
        rayon::current_num_threads()
    );
    Ok(())
}
