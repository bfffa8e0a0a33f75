"""Links the generated person records to Folkeregisteret with Splink (DuckDB backend),
and measures precision, recall and F1 against the same ground truth samla is measured
against. Run by scripts/compare-splink.sh; prints one line `splink: ...`.

Splink gets the same help samla has: names folded (æøå, case) and their words sorted,
birth dates in one form, one register row per identifier (so earlier D-numbers match),
and blocking on identifier, birth date, name, and postnummer with house number.
"""

import sys
import time

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

data = sys.argv[1]
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 0.9
started = time.time()
con = duckdb.connect()

FOLD = """list_sort(string_split(trim(regexp_replace(
    replace(replace(replace(lower({0}), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa'),
    '[^a-z0-9]+', ' ', 'g')), ' '))"""

con.execute(f"""
create table freg as
with p as (
  select identifikasjonsnummer as ids, navn[1] as n, foedsel[1].foedselsdato as dob,
         bostedsadresse[1].vegadresse as a
  from read_json('{data}/registers/freg.jsonl', format='newline_delimited', maximum_object_size=10000000)
)
select i.foedselsEllerDNummer as unique_id,
       (list_filter(ids, lambda x: x.status = 'iBruk'))[1].foedselsEllerDNummer as person,
       i.foedselsEllerDNummer as fnr,
       array_to_string({FOLD.format("concat_ws(' ', n.fornavn, n.mellomnavn, n.etternavn)")}, ' ') as name,
       dob,
       a.poststed.postnummer as postnummer,
       a.adressenummer.husnummer as husnummer,
       lower(a.adressenavn) as street
from p, unnest(ids) as u(i)
""")

con.execute(f"""
create table records as
select klient_id as unique_id,
       nullif(fodselsnummer, '') as fnr,
       array_to_string({FOLD.format("navn")}, ' ') as name,
       case when fodt like '__.__.____' then substr(fodt, 7, 4) || '-' || substr(fodt, 4, 2) || '-' || substr(fodt, 1, 2)
            else nullif(fodt, '') end as dob,
       nullif(postnr, '') as postnummer,
       regexp_extract(adresse, ' ([0-9]+)[A-Za-z]?$', 1) as husnummer,
       lower(regexp_replace(adresse, ' [0-9]+[A-Za-z]?$', '')) as street
from read_csv(['{data}/input/ski-klienter.csv', '{data}/input/oppegard-klienter.csv'],
              delim=';', header=true, all_varchar=true)
""")

db_api = DuckDBAPI(connection=con)
records = db_api.register("records", dataset_display_name="records")
freg = db_api.register("freg", dataset_display_name="freg")

settings = SettingsCreator(
    link_type="link_only",
    comparisons=[
        cl.ExactMatch("fnr"),
        cl.JaroWinklerAtThresholds("name", [0.95, 0.88]),
        cl.ExactMatch("dob"),
        cl.ExactMatch("postnummer"),
        cl.ExactMatch("husnummer"),
        cl.JaroWinklerAtThresholds("street", [0.9]),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("fnr"),
        block_on("dob"),
        block_on("name"),
        block_on("postnummer", "husnummer"),
    ],
    retain_intermediate_calculation_columns=False,
)
linker = Linker([records, freg], settings, log_level="WARNING")
linker.training.estimate_probability_two_random_records_match([block_on("fnr")], recall=0.6)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("postnummer", "husnummer"))
predictions = linker.inference.predict(threshold_match_probability=threshold)

# The best register person per record, when its probability passes the threshold.
best = con.execute(f"""
with p as (select * from {predictions.physical_name}),
     l as (select case when source_dataset_l = 'records' then unique_id_l else unique_id_r end as rec,
                  case when source_dataset_l = 'records' then unique_id_r else unique_id_l end as reg,
                  match_probability from p),
     ranked as (select rec, reg, match_probability,
                       row_number() over (partition by rec order by match_probability desc, reg) as rank
                from l)
select r.rec, f.person from ranked r join freg f on f.unique_id = r.reg where r.rank = 1
""").fetchall()
elapsed = time.time() - started

truth = dict(con.execute(f"""
select key, entity from read_csv('{data}/truth.csv', delim=';', header=true, all_varchar=true)
where input in ('ski-klienter', 'oppegard-klienter')
""").fetchall())
linkable = sum(1 for v in truth.values() if v)
matched = len(best)
correct = sum(1 for rec, person in best if truth.get(rec) and truth[rec] == person)
precision = correct / matched if matched else 1.0
recall = correct / linkable if linkable else 1.0
f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
print(
    f"splink: {elapsed:.1f} s, {len(truth)} records, {matched} matched, {correct} correct, "
    f"precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}"
)
