//! `samla index`, `samla serve` and `samla verify-log`, end to end over real HTTP.
//!
//! Two small extracts written here hold every case access control must get right: an open
//! mappe, a screened one (tilgangsrestriksjon 13, tittel and korrespondansepart screened),
//! a graded one, one in another klasse, one in another source, a document whose checksum
//! lies, and a tittel with markup. The expected sight of each unit for each user is
//! written out by hand below, not computed by samla's policy code, and every route is
//! asked: the unit page, search hits and counts, the document, "where did it go?" and
//! partsinnsyn.

mod api_client;
pub(crate) mod browser;

use crate::common;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::samla;
use sha2::{Digest, Sha256};

/// Every good document: a real one-page PDF whose text layer holds a word of its own.
static PDF: std::sync::LazyLock<Vec<u8>> =
    std::sync::LazyLock::new(|| samla_fixtures::content::minimal_pdf(&["Zqxpdftekst i brevet"]));

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A mappe with one registrering and one document. `extra` goes into the mappe after its tittel.
fn mappe(id: &str, tittel: &str, offentlig: &str, extra: &str, reg_extra: &str, doc: &str, checksum: &str) -> String {
    format!(
        r#"<mappe xsi:type="saksmappe"><systemID>{id}</systemID><mappeID>2020/{id}</mappeID><tittel>{tittel}</tittel>{offentlig}
<opprettetDato>2020-01-01T10:00:00</opprettetDato><opprettetAv>a</opprettetAv>{extra}
<registrering xsi:type="journalpost"><systemID>r-{id}</systemID><opprettetDato>2020-01-02T10:00:00</opprettetDato>
<opprettetAv>a</opprettetAv><arkivertDato>2020-01-02T10:00:00</arkivertDato><arkivertAv>a</arkivertAv>{reg_extra}
<dokumentbeskrivelse><systemID>d-{id}</systemID><dokumenttype>Brev</dokumenttype><dokumentstatus>Dokumentet er ferdigstilt</dokumentstatus>
<tittel>Brev {tittel}</tittel><opprettetDato>2020-01-02T10:00:00</opprettetDato><opprettetAv>a</opprettetAv>
<tilknyttetRegistreringSom>Hoveddokument</tilknyttetRegistreringSom><dokumentnummer>1</dokumentnummer>
<tilknyttetDato>2020-01-02T10:00:00</tilknyttetDato><tilknyttetAv>a</tilknyttetAv>
<dokumentobjekt><versjonsnummer>1</versjonsnummer><variantformat>Arkivformat</variantformat><format>fmt/95</format>
<opprettetDato>2020-01-02T10:00:00</opprettetDato><opprettetAv>a</opprettetAv><referanseDokumentfil>DOKUMENT/{doc}</referanseDokumentfil>
<sjekksum>{checksum}</sjekksum><sjekksumAlgoritme>SHA256</sjekksumAlgoritme><filstoerrelse>{}</filstoerrelse></dokumentobjekt>
</dokumentbeskrivelse><registreringsID>2020/{id}-1</registreringsID><tittel>Journalpost {tittel}</tittel></registrering>
<saksaar>2020</saksaar><sakssekvensnummer>1</sakssekvensnummer><saksdato>2020-01-01</saksdato>
<administrativEnhet>X</administrativEnhet><saksansvarlig>a</saksansvarlig><saksstatus>Avsluttet</saksstatus></mappe>"#,
        PDF.len()
    )
}

fn extract(dir: &Path, klasser: &[(&str, String)]) -> PathBuf {
    std::fs::create_dir_all(dir.join("DOKUMENT")).unwrap();
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<arkiv xmlns="http://www.arkivverket.no/standarder/noark5/arkivstruktur" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<systemID>arkiv-"#,
    );
    xml.push_str(&format!(
        "{}</systemID><tittel>Arkiv</tittel><arkivskaper><arkivskaperID>1</arkivskaperID><arkivskaperNavn>K</arkivskaperNavn></arkivskaper>\
         <arkivdel><systemID>del-{}</systemID><tittel>Sakarkiv</tittel><klassifikasjonssystem><systemID>ks-{}</systemID>",
        dir.display().to_string().len(),
        dir.file_name().unwrap().to_string_lossy(),
        dir.file_name().unwrap().to_string_lossy()
    ));
    for (klasse, mapper) in klasser {
        xml.push_str(&format!("<klasse><systemID>k-{klasse}-{}</systemID><klasseID>{klasse}</klasseID><tittel>Klasse {klasse}</tittel>{mapper}</klasse>", dir.file_name().unwrap().to_string_lossy()));
    }
    xml.push_str("</klassifikasjonssystem></arkivdel></arkiv>\n");
    std::fs::write(dir.join("arkivstruktur.xml"), xml).unwrap();
    dir.to_path_buf()
}

const KP: &str = "<korrespondansepart><korrespondanseparttype>Avsender</korrespondanseparttype>\
    <korrespondansepartNavn>Kari Zqxnordmann</korrespondansepartNavn></korrespondansepart>";
const FNR: &str = "01017012345";

/// The extracts: ski (F5: open, screened, lying checksum; L1: graded) and oppegaard (F5: open).
fn fixtures(dir: &Path) -> (PathBuf, PathBuf) {
    let ski = dir.join("ski");
    std::fs::create_dir_all(ski.join("DOKUMENT")).unwrap();
    std::fs::write(ski.join("DOKUMENT/open.pdf"), &*PDF).unwrap();
    std::fs::write(ski.join("DOKUMENT/screened.pdf"), &*PDF).unwrap();
    std::fs::write(ski.join("DOKUMENT/graded.pdf"), &*PDF).unwrap();
    std::fs::write(ski.join("DOKUMENT/lying.pdf"), b"%PDF-1.4 tampered\n").unwrap();
    let good = sha(&PDF);
    let part =
        format!("<part><partID>{FNR}</partID><partNavn>Per Zqxpart</partNavn><partRolle>Søker</partRolle></part>");
    let skjerming = "<skjerming><tilgangsrestriksjon>13</tilgangsrestriksjon><skjermingshjemmel>Offl. § 13</skjermingshjemmel>\
        <skjermingMetadata>tittel</skjermingMetadata><skjermingMetadata>korrespondansepart</skjermingMetadata></skjerming>";
    let f5 = [
        mappe("open", "Zqxopen barnevernsak &lt;script&gt;alert(1)&lt;/script&gt;", "", &part, KP, "open.pdf", &good),
        mappe(
            "screened",
            "Zqxsecret Kari Zqxnordmann",
            "<offentligTittel>Barnevernsak Zqxpublic</offentligTittel>",
            skjerming,
            KP,
            "screened.pdf",
            &good,
        ),
        mappe("lying", "Zqxlying sak", "", "", "", "lying.pdf", &good),
    ]
    .concat();
    let l1 = mappe(
        "graded",
        "Zqxgraded plansak",
        "",
        "<gradering><grad>B</grad><graderingsdato>2020-01-01T10:00:00</graderingsdato><gradertAv>a</gradertAv></gradering>",
        "",
        "graded.pdf",
        &good,
    );
    let ski = extract(&ski, &[("F5", f5), ("L1", l1)]);
    let opp = dir.join("oppegaard");
    std::fs::create_dir_all(opp.join("DOKUMENT")).unwrap();
    std::fs::write(opp.join("DOKUMENT/other.pdf"), &*PDF).unwrap();
    let opp = extract(&opp, &[("F5", mappe("other", "Zqxother barnevernsak", "", &part, "", "other.pdf", &good))]);
    (ski, opp)
}

const POLICY: &str = r#"# Roller i testen (user add keeps this comment)
[[role]]
name = "arkivar"
grants = [{}]
clearances = ["13"]
grades = ["B"]
audit = true
export = true

[[role]]
name = "barnevern"
grants = [{ source = "ski", klasse = "F5" }]
clearances = ["13"]

[[role]]
name = "saksbehandler"
grants = [{ source = "ski", arkivdel = "Sakarkiv", klasse = "F5", mappetype = "saksmappe" }]

[[role]]
name = "ingen"

[[role]]
name = "revisor"
audit = true

[proxy]
header = "X-Remote-User"
trusted = ["127.0.0.1"]
"#;

const USERS: &[(&str, &str)] = &[
    ("arkivar", "arkivar"),
    ("barnevern", "barnevern"),
    ("saksbehandler", "saksbehandler"),
    ("ingen", "ingen"),
    ("revisor", "revisor"),
];
const PASSWORD: &str = "korrekt hest batteri";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum See {
    Hidden,
    /// Screened: the tittel masked, documents refused.
    Screened,
    Full,
}
use See::*;

/// The units, their secret word (in the tittel) and what each user should see, by hand.
fn expected() -> Vec<(&'static str, &'static str, [See; 5])> {
    //        unit        word          arkivar   barnevern  saksbeh.  ingen   revisor
    vec![
        ("open", "zqxopen", [Full, Full, Full, Hidden, Hidden]),
        ("screened", "zqxsecret", [Screened, Screened, Screened, Hidden, Hidden]),
        ("lying", "zqxlying", [Full, Full, Full, Hidden, Hidden]),
        ("graded", "zqxgraded", [Full, Hidden, Hidden, Hidden, Hidden]),
        ("other", "zqxother", [Full, Hidden, Hidden, Hidden, Hidden]),
    ]
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(index: &Path, policy: &Path) -> Server {
    start_with(index, policy, &[]).0
}

/// Starts `samla serve` with `extra` arguments; the server and the line it printed.
fn start_with(index: &Path, policy: &Path, extra: &[&str]) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_samla"))
        .args(["serve", index.to_str().unwrap(), "--policy", policy.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while out.read(&mut b).unwrap() == 1 && b[0] != b'\n' {
        line.push(b[0]);
    }
    let line = String::from_utf8(line).unwrap();
    let port = line.rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap_or_else(|_| panic!("{line}"));
    (Server { child, port }, line)
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: BTreeMap<String, Vec<String>>,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.first()).map(String::as_str)
    }
}

/// One HTTP/1.1 request over a fresh connection.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let mut hs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            hs.entry(k.trim().to_lowercase()).or_default().push(v.trim().to_string());
        }
    }
    Reply { status, headers: hs, body: raw[split + 4..].to_vec() }
}

/// GET of an href the server gave (absolute, on this server).
fn http_url(port: u16, href: &str, headers: &[(&str, &str)]) -> Reply {
    let origin = format!("http://127.0.0.1:{port}");
    let path = if href.starts_with('/') {
        href
    } else {
        href.strip_prefix(&origin).unwrap_or_else(|| panic!("{href} leaves the server"))
    };
    http(port, "GET", path, headers, "")
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

fn form_value(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Logs in and returns the session cookie.
fn login(port: u16, user: &str, password: &str) -> Result<String, Reply> {
    let form = http(port, "GET", "/login", &[], "");
    let token = form_value(&form.text(), "csrf");
    let r =
        http(port, "POST", "/login", &[], &format!("csrf={token}&brukernavn={}&passord={}", enc(user), enc(password)));
    if r.status != 303 {
        return Err(r);
    }
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    Ok(cookie.split(';').next().unwrap().to_string())
}

struct Setup {
    _dir: tempfile::TempDir,
    index: PathBuf,
    policy: PathBuf,
    ski: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (ski, opp) = fixtures(dir.path());
    let index = dir.path().join("index");
    let o = samla(&["index", ski.to_str().unwrap(), opp.to_str().unwrap(), "--out", index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    add_users(&index, &policy, USERS);
    assert!(std::fs::read_to_string(&policy).unwrap().starts_with("# Roller i testen"), "user add kept the comments");
    Setup { _dir: dir, index, policy, ski }
}

/// Adds `users` (name, role) to the policy with `serve user add`, all with PASSWORD.
fn add_users(index: &Path, policy: &Path, users: &[(&str, &str)]) {
    for (user, role) in users {
        let mut c = Command::new(env!("CARGO_BIN_EXE_samla"))
            .args(["-q", "serve", "user", "add", index.to_str().unwrap(), "--policy", policy.to_str().unwrap()])
            .args(["--name", user, "--role", role])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        assert!(c.wait().unwrap().success());
    }
    let text = std::fs::read_to_string(policy).unwrap();
    assert!(!text.contains(PASSWORD) && text.matches("$argon2id$").count() == users.len(), "{text}");
}

#[test]
fn every_route_denies_what_the_grant_does_not_cover() {
    let s = setup();
    let server = start(&s.index, &s.policy);
    let port = server.port;
    let cookies: Vec<String> = USERS.iter().map(|(u, _)| login(port, u, PASSWORD).unwrap()).collect();
    let basics: Vec<String> = USERS.iter().map(|(u, _)| basic(u, PASSWORD)).collect();
    for (unit, word, sights) in expected() {
        for (i, (user, _)) in USERS.iter().enumerate() {
            let c = [("Cookie", cookies[i].as_str())];
            let see = sights[i];
            let at = format!("{user} on {unit}");
            // The unit page.
            let page = http(port, "GET", &format!("/enhet/{unit}"), &c, "");
            let text = page.text().to_lowercase();
            match see {
                Hidden => assert_eq!(page.status, 404, "{at}"),
                _ => assert_eq!(page.status, 200, "{at}"),
            }
            assert_eq!(text.contains(word), see == Full, "{at}: the tittel shown or not: {text}");
            if see == Screened {
                assert!(text.contains("skjermet (offl. § 13)") && text.contains("zqxpublic"), "{at}");
                assert!(!text.contains("zqxnordmann"), "{at}: the screened korrespondansepart leaks");
            }
            // A registrering inherits its mappe's sight, and the document is served only in full.
            let reg = http(port, "GET", &format!("/enhet/r-{unit}"), &c, "");
            assert_eq!(reg.status == 404, see == Hidden, "{at}: registrering");
            let doc = http(port, "GET", &format!("/dokument/d-{unit}/1"), &c, "");
            match (see, unit) {
                (Hidden, _) => assert_eq!(doc.status, 404, "{at}: document"),
                (Screened, _) => assert_eq!(doc.status, 403, "{at}: document"),
                (Full, "lying") => assert_eq!(doc.status, 409, "{at}: a lying checksum is refused"),
                (Full, _) => {
                    assert_eq!(doc.status, 200, "{at}: document");
                    assert_eq!(sha(&doc.body), sha(&PDF), "{at}");
                    assert_eq!(doc.header("content-type"), Some("application/pdf"));
                }
            }
            // Search: hits and counts, by the secret word and by the mappeID.
            let hits = http(port, "GET", &format!("/?q={word}&type=mappe"), &c, "");
            // Screened text is searched by those cleared for its restriction (the arkivar and barnevern).
            let cleared = matches!(*user, "arkivar" | "barnevern");
            let count = if see == Full || (see == Screened && cleared) { 1 } else { 0 };
            assert!(hits.text().contains(&format!("{count} treff")), "{at}: search count: {}", hits.text());
            // The form echoes the words asked; the hits follow the count.
            let listed = hits.text().to_lowercase().split("id=\"treff\"").nth(1).unwrap_or_default().to_string();
            assert_eq!(listed.contains(word), see == Full, "{at}: search shows the tittel");
            let by_id = http(port, "GET", &format!("/?q={}&type=mappe", enc(&format!("2020/{unit}"))), &c, "");
            let visible = if see == Hidden { 0 } else { 1 };
            assert!(by_id.text().contains(&format!("{visible} treff")), "{at}: search by mappeID: {}", by_id.text());
            // Where did it go.
            let hvor = http(port, "GET", &format!("/hvor?id={unit}"), &c, "");
            assert_eq!(hvor.text().contains(&format!("/enhet/{unit}\"")), see != Hidden, "{at}: where");
            assert_eq!(hvor.text().to_lowercase().contains(word), see == Full, "{at}: where shows the tittel");
            // The Noark 5 API: the entity, filtered lists and their counts, a sub-entity list, the file.
            let b = [("Authorization", basics[i].as_str())];
            let api = http(port, "GET", &format!("/noark5v5/api/arkivstruktur/mappe/{unit}/"), &b, "");
            assert_eq!(api.status == 404, see == Hidden, "{at}: API entity {}", api.text());
            assert_eq!(api.text().to_lowercase().contains(word), see == Full, "{at}: API entity shows the tittel");
            if see == Screened {
                assert!(api.text().contains("Skjermet (Offl. § 13)"), "{at}: {}", api.text());
            }
            let filter = |f: &str| {
                let r = http(port, "GET", &format!("/noark5v5/api/arkivstruktur/mappe/?$filter={}", enc(f)), &b, "");
                assert_eq!(r.status, 200, "{at}: {f}: {}", r.text());
                let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                // The results only: the links echo the filter, and with it the word.
                (v["count"].as_u64().unwrap(), v["results"].to_string().to_lowercase())
            };
            let (n, text) = filter(&format!("contains(tittel, '{word}')"));
            assert_eq!((n, text.contains(word)), (u64::from(see == Full), see == Full), "{at}: API filter on tittel");
            let (n, _) = filter(&format!("mappeID eq '2020/{unit}'"));
            assert_eq!(n, u64::from(see != Hidden), "{at}: API filter on mappeID");
            let kp = http(
                port,
                "GET",
                &format!("/noark5v5/api/arkivstruktur/registrering/r-{unit}/korrespondansepart/"),
                &b,
                "",
            );
            assert_eq!(kp.status == 404, see == Hidden, "{at}: API korrespondansepart list");
            if unit == "screened" {
                assert_eq!(kp.text().contains("Zqxnordmann"), see == Full, "{at}: {}", kp.text());
            }
            let file = http(
                port,
                "GET",
                &format!("/noark5v5/api/arkivstruktur/dokumentobjekt/d-{unit}~dokumentobjekt~1/referanseFil/"),
                &b,
                "",
            );
            match (see, unit) {
                (Hidden, _) => assert_eq!(file.status, 404, "{at}: API file"),
                (Screened, _) => assert_eq!(file.status, 403, "{at}: API file"),
                (Full, "lying") => assert_eq!(file.status, 409, "{at}: API file with a lying checksum"),
                (Full, _) => {
                    assert_eq!(sha(&file.body), sha(&PDF), "{at}: API file");
                    // The standard: an Accept that rules out the file's type is 406.
                    let href =
                        format!("/noark5v5/api/arkivstruktur/dokumentobjekt/d-{unit}~dokumentobjekt~1/referanseFil/");
                    let json_only = [b[0], ("Accept", "application/vnd.noark5+json")];
                    assert_eq!(http(port, "GET", &href, &json_only, "").status, 406, "{at}: API file as JSON");
                }
            }
        }
    }
    // The API's lists count only what each user may see; writes are refused; no login, no entry.
    for (i, expect) in [5, 3, 3, 0, 0].into_iter().enumerate() {
        let r = http(port, "GET", "/noark5v5/api/arkivstruktur/mappe/", &[("Authorization", basics[i].as_str())], "");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["count"], expect, "{}: {}", USERS[i].0, r.text());
        assert_eq!(v["results"].as_array().map_or(0, Vec::len), expect, "{}", USERS[i].0);
    }
    // The text layer of the PDFs is searched, screened text only by those cleared for it
    // (the lying document is no PDF, and has none).
    for (i, expect) in [4, 2, 1, 0, 0].into_iter().enumerate() {
        let r = http(port, "GET", "/?q=zqxpdftekst&type=dokumentbeskrivelse", &[("Cookie", cookies[i].as_str())], "");
        assert!(r.text().contains(&format!("{expect} treff")), "{}: {}", USERS[i].0, r.text());
    }
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let r =
            http(port, method, "/noark5v5/api/arkivstruktur/mappe/open/", &[("Authorization", basics[0].as_str())], "");
        assert_eq!((r.status, r.header("allow")), (405, Some("GET, HEAD")), "{method}");
    }
    let r = http(port, "GET", "/noark5v5/api/arkivstruktur/mappe/open/", &[], "");
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some_and(|h| h.starts_with("Basic realm=")));
    let r = http(
        port,
        "GET",
        "/noark5v5/api/arkivstruktur/mappe/open/",
        &[("Authorization", basic("arkivar", "feil passord").as_str())],
        "",
    );
    assert_eq!(r.status, 401, "a wrong password is no login");
    // Partsinnsyn: the part is in open (ski) and other (oppegaard): each user finds what they may see.
    for (i, expect) in [2, 1, 1, 0, 0].into_iter().enumerate() {
        let r = http(port, "GET", &format!("/partsinnsyn?id={FNR}"), &[("Cookie", cookies[i].as_str())], "");
        assert!(r.text().contains(&format!("{expect} enheter")), "{}: {}", USERS[i].0, r.text());
    }
    // The korrespondansepart is open in one journalpost and screened in the other: a
    // viewer without clearance finds the open one only; a cleared one finds both.
    let r = http(port, "GET", "/?q=zqxnordmann&type=registrering", &[("Cookie", cookies[2].as_str())], "");
    assert!(r.text().contains("1 treff") && r.text().contains("/enhet/r-open\"") && !r.text().contains("r-screened"));
    let r = http(port, "GET", "/?q=zqxnordmann&type=registrering", &[("Cookie", cookies[1].as_str())], "");
    assert!(r.text().contains("2 treff") && r.text().contains("/enhet/r-screened\""), "{}", r.text());
    // Signed out: every route leads to the login page.
    for path in
        ["/", "/arkiv", "/enhet/open", "/dokument/d-open/1", "/hvor?id=open", "/partsinnsyn", "/enhet/open/logg"]
    {
        let r = http(port, "GET", path, &[], "");
        assert_eq!((r.status, r.header("location")), (303, Some("/login")), "{path}");
    }
    // Browsing: the arkiv of oppegaard is shown only to the arkivar.
    for (i, expect) in [true, false, false, false, false].into_iter().enumerate() {
        let r = http(port, "GET", "/enhet/del-oppegaard", &[("Cookie", cookies[i].as_str())], "");
        assert_eq!(r.status == 200, expect, "{}", USERS[i].0);
    }
}

#[test]
fn a_purpose_opens_a_screened_unit_and_the_auditor_sees_it_in_a_chain_that_holds() {
    let s = setup();
    let server = start(&s.index, &s.policy);
    let port = server.port;
    let bv = login(port, "barnevern", PASSWORD).unwrap();
    let c = [("Cookie", bv.as_str())];
    let page = http(port, "GET", "/enhet/screened", &c, "").text();
    let csrf = form_value(&page, "csrf");
    // Without the token the form is refused; with it, the purpose opens the unit.
    let r = http(port, "POST", "/enhet/screened/formaal", &c, "formaal=Oppf%C3%B8lging+av+klage");
    assert_eq!(r.status, 403);
    let r = http(port, "POST", "/enhet/screened/formaal", &c, &format!("csrf={csrf}&formaal=Oppf%C3%B8lging+av+klage"));
    assert_eq!(r.status, 303);
    let page = http(port, "GET", "/enhet/screened", &c, "").text();
    assert!(page.contains("Zqxsecret Kari Zqxnordmann") && page.contains("Oppfølging av klage"), "{page}");
    let doc = http(port, "GET", "/dokument/d-screened/1", &c, "");
    assert_eq!(doc.status, 200);
    assert_eq!(sha(&doc.body), common::sha256sum(&s.ski.join("DOKUMENT/screened.pdf")));
    // The saksbehandler holds no clearance: no form, and a forged post is refused.
    let sb = login(port, "saksbehandler", PASSWORD).unwrap();
    let sc = [("Cookie", sb.as_str())];
    let page = http(port, "GET", "/enhet/screened", &sc, "").text();
    assert!(!page.contains("formaal"), "{page}");
    let csrf = form_value(&page, "csrf");
    let r = http(port, "POST", "/enhet/screened/formaal", &sc, &format!("csrf={csrf}&formaal=Bare+nysgjerrig"));
    assert_eq!(r.status, 403);
    assert!(!http(port, "GET", "/enhet/screened", &sc, "").text().contains("Zqxsecret"));

    // The auditor sees who opened it, with the purpose; others do not see the log.
    let rev = login(port, "revisor", PASSWORD).unwrap();
    let log = http(port, "GET", "/enhet/screened/logg", &[("Cookie", rev.as_str())], "").text();
    assert!(log.contains("open_screened") && log.contains("barnevern") && log.contains("Oppfølging av klage"), "{log}");
    assert_eq!(http(port, "GET", "/enhet/screened/logg", &sc, "").status, 404);

    // The markup in a tittel is text.
    let open = http(port, "GET", "/enhet/open", &c, "").text();
    assert!(open.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !open.contains("<script>"), "{open}");
    let r = http(port, "GET", "/enhet/open", &c, "");
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");

    // The proxy's header signs a user in only from a trusted address (127.0.0.1 here).
    let r = http(port, "GET", "/enhet/open", &[("X-Remote-User", "barnevern")], "");
    assert_eq!(r.status, 200);
    let r = http(port, "GET", "/enhet/open", &[("X-Remote-User", "nobody")], "");
    assert_eq!(r.status, 303);

    // Five wrong passwords lock the name out, even with the right one after.
    for _ in 0..5 {
        assert_eq!(login(port, "ingen", "feil passord").unwrap_err().status, 401);
    }
    assert_eq!(login(port, "ingen", PASSWORD).unwrap_err().status, 429);
    drop(server);

    // The chain holds; the export verifies; a changed, removed or reordered entry is named.
    let o = samla(&["verify-log", s.index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let export = s.index.parent().unwrap().join("log.jsonl");
    let o = samla(&["-q", "serve", "log", "export", s.index.to_str().unwrap(), "--out", export.to_str().unwrap()]);
    assert!(o.status.success());
    let lines: Vec<String> = std::fs::read_to_string(&export).unwrap().lines().map(str::to_string).collect();
    assert!(lines.len() > 10);
    assert!(
        lines.iter().any(|l| l.contains("\"login_failed\"")) && lines.iter().any(|l| l.contains("\"policy_change\""))
    );
    let verify = |lines: &[String]| {
        std::fs::write(&export, lines.join("\n")).unwrap();
        samla(&["verify-log", export.to_str().unwrap()])
    };
    assert!(verify(&lines).status.success());
    let mut changed = lines.clone();
    changed[4] = changed[4].replace("\"user\":\"", "\"user\":\"x");
    let o = verify(&changed);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("entry 5 (position 5) was changed"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let mut removed = lines.clone();
    removed.remove(6);
    let o = verify(&removed);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("entry 7 was removed"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let mut reordered = lines.clone();
    reordered.swap(2, 3);
    let o = verify(&reordered);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("out of order: entry 4 stands at position 3"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn indexing_again_skips_unchanged_sources_and_reads_changed_ones() {
    let s = setup();
    let o = samla(&["index", s.ski.to_str().unwrap(), "--out", s.index.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("unchanged, skipped"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::write(s.ski.join("DOKUMENT/new.pdf"), &*PDF).unwrap();
    let o = samla(&["index", s.ski.to_str().unwrap(), "--out", s.index.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(" indexed, ") && !out.contains("skipped"), "{out}");
    // Read again, not twice: one hit for the open mappe.
    let server = start(&s.index, &s.policy);
    let c = login(server.port, "arkivar", PASSWORD).unwrap();
    let r = http(server.port, "GET", "/?q=zqxopen&type=mappe", &[("Cookie", c.as_str())], "");
    assert!(r.text().contains("1 treff"), "{}", r.text());
    // A source that does not exist is an error that names it.
    let o = samla(&["index", "/nonexistent/extract", "--out", s.index.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/extract"));
}

#[test]
fn an_independent_client_rebuilds_the_archive_from_the_api_alone() {
    let dir = tempfile::tempdir().unwrap();
    let extract = common::generate(dir.path(), &["--seed", "17", "--mapper", "12"]);
    let index = dir.path().join("index");
    let o = samla(&["-q", "index", extract.to_str().unwrap(), "--out", index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[[role]]\nname = \"arkivar\"\ngrants = [{}]\n\n[[role]]\nname = \"ingen\"\n").unwrap();
    add_users(&index, &policy, &[("arkivar", "arkivar"), ("ingen", "ingen")]);
    let server = start(&index, &policy);
    let xsd_file = common::schemas().join("noark5/v5_0/arkivstruktur.xsd");
    let xsd = api_client::Xsd::read(&xsd_file);
    let out = dir.path().join("fra-api");
    std::fs::create_dir_all(&out).unwrap();
    let walk = api_client::walk(server.port, "arkivar", PASSWORD, &xsd, &out);
    // The official XSD accepts what the client wrote.
    let errors = common::xmllint(&out.join("arkivstruktur.xml"), &xsd_file);
    assert!(errors.is_empty(), "{errors:?}");
    // The same units, systemIDs and document checksums as the extract indexed.
    let original = std::fs::read_to_string(extract.join("arkivstruktur.xml")).unwrap();
    let values = |xml: &str, tag: &str| -> Vec<String> {
        let mut v: Vec<String> = xml
            .split(&format!("<{tag}>"))
            .skip(1)
            .map(|s| s[..s.find(&format!("</{tag}>")).unwrap()].trim().to_string())
            .collect();
        v.sort();
        v
    };
    for tag in ["systemID", "sjekksum", "mappeID", "registreringsID", "tittel", "korrespondansepartNavn"] {
        let (a, b) = (values(&original, tag), values(&walk.xml, tag));
        assert!(!a.is_empty(), "the extract has no {tag}");
        assert_eq!(a, b, "{tag} differs between the extract and the API's");
    }
    for unit in ["<mappe", "<registrering", "<dokumentbeskrivelse", "<dokumentobjekt>", "<klasse>"] {
        assert_eq!(original.matches(unit).count(), walk.xml.matches(unit).count(), "{unit}");
    }
    // Every file came through, whole.
    let stated = values(&original, "sjekksum");
    let mut got: Vec<String> = walk.files.values().cloned().collect();
    got.sort();
    got.dedup();
    let mut want = stated.clone();
    want.dedup();
    assert_eq!(got, want, "files downloaded");
    // A user with no role gets an empty archive, not an error.
    let r = http(
        server.port,
        "GET",
        "/noark5v5/api/arkivstruktur/arkiv/",
        &[("Authorization", basic("ingen", PASSWORD).as_str())],
        "",
    );
    assert_eq!(
        (r.status, r.text().contains("\"count\":0"), r.text().contains("results")),
        (200, true, false),
        "{}",
        r.text()
    );
    assert!(walk.requests > 20, "{} requests", walk.requests);

    // The units' metadata is read in place: once the extract changes under the index, a
    // unit is refused with the cause, never shown from another unit's bytes.
    let mappe = &original[original.find("<mappe").unwrap()..];
    let sid = mappe[mappe.find("<systemID>").unwrap() + 10..mappe.find("</systemID>").unwrap()].trim().to_string();
    let at = original.find("<mappe").unwrap();
    std::fs::write(extract.join("arkivstruktur.xml"), format!("{}  {}", &original[..at], &original[at..])).unwrap();
    let auth = basic("arkivar", PASSWORD);
    let r =
        http(server.port, "GET", &format!("/noark5v5/api/arkivstruktur/mappe/{sid}/"), &[("Authorization", &auth)], "");
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(r.text().contains("metadata cannot be read"), "{}", r.text());
    let r = http(server.port, "GET", &format!("/enhet/{sid}"), &[("Authorization", &auth)], "");
    assert!(r.text().contains("Metadata kunne ikke leses"), "{}", r.text());
    assert!(!r.text().contains("<th scope=\"row\">systemID</th>"), "{}", r.text());
}

#[test]
fn kill_9_under_load_loses_no_acknowledged_log_entry() {
    let s = setup();
    let server = start(&s.index, &s.policy);
    let port = server.port;
    let cookie = login(port, "arkivar", PASSWORD).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Eight clients search with words no one else uses, and keep the ones answered 200.
    let clients: Vec<_> = (0..8)
        .map(|t| {
            let cookie = cookie.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let word = format!("zqxload{t}n{n}");
                    let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) else { break };
                    let req = format!(
                        "GET /?q={word} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
                    );
                    if conn.write_all(req.as_bytes()).is_err() {
                        break;
                    }
                    let mut raw = Vec::new();
                    let _ = conn.read_to_end(&mut raw);
                    if raw.starts_with(b"HTTP/1.1 200") {
                        acknowledged.push(word);
                    } else {
                        break;
                    }
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let mut server = server;
    // SIGKILL: no chance to flush anything.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged: Vec<String> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    assert!(acknowledged.len() > 50, "the load was too light to mean anything: {}", acknowledged.len());
    let o = samla(&["serve", "log", "export", s.index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = String::from_utf8(o.stdout).unwrap();
    let logged: std::collections::BTreeSet<String> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| {
            // The detail is the search as JSON, then the client's address.
            let detail = e["detail"].as_str()?.split("; ip=").next()?.to_string();
            serde_json::from_str::<serde_json::Value>(&detail).ok()
        })
        .filter_map(|d| d["q"].as_str().map(str::to_string))
        .collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|w| !logged.contains(*w)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged searches are not in the log: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    let v = samla(&["verify-log", s.index.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

#[test]
fn tls_serves_https_with_secure_cookies_and_refuses_a_bad_key() {
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let o = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a test certificate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (server, line) =
        start_with(&s.index, &s.policy, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    assert!(line.contains("https://"), "{line}");
    let base = format!("https://127.0.0.1:{}", server.port);
    let jar = dir.path().join("jar");
    // curl, the oracle: it checks the certificate against the one made above.
    let curl = |args: &[&str]| -> String {
        let o = Command::new("curl")
            .args([
                "-s",
                "-i",
                "--cacert",
                cert.to_str().unwrap(),
                "-c",
                jar.to_str().unwrap(),
                "-b",
                jar.to_str().unwrap(),
            ])
            .args(args)
            .output()
            .expect("curl runs");
        assert!(o.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let form = curl(&[&format!("{base}/login")]);
    assert!(form.starts_with("HTTP/1.1 200"), "{form}");
    let csrf = form_value(&form, "csrf");
    let done =
        curl(&["-d", &format!("csrf={csrf}&brukernavn=arkivar&passord={}", enc(PASSWORD)), &format!("{base}/login")]);
    let cookie = done
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie: samla_session="))
        .unwrap_or_else(|| panic!("{done}"));
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let page = curl(&[&format!("{base}/enhet/open")]);
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("Zqxopen"), "{page}");
    drop(server);
    // A key that is not a key: exit 2, naming the file.
    std::fs::write(&key, "not a key\n").unwrap();
    let o = samla(&[
        "serve",
        s.index.to_str().unwrap(),
        "--policy",
        s.policy.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("key.pem") && err.contains("PEM"), "{err}");
}

#[test]
fn partsinnsyn_exports_a_folder_with_a_manifest_that_sha256sum_accepts() {
    let s = setup();
    let server = start(&s.index, &s.policy);
    let port = server.port;
    let arkivar = login(port, "arkivar", PASSWORD).unwrap();
    let c = [("Cookie", arkivar.as_str())];
    let page = http(port, "GET", &format!("/partsinnsyn?id={FNR}"), &c, "").text();
    assert!(page.contains("/partsinnsyn/eksport"), "{page}");
    let csrf = form_value(&page, "csrf");
    let r = http(port, "POST", "/partsinnsyn/eksport", &c, &format!("csrf={csrf}&id={FNR}&navn=&foedt="));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-tar"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.tar"), &r.body).unwrap();
    // GNU tar and sha256sum are the oracles.
    let t = Command::new("tar").args(["-xf", "p.tar"]).current_dir(dir.path()).status().unwrap();
    assert!(t.success());
    let sums = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir.path().join("partsinnsyn"))
        .output()
        .unwrap();
    assert!(sums.status.success(), "{}", String::from_utf8_lossy(&sums.stdout));
    assert_eq!(String::from_utf8_lossy(&sums.stdout).matches(": OK").count(), 2, "both documents of the part");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("partsinnsyn/manifest.json")).unwrap()).unwrap();
    let units: Vec<&str> =
        manifest["enheter"].as_array().unwrap().iter().map(|u| u["systemID"].as_str().unwrap()).collect();
    assert_eq!(units, ["open", "other"], "{manifest}");
    // Without the export right, or without the token, nothing leaves.
    let bv = login(port, "barnevern", PASSWORD).unwrap();
    let bc = [("Cookie", bv.as_str())];
    let page = http(port, "GET", &format!("/partsinnsyn?id={FNR}"), &bc, "").text();
    assert!(!page.contains("/partsinnsyn/eksport"), "{page}");
    let token = form_value(&page, "csrf");
    assert_eq!(http(port, "POST", "/partsinnsyn/eksport", &bc, &format!("csrf={token}&id={FNR}")).status, 403);
    assert_eq!(http(port, "POST", "/partsinnsyn/eksport", &c, &format!("id={FNR}")).status, 403);
    let log = samla(&["serve", "log", "export", s.index.to_str().unwrap()]);
    let log = String::from_utf8_lossy(&log.stdout);
    assert_eq!(log.matches("\"export\"").count(), 1, "one export logged: {log}");
}
