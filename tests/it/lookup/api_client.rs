//! An independent Noark 5 API client: it starts at `/noark5v5/`, follows only the links it
//! is given, walks the whole archive, downloads every file, and writes arkivstruktur.xml
//! from what it received, in the order the official XSD gives (read from the XSD itself).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Reply, http_url};

const AS: &str = "https://rel.arkivverket.no/noark5/v5/api/arkivstruktur/";
const SA: &str = "https://rel.arkivverket.no/noark5/v5/api/sakarkiv/";
const LOGIN: &str = "https://rel.arkivverket.no/noark5/v5/api/login/rfc7617/";
/// The list relations and the element each list's entities are written as.
const LISTS: [(&str, &str); 14] = [
    ("arkivdel", "arkivdel"),
    ("underarkiv", "arkiv"),
    ("klassifikasjonssystem", "klassifikasjonssystem"),
    ("klasse", "klasse"),
    ("underklasse", "klasse"),
    ("mappe", "mappe"),
    ("undermappe", "mappe"),
    ("registrering", "registrering"),
    ("dokumentbeskrivelse", "dokumentbeskrivelse"),
    ("dokumentobjekt", "dokumentobjekt"),
    ("korrespondansepart", "korrespondansepart"),
    ("part", "part"),
    ("merknad", "merknad"),
    ("kryssreferanse", "kryssreferanse"),
];

/// The elements of a complex type in order: `(element, its type)`.
type Sequence = Vec<(String, String)>;

/// The element order of each complex type of an XSD, its base types' first.
pub struct Xsd(HashMap<String, Sequence>);

impl Xsd {
    pub fn read(path: &Path) -> Xsd {
        let text = std::fs::read_to_string(path).unwrap();
        let root = samla_noark5::xml::parse_str(&text, "xsd").unwrap();
        let mut own: HashMap<String, (Option<String>, Sequence)> = HashMap::new();
        for t in root.children.iter().filter(|c| c.local_name() == "complexType") {
            let name = t.attr("name").unwrap().to_string();
            let mut base = None;
            let mut elements = Vec::new();
            let mut stack: Vec<&samla_noark5::Element> = t.children.iter().rev().collect();
            while let Some(e) = stack.pop() {
                match e.local_name() {
                    "element" => elements.push((
                        e.attr("name").unwrap_or_default().to_string(),
                        e.attr("type").unwrap_or_default().rsplit(':').next().unwrap().to_string(),
                    )),
                    "extension" => {
                        base = e.attr("base").map(|b| b.rsplit(':').next().unwrap().to_string());
                        stack.extend(e.children.iter().rev());
                    }
                    _ => stack.extend(e.children.iter().rev()),
                }
            }
            own.insert(name, (base, elements));
        }
        let mut all = HashMap::new();
        for name in own.keys() {
            let mut chain = Vec::new();
            let mut at = Some(name.clone());
            while let Some(n) = at {
                let (base, els) = &own[&n];
                chain.push(els.clone());
                at = base.clone();
            }
            all.insert(name.clone(), chain.into_iter().rev().flatten().collect());
        }
        Xsd(all)
    }
}

/// What the walk collected.
pub struct Walk {
    pub xml: String,
    pub requests: usize,
    pub files: BTreeMap<String, String>,
}

struct Client<'a> {
    port: u16,
    auth: String,
    xsd: &'a Xsd,
    out: &'a Path,
    requests: usize,
    files: BTreeMap<String, String>,
}

impl Client<'_> {
    fn get(&mut self, href: &str) -> Reply {
        self.get_as(href, "application/vnd.noark5+json")
    }

    /// A file is asked for as any type (the standard answers 406 otherwise).
    fn get_as(&mut self, href: &str, accept: &str) -> Reply {
        self.requests += 1;
        let href = href.split('{').next().unwrap();
        http_url(self.port, href, &[("Authorization", self.auth.as_str()), ("Accept", accept)])
    }

    fn json(&mut self, href: &str) -> Value {
        let r = self.get(href);
        assert_eq!(r.status, 200, "GET {href}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("application/vnd.noark5+json"), "GET {href}");
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("GET {href}: {e}: {}", r.text()))
    }

    /// Every entity of a list, following `next`.
    fn list(&mut self, href: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut at = Some(href.to_string());
        let mut count = None;
        while let Some(h) = at {
            let page = self.json(&h);
            let c = page["count"].as_u64().unwrap();
            assert!(count.is_none_or(|n| n == c), "the count changed between pages of {href}");
            count = Some(c);
            all.extend(page["results"].as_array().cloned().unwrap_or_default());
            at = page["_links"]["next"]["href"].as_str().map(str::to_string);
        }
        assert_eq!(all.len() as u64, count.unwrap_or(0), "{href}: count and entities differ");
        all
    }

    /// The entity's own rel: the one whose href is self's.
    fn rel(e: &Value) -> String {
        let links = e["_links"].as_object().unwrap();
        let me = links["self"]["href"].as_str().unwrap();
        links
            .iter()
            .find(|(k, v)| *k != "self" && v["href"].as_str() == Some(me))
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| panic!("no entity rel in {e}"))
    }

    /// Writes entity `e` as element `name` (type from its rel).
    fn entity(&mut self, name: &str, e: &Value, xml: &mut String) {
        let rel = Self::rel(e);
        let kind = rel.trim_end_matches('/').rsplit('/').next().unwrap().to_string();
        let xsi = (rel.starts_with(SA)).then(|| kind.clone());
        let xsd_type = match name {
            "korrespondansepart" | "part" | "merknad" | "kryssreferanse" | "dokumentobjekt" => name.to_string(),
            _ => kind.clone(),
        };
        // Sub-entities, by the element they are written as.
        let mut children: HashMap<&str, Vec<String>> = HashMap::new();
        let links = e["_links"].as_object().unwrap().clone();
        for (list, element) in LISTS {
            let Some(l) = links.get(&format!("{AS}{list}/")) else { continue };
            if l["templated"] != Value::Bool(true) {
                continue; // a link to a parent or a target, not a list
            }
            for child in self.list(l["href"].as_str().unwrap()) {
                let mut s = String::new();
                self.entity(element, &child, &mut s);
                children.entry(element).or_default().push(s);
            }
        }
        let mut fields = e.as_object().unwrap().clone();
        fields.remove("_links");
        if name == "dokumentobjekt" {
            let file = links[&format!("{AS}fil/")]["href"].as_str().unwrap().to_string();
            let r = self.get_as(&file, "*/*");
            assert_eq!(r.status, 200, "GET {file}");
            let digest: String = Sha256::digest(&r.body).iter().map(|b| format!("{b:02x}")).collect();
            let stated = fields["sjekksum"].as_str().unwrap().to_string();
            assert_eq!(digest, stated, "{file}: the file's SHA-256 is not its dokumentobjekt's sjekksum");
            let base = fields["referanseDokumentfil"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            std::fs::create_dir_all(self.out.join("DOKUMENT")).unwrap();
            std::fs::write(self.out.join("DOKUMENT").join(&base), &r.body).unwrap();
            fields.insert("referanseDokumentfil".into(), Value::String(format!("DOKUMENT/{base}")));
            self.files.insert(base, digest);
        }
        let _ = write!(xml, "<{name}");
        if let Some(t) = xsi {
            let _ = write!(xml, " xsi:type=\"{t}\"");
        }
        xml.push('>');
        self.fields(&xsd_type, &mut fields, &mut children, xml);
        assert!(fields.is_empty(), "{rel}: fields with no place in the schema's {xsd_type}: {fields:?}");
        let _ = write!(xml, "</{name}>");
    }

    /// The fields and sub-entities of type `t`, in the schema's order.
    fn fields(
        &self,
        t: &str,
        fields: &mut serde_json::Map<String, Value>,
        children: &mut HashMap<&str, Vec<String>>,
        xml: &mut String,
    ) {
        let order = self.xsd.0.get(t).cloned().unwrap_or_else(|| panic!("no type {t} in the XSD"));
        for (element, element_type) in order {
            if let Some(done) = children.remove(element.as_str()) {
                done.iter().for_each(|c| xml.push_str(c));
            }
            let Some(v) = fields.remove(&element) else { continue };
            let items = match v {
                Value::Array(a) => a,
                v => vec![v],
            };
            for item in items {
                self.value(&element, &element_type, item, xml);
            }
        }
        assert!(children.is_empty(), "{t}: sub-entities with no place: {:?}", children.keys().collect::<Vec<_>>());
    }

    fn value(&self, element: &str, element_type: &str, v: Value, xml: &mut String) {
        match v {
            Value::Object(mut o) if o.contains_key("kodenavn") => {
                let _ = write!(xml, "<{element}>{}</{element}>", esc(o["kodenavn"].as_str().unwrap()));
                o.clear();
            }
            Value::Object(mut o) => {
                let _ = write!(xml, "<{element}>");
                if self.xsd.0.get(element_type).is_some_and(|els| !els.is_empty()) {
                    self.fields(element_type, &mut o, &mut HashMap::new(), xml);
                    assert!(o.is_empty(), "{element}: fields with no place: {o:?}");
                } else {
                    // xs:any (virksomhetsspesifikkeMetadata): the client's own namespace.
                    any(&Value::Object(o), xml);
                }
                let _ = write!(xml, "</{element}>");
            }
            Value::String(s) => {
                let _ = write!(xml, "<{element}>{}</{element}>", esc(&s));
            }
            Value::Number(n) => {
                let _ = write!(xml, "<{element}>{n}</{element}>");
            }
            other => panic!("{element}: unexpected value {other}"),
        }
    }
}

fn any(v: &Value, xml: &mut String) {
    for (k, v) in v.as_object().unwrap() {
        let items = match v {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        };
        for item in items {
            let _ = write!(xml, "<c:{k} xmlns:c=\"urn:samla:test-client\">");
            match &item {
                Value::Object(_) => any(&item, xml),
                Value::String(s) => xml.push_str(&esc(s)),
                other => xml.push_str(&other.to_string()),
            }
            let _ = write!(xml, "</c:{k}>");
        }
    }
}

/// The client's own escape: it shares no code with samla, so that it judges the API
/// independently.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Walks the archive behind `port` as `user` and writes `out/arkivstruktur.xml`.
pub fn walk(port: u16, user: &str, password: &str, xsd: &Xsd, out: &Path) -> Walk {
    use base64::Engine;
    let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")));
    let mut c = Client { port, auth, xsd, out, requests: 0, files: BTreeMap::new() };
    let root = c.get("/noark5v5/");
    assert_eq!(root.status, 200, "the root needs no login");
    let root: Value = serde_json::from_slice(&root.body).unwrap();
    let login = root["_links"][LOGIN]["href"].as_str().expect("the root offers HTTP Basic").to_string();
    assert_eq!(c.json(&login)["bruker"], user);
    let package = root["_links"][AS]["href"].as_str().unwrap().to_string();
    let package = c.json(&package);
    let arkiver = package["_links"][format!("{AS}arkiv/")]["href"].as_str().unwrap().to_string();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<arkiv xmlns=\"http://www.arkivverket.no/standarder/noark5/arkivstruktur\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
    );
    let all = c.list(&arkiver);
    // The top arkiv (the one without a parent arkiv) is the document element.
    let top: Vec<&Value> = all.iter().filter(|a| a["_links"].get(format!("{AS}overarkiv/")).is_none()).collect();
    assert_eq!(top.len(), 1, "one arkiv at the top");
    let mut body = String::new();
    c.entity("arkiv", top[0], &mut body);
    xml.push_str(body.strip_prefix("<arkiv").unwrap());
    std::fs::write(out.join("arkivstruktur.xml"), &xml).unwrap();
    Walk { xml, requests: c.requests, files: c.files }
}
