//! Measuring a wash against a ground truth: precision, recall and F1 of the applied
//! matches (classes A and B), per input.
//!
//! The ground truth is a `;`-separated file `input;key;entity`, one row per input record,
//! with the register entity it really is (fødselsnummer, organisasjonsnummer or
//! adresseId), empty when it is none. `samla generate-registers` writes one.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Result;
use crate::job::{Entity, Job};
use crate::table::Table;

/// Quality of one input's matches.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quality {
    /// Records in the input.
    pub records: usize,
    /// Records the ground truth links to a register entity.
    pub linkable: usize,
    /// Records matched (class A or B).
    pub matched: usize,
    /// Matched to the right entity.
    pub correct: usize,
}

impl Quality {
    /// correct / matched.
    pub fn precision(&self) -> f64 {
        if self.matched == 0 { 1.0 } else { self.correct as f64 / self.matched as f64 }
    }

    /// correct / linkable.
    pub fn recall(&self) -> f64 {
        if self.linkable == 0 { 1.0 } else { self.correct as f64 / self.linkable as f64 }
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }

    /// Adds another input's counts.
    pub fn add(&mut self, o: &Quality) {
        self.records += o.records;
        self.linkable += o.linkable;
        self.matched += o.matched;
        self.correct += o.correct;
    }
}

/// Compares the washed tables a job wrote with the ground truth; one entry per input.
pub fn evaluate(job: &Job, truth: &Path) -> Result<Vec<(String, Entity, Quality)>> {
    let t = Table::read(truth)?;
    let (inputs, keys, entities) = (t.column("input")?, t.column("key")?, t.column("entity")?);
    let mut expected: HashMap<(&str, &str), &str> = HashMap::with_capacity(keys.len());
    for i in 0..keys.len() {
        expected.insert((inputs[i].unwrap_or_default(), keys[i].unwrap_or_default()), entities[i].unwrap_or_default());
    }
    let mut out = Vec::new();
    for input in &job.input {
        let ext = if input.path.extension().is_some_and(|e| e == "parquet") { "parquet" } else { "csv" };
        let washed = Table::read(&job.job.out.join(format!("{}.washed.{ext}", input.name)))?;
        let id_column = match input.entity {
            Entity::Person | Entity::Party => "washed_fnr",
            Entity::Organisation => "washed_orgnr",
            Entity::Address => "washed_adresse_id",
        };
        let (k, status, mut id) =
            (washed.column(&input.key)?, washed.column("match_status")?, washed.column(id_column)?);
        if input.entity == Entity::Party {
            // A party matched as an organisation is identified by its orgnr.
            for (id, orgnr) in id.iter_mut().zip(washed.column("washed_orgnr")?) {
                *id = id.or(orgnr);
            }
        }
        let mut q = Quality { records: k.len(), ..Quality::default() };
        for i in 0..k.len() {
            let truth = expected.get(&(input.name.as_str(), k[i].unwrap_or_default())).copied().unwrap_or_default();
            if !truth.is_empty() {
                q.linkable += 1;
            }
            if status[i] == Some("matched") {
                q.matched += 1;
                if !truth.is_empty() && id[i] == Some(truth) {
                    q.correct += 1;
                }
            }
        }
        out.push((input.name.clone(), input.entity, q));
    }
    Ok(out)
}
