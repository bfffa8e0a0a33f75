//! `samla run`: the example job, a dry run on two generated municipalities, and the
//! refusal to write what is not built yet.

mod common;

use common::samla;

#[test]
fn a_dry_run_of_the_example_job_plans_ski_and_oppegaard_and_reconciles() {
    let dir = tempfile::tempdir().unwrap();
    for (name, municipality, seed) in [("ski", "Ski", "1"), ("oppegaard", "Oppegård", "2")] {
        let out = dir.path().join(name);
        let o = samla(&[
            "-q",
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--municipality",
            municipality,
            "--seed",
            seed,
            "--mapper",
            "40",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = samla(&["run", "--example-job"]);
    assert!(o.status.success());
    let job = dir.path().join("job.toml");
    std::fs::write(&job, &o.stdout).unwrap();

    let plan = dir.path().join("plan.json");
    let o = samla(&["run", "--job", job.to_str().unwrap(), "--dry-run", "--report-json", plan.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("nothing written") && !stdout.contains("DOES NOT RECONCILE"), "{stdout}");
    assert!(stdout.contains("mappeID collisions"), "{stdout}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(json["counts"]["ski"]["mappe"]["in"], 40);
    assert!(!dir.path().join("nordre-follo").exists(), "a dry run wrote output");

    let o = samla(&["run", "--job", job.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--dry-run"));
}
