//! samla's demo, as one library function: Ski (Noark 5) and Oppegård (Noark 4) generated and
//! checked, register snapshots that hold Ski's parties, the schools' pupil folders, the
//! merger into Nordre Follo (with its archive plan and a washing step), the merged parties
//! washed, the deposit packages verified, and the closed part indexed for the lookup
//! service with a demo policy.
//!
//! What is done lives here; what a person sees of it is the caller's: each finished step
//! is handed to it as a [`Step`].

use std::path::{Path, PathBuf};

use samla_fixtures::generate::{Options as GenerateOptions, Summary};
use samla_legacy::SourceKind;
use samla_noark5::atomic::write_bytes;
use samla_noark5::schemas::SchemaDir;
use samla_noark5::{Error, ErrorKind, Result};

/// Where the demo writes, and which schemas its extracts carry.
#[derive(Debug, Clone)]
pub struct Options {
    /// The work folder; emptied first.
    pub out: PathBuf,
    /// The schema set the extracts carry and are checked against.
    pub schemas: SchemaDir,
    /// Arkivverket's ADDML example package (jegerregisteret), merged as Oppegård's
    /// specialist system when given.
    pub jakt: Option<PathBuf>,
}

/// A finished step of the demo, for the caller to show.
pub enum Step<'a> {
    /// Ski's Noark 5 extract was generated.
    Generated { options: &'a GenerateOptions, summary: &'a Summary, seconds: f64 },
    /// Ski's extract was checked; its reports are written.
    Checked { report: &'a samla_check::Report, html: &'a Path, json: &'a Path },
    /// Oppegård's Noark 4 extract was generated and checked.
    Noark4Checked { path: &'a Path, report: &'a samla_legacy::noark4::check::Report },
    /// The merger is starting.
    Merging { job: &'a samla_map::job::Job },
    /// The merger is written.
    Merged { job: &'a samla_map::job::Job, outcome: &'a samla_map::run::Outcome, seconds: f64 },
    /// The washing of the merged parties is starting.
    Washing,
    /// The merged parties and the municipal tables are washed.
    Washed { report: &'a samla_wash::report::Report, out: &'a Path },
    /// A deposit package of the merger was verified.
    Verified { tar: &'a Path, report: &'a samla_package::verify::VerifyReport },
    /// The lookup index and its policy are written.
    Indexed { demo: &'a Demo, units: u64, sources: usize },
}

/// What the demo leaves for the person trying it.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The merger's output folder.
    pub merged: PathBuf,
    /// The lookup index of the closed part and the deposit packages.
    pub index: PathBuf,
    /// The lookup service's policy.
    pub policy: PathBuf,
    /// The demo's users: name, role, password.
    pub users: &'static [(&'static str, &'static str, &'static str)],
}

/// Runs the demo into `options.out`, handing each finished step to `show`.
pub fn run(options: &Options, show: &mut dyn FnMut(Step)) -> Result<Demo> {
    let out = &options.out;
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    }
    check_ski(options, show)?;
    noark4_oppegaard(out, show)?;
    let persons = registers(&out.join("vask"), &[&out.join("ski")], 20_000)?;
    person_folders(out, &persons, &Pupils { both: 20, first_only: 30, second_only: 30 })?;
    let merged = merge(options, show)?;
    wash(out, &[("nordre-follo-parter", "nordre-follo/migration")], show)?;
    // The deposit packages of the run, verified as an auditor would.
    let mut tars: Vec<PathBuf> = ["ski", "oppegaard"]
        .iter()
        .filter_map(|s| std::fs::read_dir(merged.join("deposit").join(s)).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .collect();
    tars.sort();
    for tar in &tars {
        let report = samla_package::verify::verify(tar, &mut |_, _| {})?;
        show(Step::Verified { tar, report: &report });
    }
    lookup(out, merged, show)
}

/// Ski delivers Noark 5: generated with the schemas, and checked with both reports.
fn check_ski(options: &Options, show: &mut dyn FnMut(Step)) -> Result<()> {
    let mut generate = GenerateOptions::new(options.out.join("ski"), "Ski", 2019, 200);
    generate.schemas = Some(options.schemas.clone());
    let started = std::time::Instant::now();
    let summary = samla_fixtures::generate::generate(&generate, &mut |_| {})?;
    show(Step::Generated { options: &generate, summary: &summary, seconds: started.elapsed().as_secs_f64() });
    let check = samla_check::Options { schemas: Some(options.schemas.clone()), max_locations: 5, ..Default::default() };
    let report = samla_check::check(&samla_noark5::Extract::open(&generate.out)?, &check, &mut |_| {})?;
    let (json, html) = (options.out.join("ski-report.json"), options.out.join("ski-report.html"));
    let json_text = serde_json::to_vec_pretty(&report).expect("the report serialises");
    write_bytes(&json, &json_text)?;
    write_bytes(&html, samla_check::html::render(&report, samla_check::findings::Lang::Nb).as_bytes())?;
    show(Step::Checked { report: &report, html: &html, json: &json });
    Ok(())
}

/// Oppegård still has its Noark 4 system.
fn noark4_oppegaard(out: &Path, show: &mut dyn FnMut(Step)) -> Result<()> {
    let path = out.join("oppegaard");
    let options = samla_fixtures::noark4::Options::new(path.clone(), "Oppegård", 2020, 200);
    samla_fixtures::noark4::generate(&options, &mut |_| {})?;
    let report = samla_legacy::noark4::check::check(&samla_legacy::noark4::Noark4::open(&path)?);
    show(Step::Noark4Checked { path: &path, report: &report });
    Ok(())
}

/// The merger: the example job with Oppegård read as Noark 4, its specialist system when
/// at hand, the schools' pupil folders (joined per child; D-numbers washed with
/// Folkeregisteret) and Nordre Follo's archive plan.
fn merge(options: &Options, show: &mut dyn FnMut(Step)) -> Result<PathBuf> {
    let out = &options.out;
    let source = |name: &str, kind: SourceKind, path: PathBuf, kommunenummer: &str| samla_map::job::Source {
        name: name.into(),
        kind,
        path,
        kommunenummer: kommunenummer.into(),
    };
    let mut sources = Vec::new();
    if let Some(jakt) = &options.jakt {
        sources.push(source("jakt", SourceKind::Addml, jakt.clone(), "0217"));
    }
    sources.push(source("ski-skole", SourceKind::Noark5, "ski-skole".into(), "0213"));
    sources.push(source("oppegaard-skole", SourceKind::Noark5, "oppegaard-skole".into(), "0217"));
    let text = samla_map::job::example(&samla_map::job::Example {
        oppegaard: Some(SourceKind::Noark4),
        sources,
        wash_job: Some("vask/freg.toml".into()),
        plan: true,
    });
    let job_file = out.join("job.toml");
    write_bytes(&job_file, text.as_bytes())?;
    let job = samla_map::job::Job::read(&job_file)
        .map_err(|e| Error::new(ErrorKind::Content, job_file.display().to_string(), e.to_string()))?;
    show(Step::Merging { job: &job });
    let started = std::time::Instant::now();
    let schemas = options.schemas.root().map(|dir| SchemaDir::locate(Some(dir)));
    let outcome = samla_map::run::run(&job, schemas.as_ref()).map_err(|e| match e {
        samla_map::run::RunError::Io(e) => e,
        e => Error::new(ErrorKind::Content, job_file.display().to_string(), e.to_string()),
    })?;
    show(Step::Merged { job: &job, outcome: &outcome, seconds: started.elapsed().as_secs_f64() });
    Ok(out.join("nordre-follo"))
}

/// The demo's registers, made before the merger, in `dir`: snapshots of Folkeregisteret,
/// Enhetsregisteret, Matrikkelen, KRR and SSB's municipality changes that hold the person
/// parties of `extracts` and `others` persons more (and their addresses). The merger washes
/// D-numbers with Folkeregisteret's (`freg.toml`, written beside them); the washing step
/// after it uses them all. Returns Folkeregisteret's persons.
pub fn registers(dir: &Path, extracts: &[&Path], others: usize) -> Result<Vec<samla_wash::snapshot::Person>> {
    let mut known = Vec::new();
    for extract in extracts {
        let parties = samla_wash::parties::read_parties(extract)?;
        let (ids, names, lines, post) = (
            parties.column("fnr")?,
            parties.column("navn")?,
            parties.column("postadresse")?,
            parties.column("postnummer")?,
        );
        for i in 0..ids.len() {
            if let (Some(id), Some(name)) = (ids[i], names[i]) {
                known.push(samla_fixtures::registers::KnownPerson {
                    id: id.to_string(),
                    name: name.to_string(),
                    address: lines[i].unwrap_or_default().to_string(),
                    postnummer: post[i].unwrap_or_default().to_string(),
                });
            }
        }
    }
    let options = samla_fixtures::registers::Options {
        persons: others,
        addresses: others,
        organisations: 2_000,
        records: 2_000,
        known,
        ..samla_fixtures::registers::Options::new(dir, 2020)
    };
    samla_fixtures::registers::generate(&options).map_err(|e| Error::io(dir.display().to_string(), e))?;
    write_bytes(&dir.join("freg.toml"), FREG_JOB.as_bytes())?;
    samla_wash::snapshot::load_freg(&dir.join("registers/freg.jsonl"))
}

/// The merger's washing job: Folkeregisteret alone, for the D-numbers it has replaced.
const FREG_JOB: &str = "[job]\nname = \"Folkeregisteret for sammenslåingen\"\nout = \"freg-vask\"\n\n[[snapshot]]\n\
                        id = \"freg-2026-11-01\"\nregister = \"folkeregisteret\"\npath = \"registers/freg.jsonl\"\nas_of = \"2026-11-01\"\n";

/// How many children have pupil folders: in both schools' systems, in Ski's only, in
/// Oppegård's only.
pub struct Pupils {
    /// Children with a folder in both (Oppegård's under the D-number they had before).
    pub both: usize,
    /// Children with a folder in Ski's system only.
    pub first_only: usize,
    /// Children with a folder in Oppegård's system only.
    pub second_only: usize,
}

/// The schools' pupil folders of Ski and Oppegård (`out/ski-skole`, `out/oppegaard-skole`),
/// classified by fødselsnummer: children of Folkeregisteret's `persons`, some in both
/// municipalities, where Oppegård has the D-number a child had before Folkeregisteret gave
/// a fødselsnummer.
pub fn person_folders(out: &Path, persons: &[samla_wash::snapshot::Person], sizes: &Pupils) -> Result<()> {
    use samla_fixtures::persons::{PersonFolder, write};
    let mut children: Vec<&samla_wash::snapshot::Person> =
        persons.iter().filter(|p| p.birth.is_some_and(|(y, _, _)| y >= 2008)).collect();
    // Those with a replaced D-number first: they are the ones the merger must wash to join.
    children.sort_by_key(|p| p.old_ids.is_empty());
    let folder = |p: &samla_wash::snapshot::Person, n: usize, prefix: &str, old: bool| PersonFolder {
        key: format!("{prefix}-{n:04}"),
        id: if old { p.old_ids.first().unwrap_or(&p.id).to_string() } else { p.id.to_string() },
        name: p.name(),
    };
    let ski: Vec<PersonFolder> = children
        .iter()
        .take(sizes.both + sizes.first_only)
        .enumerate()
        .map(|(n, p)| folder(p, n, "SKI", false))
        .collect();
    let oppegaard: Vec<PersonFolder> = children
        .iter()
        .take(sizes.both)
        .chain(children.iter().skip(sizes.both + sizes.first_only).take(sizes.second_only))
        .enumerate()
        .map(|(n, p)| folder(p, n, "OPP", true))
        .collect();
    let io = |e: std::io::Error| Error::io(out.display().to_string(), e);
    write(&out.join("ski-skole"), "Elevmapper (skolesystemet)", 0x5c1, &ski).map_err(io)?;
    write(&out.join("oppegaard-skole"), "Elevmapper (skolesystemet)", 0x0ff, &oppegaard).map_err(io)
}

/// The washing step: the merged extract's parties and the generated client, supplier and
/// property tables washed against the demo's registers.
fn wash(out: &Path, inputs: &[(&str, &str)], show: &mut dyn FnMut(Step)) -> Result<()> {
    let dir = out.join("vask");
    let job_file = dir.join("wash.toml");
    let mut job = samla_wash::job::EXAMPLE.to_string();
    for (name, folder) in inputs {
        job.push_str(&format!("\n[[input]]\nname = \"{name}\"\npath = \"../{folder}\"\nentity = \"person\"\n"));
    }
    write_bytes(&job_file, job.as_bytes())?;
    show(Step::Washing);
    let job = samla_wash::job::Job::read(&job_file)?;
    let report = samla_wash::wash::run(&job, samla_wash::wash::RunOptions::default(), &mut |_| {})?;
    show(Step::Washed { report: &report, out: &job.job.out });
    Ok(())
}

/// The demo's users: name, role, password. Demo passwords, printed for the person trying it.
const USERS: &[(&str, &str, &str)] = &[
    ("arkivar", "arkivar", "arkivar-demo"),
    ("barnevern", "barn-og-unge", "barnevern-demo"),
    ("revisor", "revisor", "revisor-demo"),
];

/// The demo's policy; the users are added with their argon2id hashes.
const POLICY: &str = r#"# The demo's access policy (written by `samla demo`). Deny by default: a user sees
# only what a role grants, a screened field needs a clearance for its tilgangsrestriksjon,
# and a graded unit a clearance for its grade.

# The archivist: everything, with every clearance; may export partsinnsyn and read the log.
[[role]]
name = "arkivar"
grants = [{}]
clearances = ["Unntatt offentlighet", "Personalsaker", "Begrenset"]
audit = true
export = true

# A case worker for children and schools: pupil folders and kindergarten cases (klasse B*),
# from every old municipality, cleared for what the Offentleglova exempts.
[[role]]
name = "barn-og-unge"
grants = [{ klasse = "B" }]
clearances = ["Unntatt offentlighet"]

# The auditor: reads the access log of any unit, sees no content.
[[role]]
name = "revisor"
audit = true
"#;

/// Indexes the run output `merged` (its closed units and deposit packages) into
/// `out/oppslag` and writes the demo policy beside it.
fn lookup(out: &Path, merged: PathBuf, show: &mut dyn FnMut(Step)) -> Result<Demo> {
    let index = out.join("oppslag");
    let summary = samla_lookup::build::index(std::slice::from_ref(&merged), &index, None, &mut |_| {})?;
    let policy = out.join("policy.toml");
    let mut text = POLICY.to_string();
    for (name, role, password) in USERS {
        text = samla_lookup::policy::Policy::with_user(&policy, &text, name, password, &[role.to_string()])?;
    }
    write_bytes(&policy, text.as_bytes())?;
    let demo = Demo { merged, index, policy, users: USERS };
    let units = summary.sources.iter().map(|s| s.units).sum();
    show(Step::Indexed { demo: &demo, units, sources: summary.sources.len() });
    Ok(demo)
}
