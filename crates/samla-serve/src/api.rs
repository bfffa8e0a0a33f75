//! The Noark 5 tjenestegrensesnitt (v1.1), read only, under `/noark5v5/`.
//!
//! HAL JSON (`application/vnd.noark5+json`) with the standard's relation URIs, so that a
//! client follows links and builds no URL itself. The units are the index's; the parts,
//! korrespondanseparter, merknader, kryssreferanser and dokumentobjekter inside a unit are
//! entities of their own here, named `{unit systemID}~{element}~{n}`. The same policy as the
//! web pages decides every entity, list, count and file (a unit the viewer may not see is
//! 404, as if it did not exist), and every entity, list and file is logged. Write methods
//! answer 405. Where this differs from the standard is written in `docs/lookup.md`.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use samla_lookup::log::Event;
use samla_lookup::policy::{Sight, Viewer};
use samla_lookup::search::Words;
use samla_lookup::store::{Store, Unit, UnitKind};
use samla_noark5::Element;

use crate::web::{checked_document, document_response, find_visible, masked, screening, sight};
use crate::{App, Who};

/// The standard's media type.
pub const MEDIA_TYPE: &str = "application/vnd.noark5+json";
/// Relation URIs of the arkivstruktur package.
pub const AS: &str = "https://rel.arkivverket.no/noark5/v5/api/arkivstruktur/";
/// Relation URIs of the sakarkiv package.
pub const SA: &str = "https://rel.arkivverket.no/noark5/v5/api/sakarkiv/";
/// The login relation for HTTP Basic (RFC 7617).
pub const LOGIN_BASIC: &str = "https://rel.arkivverket.no/noark5/v5/api/login/rfc7617/";
/// Where the API lives.
pub const BASE: &str = "/noark5v5/";
const TEMPLATE: &str = "{?$filter&$top&$skip}";
/// Page size when `$top` is not given, and the most a page holds.
const PAGE: usize = 100;
const MAX_PAGE: usize = 1000;
/// A filter over a top-level list is evaluated on at most this many candidates.
const MAX_SCAN: usize = 10_000;

/// Elements inside a unit that are entities of their own.
const SUB_ENTITIES: [&str; 5] = ["dokumentobjekt", "korrespondansepart", "part", "merknad", "kryssreferanse"];
/// Fields that are numbers in JSON.
const NUMBERS: [&str; 11] = [
    "saksaar",
    "sakssekvensnummer",
    "journalaar",
    "journalsekvensnummer",
    "journalpostnummer",
    "dokumentnummer",
    "versjonsnummer",
    "filstoerrelse",
    "antallVedlegg",
    "bevaringstid",
    "skjermingsvarighet",
];
/// Fields whose values come from code lists: `{"kode": …, "kodenavn": …}`.
const CODES: [&str; 22] = [
    "arkivstatus",
    "arkivdelstatus",
    "dokumentmedium",
    "dokumentstatus",
    "dokumenttype",
    "journalposttype",
    "journalstatus",
    "saksstatus",
    "variantformat",
    "tilknyttetRegistreringSom",
    "korrespondanseparttype",
    "merknadstype",
    "partRolle",
    "klassifikasjonstype",
    "tilgangsrestriksjon",
    "skjermingMetadata",
    "skjermingDokument",
    "kassasjonsvedtak",
    "grad",
    "slettingstype",
    "format",
    "avskrivningsmaate",
];
/// Fields that may repeat: always arrays.
const REPEATED: [&str; 6] =
    ["noekkelord", "forfatter", "oppbevaringssted", "skjermingMetadata", "arkivskaper", "avskrivning"];

/// An API answer: JSON with the standard's media type.
fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    res
}

/// The standard's error body: `{"feil": {"kode": status, "beskrivelse": …}}`.
fn error(status: StatusCode, what: &str) -> Response {
    json_response(status, &json!({"feil": {"kode": status.as_u16(), "beskrivelse": what}}))
}

fn not_found(path: &str) -> Response {
    error(StatusCode::NOT_FOUND, &format!("Not Found: {path}"))
}

/// 401 with the realm, as RFC 7617 and the standard ask.
fn unauthorized() -> Response {
    let mut res = error(StatusCode::UNAUTHORIZED, "log in with HTTP Basic (rfc7617)");
    res.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"samla\", charset=\"UTF-8\""));
    res
}

/// What a request asks for, parsed from the path after `/noark5v5/`.
pub(crate) struct Request {
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    /// `https://host` or `http://host`, for absolute hrefs.
    pub origin: String,
}

/// The whole API: one entry point, the path decides.
pub(crate) fn handle(app: &App, who: &Who, req: Request) -> Response {
    if req.method != Method::GET && req.method != Method::HEAD {
        let mut res = error(StatusCode::METHOD_NOT_ALLOWED, "samla serves the archive read only");
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    // systemIDs are free text: each segment is percent-decoded, as the hrefs encode them.
    let Some(decoded) = req.path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect::<Option<Vec<_>>>()
    else {
        return error(StatusCode::BAD_REQUEST, "the path is not percent-encoded UTF-8");
    };
    let parts: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let api = Api { app, who, origin: &req.origin };
    if parts.is_empty() {
        return api.root();
    }
    let Some(v) = who.viewer.as_ref() else { return unauthorized() };
    match parts.as_slice() {
        ["login", "rfc7617"] => json_response(
            StatusCode::OK,
            &json!({"bruker": v.user, "_links": {"self": {"href": api.href("login/rfc7617/")}}}),
        ),
        ["api", "arkivstruktur"] => api.package(
            AS,
            &["arkiv", "arkivdel", "klassifikasjonssystem", "klasse", "mappe", "registrering", "dokumentbeskrivelse"],
            "arkivstruktur",
        ),
        ["api", "sakarkiv"] => api.package(SA, &["saksmappe", "journalpost"], "sakarkiv"),
        ["api", _, entity] => match api.top_list(v, entity, &req.query) {
            Ok(r) | Err(r) => r,
        },
        ["api", _, _, id] => api.entity(v, id),
        ["api", _, "dokumentobjekt", id, "referanseFil"] => api.file(v, id, &req.headers),
        ["api", _, _, id, list] => match api.child_list(v, id, list, &req.query) {
            Ok(r) | Err(r) => r,
        },
        _ => not_found(&req.path),
    }
}

struct Api<'a> {
    app: &'a App,
    who: &'a Who,
    origin: &'a str,
}

/// One entity as the API shows it.
struct Entity {
    /// `(package rel, entity name)`: where its URL and entity rel come from.
    rel: (&'static str, &'static str),
    id: String,
    fields: Map<String, Value>,
    links: Map<String, Value>,
}

impl Api<'_> {
    fn href(&self, path: &str) -> String {
        format!("{}{BASE}{path}", self.origin)
    }

    fn entity_href(&self, rel: (&str, &str), id: &str) -> String {
        let package = if rel.0 == SA { "sakarkiv" } else { "arkivstruktur" };
        self.href(&format!("api/{package}/{}/{}/", rel.1, url_segment(id)))
    }

    fn link(&self, href: String) -> Value {
        json!({ "href": href })
    }

    fn root(&self) -> Response {
        let mut links = Map::new();
        links.insert("self".into(), self.link(self.href("")));
        links.insert(AS.to_string(), self.link(self.href("api/arkivstruktur/")));
        links.insert(SA.to_string(), self.link(self.href("api/sakarkiv/")));
        links.insert(LOGIN_BASIC.into(), self.link(self.href("login/rfc7617/")));
        json_response(StatusCode::OK, &json!({ "_links": links }))
    }

    fn package(&self, rel: &str, entities: &[&str], name: &str) -> Response {
        let mut links = Map::new();
        links.insert("self".into(), self.link(self.href(&format!("api/{name}/"))));
        for e in entities {
            links.insert(
                format!("{rel}{e}/"),
                json!({"href": format!("{}{TEMPLATE}", self.href(&format!("api/{name}/{e}/"))), "templated": true}),
            );
        }
        json_response(StatusCode::OK, &json!({ "_links": links }))
    }

    /// The unit with systemID `sid` if the viewer may see it.
    fn unit(&self, store: &Store, v: &Viewer, sid: &str) -> Option<(Unit, Sight)> {
        find_visible(self.app, store, self.who, v, sid)
    }

    fn entity(&self, v: &Viewer, id: &str) -> Response {
        let store = self.app.store();
        let entity = match sub_id(id) {
            Some((sid, element, n)) => {
                let Some((u, s)) = self.unit(&store, v, sid) else { return not_found(id) };
                let parsed = parse_unit(self.app, &u);
                let Some(e) = self.sub_entities(&u, &parsed, s, element).into_iter().nth(n.saturating_sub(1)) else {
                    return not_found(id);
                };
                e
            }
            None => {
                let Some((u, s)) = self.unit(&store, v, id) else { return not_found(id) };
                let element = match self.app.unit_element(&u) {
                    Ok(element) => element,
                    Err(e) => {
                        eprintln!("samla serve: {e}");
                        return error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "the unit's metadata cannot be read; see the server's log",
                        );
                    }
                };
                let event =
                    if s == Sight::Full && u.scope.restriction.is_some() { Event::OpenScreened } else { Event::Open };
                let logged = self.app.log(self.who, event, &u.system_id, &u.scope.source, "", "api");
                if let Err(e) = logged {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
                }
                self.entity_of(&store, v, &u, s, element)
            }
        };
        json_response(StatusCode::OK, &self.render(entity))
    }

    fn render(&self, mut e: Entity) -> Value {
        let href = self.entity_href(e.rel, &e.id);
        e.links.insert("self".into(), self.link(href.clone()));
        e.links.insert(format!("{}{}/", e.rel.0, e.rel.1), self.link(href));
        let mut fields = e.fields;
        fields.insert("_links".into(), Value::Object(e.links));
        Value::Object(fields)
    }

    /// A unit's fields (screened ones masked) and links (parent, and the lists inside it
    /// that hold something the viewer may see).
    fn unit_entity(&self, store: &Store, v: &Viewer, u: &Unit, s: Sight) -> Entity {
        self.entity_of(store, v, u, s, parse_unit(self.app, u))
    }

    /// [`Self::unit_entity`] of the unit's metadata already read.
    fn entity_of(&self, store: &Store, v: &Viewer, u: &Unit, s: Sight, element: Element) -> Entity {
        let rel = unit_rel(u, &element);
        let mut fields = Map::new();
        let screens = if s == Sight::Full { None } else { screening(u) };
        for c in element.children.iter().filter(|c| !SUB_ENTITIES.contains(&c.local_name())) {
            let name = c.local_name();
            if screens.as_ref().is_some_and(|sc| sc.screens(name)) {
                fields.insert(name.into(), Value::String(masked(u)));
                continue;
            }
            add_field(&mut fields, c);
        }
        if s != Sight::Full {
            fields.insert("skjermet".into(), Value::Bool(true));
        }
        let mut links = Map::new();
        let kind = u.kind.unwrap_or(UnitKind::Mappe);
        if let Some(parent) = u.parent.and_then(|p| store.unit(p).ok().flatten()) {
            let ps = sight(self.app, store, self.who, v, &parent);
            if ps != Sight::Hidden {
                let prel = unit_rel(&parent, &parse_unit(self.app, &parent));
                let name = match (parent.kind, kind) {
                    (Some(UnitKind::Klasse), UnitKind::Klasse) => "overklasse",
                    (Some(UnitKind::Mappe), UnitKind::Mappe) => "overmappe",
                    (Some(UnitKind::Arkiv), UnitKind::Arkiv) => "overarkiv",
                    _ => parent.kind.map_or("arkiv", UnitKind::as_str),
                };
                links.insert(format!("{AS}{name}/"), self.link(self.entity_href(prel, &parent.system_id)));
            }
        }
        // A list is linked when it holds something the viewer may see: records are asked of
        // the search (access inside the query), containers one by one.
        let kinds = store.child_kinds(u.id).unwrap_or_default();
        for (list, child_kind) in unit_lists(kind) {
            if !kinds.contains(child_kind) {
                continue;
            }
            let any = if child_kind.is_record() {
                let within = samla_lookup::search::Filters {
                    within: Some(u.inside()),
                    kind: Some(*child_kind),
                    ..Default::default()
                };
                self.app.search.exists(v, &within).unwrap_or(false)
            } else {
                store
                    .children(Some(u.id))
                    .unwrap_or_default()
                    .iter()
                    .any(|c| c.kind == Some(*child_kind) && sight(self.app, store, self.who, v, c) != Sight::Hidden)
            };
            if any {
                links.insert(format!("{AS}{list}/"), self.list_link(rel, &u.system_id, list));
            }
        }
        for list in sub_lists(kind) {
            if !withheld(u, s, list) && element.child(list).is_some() {
                links.insert(format!("{AS}{list}/"), self.list_link(rel, &u.system_id, list));
            }
        }
        Entity { rel, id: u.system_id.clone(), fields, links }
    }

    fn list_link(&self, rel: (&str, &str), id: &str, list: &str) -> Value {
        json!({"href": format!("{}{list}/{TEMPLATE}", self.entity_href(rel, id)), "templated": true})
    }

    /// The entities of `element` inside unit `u`, whose XML is `parsed` (none where the
    /// unit screens that element).
    fn sub_entities(&self, u: &Unit, parsed: &Element, s: Sight, element: &str) -> Vec<Entity> {
        if !SUB_ENTITIES.contains(&element) || withheld(u, s, element) {
            return Vec::new();
        }
        let urel = unit_rel(u, parsed);
        parsed
            .children_named(element)
            .enumerate()
            .map(|(i, c)| {
                let id = format!("{}~{element}~{}", u.system_id, i + 1);
                let mut fields = Map::new();
                for f in &c.children {
                    add_field(&mut fields, f);
                }
                let mut links = Map::new();
                // The unit it belongs to, under that unit's own relation.
                links.insert(format!("{}{}/", urel.0, urel.1), self.link(self.entity_href(urel, &u.system_id)));
                if element == "dokumentobjekt" && s == Sight::Full {
                    links.insert(
                        format!("{AS}fil/"),
                        self.link(format!("{}referanseFil/", self.entity_href((AS, "dokumentobjekt"), &id))),
                    );
                }
                if element == "kryssreferanse" {
                    for (field, target) in [
                        ("referanseTilKlasse", "klasse"),
                        ("referanseTilMappe", "mappe"),
                        ("referanseTilRegistrering", "registrering"),
                    ] {
                        if let Some(t) = c.value(field).map(str::trim).filter(|t| !t.is_empty()) {
                            links.insert(format!("{AS}{target}/"), self.link(self.entity_href((AS, target), t)));
                        }
                    }
                }
                Entity { rel: (AS, sub_rel_name(element)), id, fields, links }
            })
            .collect()
    }

    /// A list inside a unit: its sub-units of one kind, or its sub-entities.
    fn child_list(&self, v: &Viewer, id: &str, list: &str, q: &HashMap<String, String>) -> Result<Response, Response> {
        let (filter, top, skip) = paging(q)?;
        let store = self.app.store();
        let Some((u, s)) = self.unit(&store, v, id) else { return Err(not_found(id)) };
        let parsed = parse_unit(self.app, &u);
        let kind = u.kind.unwrap_or(UnitKind::Mappe);
        // Sub-units: the visible ones are counted, and only the page is built, unless a
        // filter needs every entity's fields.
        let (page, count) = if let Some((_, ck)) = unit_lists(kind).iter().find(|(l, _)| *l == list) {
            let visible: Vec<(Unit, Sight)> = store
                .children(Some(u.id))
                .unwrap_or_default()
                .into_iter()
                .filter(|c| c.kind == Some(*ck))
                .filter_map(|c| {
                    let cs = sight(self.app, &store, self.who, v, &c);
                    (cs != Sight::Hidden).then_some((c, cs))
                })
                .collect();
            match &filter {
                None => {
                    let n = visible.len();
                    (
                        visible
                            .into_iter()
                            .skip(skip)
                            .take(top)
                            .map(|(c, cs)| self.unit_entity(&store, v, &c, cs))
                            .collect(),
                        n,
                    )
                }
                Some(_) if visible.len() > MAX_SCAN => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        &format!(
                            "the $filter would be tried on {} units; browse with $top and $skip, or search",
                            visible.len()
                        ),
                    ));
                }
                Some(f) => {
                    let all: Vec<Entity> = visible
                        .into_iter()
                        .map(|(c, cs)| self.unit_entity(&store, v, &c, cs))
                        .filter(|e| f.matches(&Value::Object(e.fields.clone())))
                        .collect();
                    let n = all.len();
                    (all.into_iter().skip(skip).take(top).collect(), n)
                }
            }
        } else if sub_lists(kind).contains(&list) {
            let mut all = self.sub_entities(&u, &parsed, s, list);
            if let Some(f) = &filter {
                all.retain(|e| f.matches(&Value::Object(e.fields.clone())));
            }
            let n = all.len();
            (all.into_iter().skip(skip).take(top).collect(), n)
        } else {
            return Err(not_found(id));
        };
        let path = format!("{}{list}/", self.entity_href(unit_rel(&u, &parsed), &u.system_id));
        self.log_list(&path, q, count, &u)?;
        Ok(self.list(&path, (AS, list), page, count, q, top, skip))
    }

    /// A package's list of one entity type, across the whole index.
    fn top_list(&self, v: &Viewer, entity: &str, q: &HashMap<String, String>) -> Result<Response, Response> {
        let (filter, top, skip) = paging(q)?;
        let kind = match entity {
            "saksmappe" => UnitKind::Mappe,
            "journalpost" => UnitKind::Registrering,
            e => UnitKind::parse(e).ok_or_else(|| not_found(entity))?,
        };
        let subtype = matches!(entity, "saksmappe" | "journalpost").then_some(entity);
        let store = self.app.store();
        let path =
            self.href(&format!("api/{}/{entity}/", if subtype.is_some() { "sakarkiv" } else { "arkivstruktur" }));
        // systemID eq '…' is answered from the store; anything else walks the candidates.
        let (entities, count) = if let Some(sid) = filter.as_ref().and_then(Filter::system_id) {
            let all: Vec<Entity> = self
                .unit(&store, v, sid)
                .filter(|(u, _)| u.kind == Some(kind))
                .map(|(u, s)| self.unit_entity(&store, v, &u, s))
                .filter(|e| subtype.is_none_or(|t| e.rel.1 == t))
                .filter(|e| filter.as_ref().is_none_or(|f| f.matches(&Value::Object(e.fields.clone()))))
                .into_iter()
                .collect();
            let n = all.len();
            (all.into_iter().skip(skip).take(top).collect(), n)
        } else if kind.is_record() && filter.is_none() && subtype.is_none() {
            let hits = self
                .app
                .search
                .search(
                    v,
                    &Words::none(),
                    &samla_lookup::search::Filters { kind: Some(kind), ..Default::default() },
                    skip,
                    top,
                )
                .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
            let page = hits
                .ids
                .iter()
                .filter_map(|id| store.unit(*id).ok().flatten())
                .filter_map(|u| {
                    let s = sight(self.app, &store, self.who, v, &u);
                    (s != Sight::Hidden).then(|| self.unit_entity(&store, v, &u, s))
                })
                .collect();
            (page, hits.total)
        } else {
            let candidates: Vec<Unit> = if kind.is_record() {
                let hits = self
                    .app
                    .search
                    .search(
                        v,
                        &Words::none(),
                        &samla_lookup::search::Filters { kind: Some(kind), ..Default::default() },
                        0,
                        1,
                    )
                    .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
                if hits.total > MAX_SCAN {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        &format!(
                            "the $filter would be tried on {} units; narrow it with systemID eq '…', or browse from an arkivdel",
                            hits.total
                        ),
                    ));
                }
                let mut all = Vec::new();
                let mut offset = 0;
                while offset < hits.total {
                    let page = self
                        .app
                        .search
                        .search(
                            v,
                            &Words::none(),
                            &samla_lookup::search::Filters { kind: Some(kind), ..Default::default() },
                            offset,
                            MAX_PAGE,
                        )
                        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
                    if page.ids.is_empty() {
                        break;
                    }
                    offset += page.ids.len();
                    all.extend(page.ids.iter().filter_map(|id| store.unit(*id).ok().flatten()));
                }
                all
            } else {
                store.of_kind(kind, MAX_SCAN).map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?
            };
            let all: Vec<Entity> = candidates
                .into_iter()
                .filter_map(|u| {
                    let s = sight(self.app, &store, self.who, v, &u);
                    (s != Sight::Hidden).then(|| self.unit_entity(&store, v, &u, s))
                })
                .filter(|e| subtype.is_none_or(|t| e.rel.1 == t))
                .filter(|e| filter.as_ref().is_none_or(|f| f.matches(&Value::Object(e.fields.clone()))))
                .collect();
            let n = all.len();
            (all.into_iter().skip(skip).take(top).collect(), n)
        };
        self.log_list(&path, q, count, &Unit::default())?;
        let rel = if subtype.is_some() { (SA, entity) } else { (AS, entity) };
        Ok(self.list(&path, rel, entities, count, q, top, skip))
    }

    fn log_list(&self, path: &str, q: &HashMap<String, String>, count: usize, u: &Unit) -> Result<(), Response> {
        let filter = q.get("$filter").map(String::as_str).unwrap_or("");
        self.app
            .log(
                self.who,
                Event::Search,
                &u.system_id,
                &u.scope.source,
                "",
                &format!("api {path}; $filter={filter}; hits={count}"),
            )
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        path: &str,
        rel: (&str, &str),
        page: Vec<Entity>,
        count: usize,
        q: &HashMap<String, String>,
        top: usize,
        skip: usize,
    ) -> Response {
        let query = |skip: usize| {
            let mut parts = Vec::new();
            if let Some(f) = q.get("$filter") {
                parts.push(format!("$filter={}", crate::html::url(f)));
            }
            parts.push(format!("$top={top}"));
            parts.push(format!("$skip={skip}"));
            parts.join("&")
        };
        let mut links = Map::new();
        links.insert("self".into(), self.link(format!("{path}?{}", query(skip))));
        links.insert(format!("{}{}/", rel.0, rel.1), self.link(path.to_string()));
        if skip + top < count {
            links.insert("next".into(), self.link(format!("{path}?{}", query(skip + top))));
        }
        let mut body = Map::new();
        body.insert("count".into(), json!(count));
        if !page.is_empty() {
            body.insert("results".into(), Value::Array(page.into_iter().map(|e| self.render(e)).collect()));
        }
        body.insert("_links".into(), Value::Object(links));
        json_response(StatusCode::OK, &Value::Object(body))
    }

    /// A dokumentobjekt's file, checked against its SHA-256 as on the web pages.
    fn file(&self, v: &Viewer, id: &str, headers: &HeaderMap) -> Response {
        let Some((sid, "dokumentobjekt", n)) = sub_id(id) else { return not_found(id) };
        let found = self.unit(&self.app.store(), v, sid);
        let Some((u, s)) = found.filter(|(u, _)| u.kind == Some(UnitKind::Dokumentbeskrivelse)) else {
            return not_found(id);
        };
        match checked_document(self.app, self.who, &u, s, n as i64) {
            Ok((d, bytes, digest)) => {
                let res = document_response(&d, bytes, &digest);
                let ctype =
                    res.headers().get(header::CONTENT_TYPE).and_then(|c| c.to_str().ok()).unwrap_or("").to_string();
                let accept = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok());
                if accept.is_some_and(|a| !a.contains("*/*") && !a.contains(&ctype)) {
                    return error(StatusCode::NOT_ACCEPTABLE, &format!("the file is {ctype}"));
                }
                res
            }
            Err(r) if r.status == StatusCode::NOT_FOUND => not_found(id),
            Err(r) => error(r.status, r.message),
        }
    }
}

/// `(package rel, entity name)` of a unit, from its kind and xsi:type.
fn unit_rel(u: &Unit, e: &Element) -> (&'static str, &'static str) {
    match (u.kind, e.xsi_type()) {
        (Some(UnitKind::Mappe), Some("saksmappe")) => (SA, "saksmappe"),
        (Some(UnitKind::Registrering), Some("journalpost")) => (SA, "journalpost"),
        (Some(UnitKind::Registrering), Some("arkivnotat")) => (SA, "arkivnotat"),
        (Some(k), _) => (AS, k.as_str()),
        (None, _) => (AS, "mappe"),
    }
}

/// A unit's own metadata; where it cannot be read, its bare element, and the cause in the
/// server's log (the entity asked for answers an error instead).
fn parse_unit(app: &App, u: &Unit) -> Element {
    app.unit_element(u).unwrap_or_else(|e| {
        eprintln!("samla serve: {e}");
        Element::new(u.kind.map_or("mappe", UnitKind::as_str))
    })
}

/// Whether the viewer is denied the `element`s of `u`: the unit is screened and its
/// skjerming names them.
fn withheld(u: &Unit, s: Sight, element: &str) -> bool {
    s != Sight::Full && screening(u).is_some_and(|sc| sc.screens(element))
}

/// The lists of sub-units a unit of `kind` has, with the kind each holds.
fn unit_lists(kind: UnitKind) -> &'static [(&'static str, UnitKind)] {
    use UnitKind::*;
    match kind {
        Arkiv => &[("arkivdel", Arkivdel), ("underarkiv", Arkiv)],
        Arkivdel => {
            &[("klassifikasjonssystem", Klassifikasjonssystem), ("mappe", Mappe), ("registrering", Registrering)]
        }
        Klassifikasjonssystem => &[("klasse", Klasse)],
        Klasse => &[("underklasse", Klasse), ("mappe", Mappe), ("registrering", Registrering)],
        Mappe => &[("undermappe", Mappe), ("registrering", Registrering)],
        Registrering => &[("dokumentbeskrivelse", Dokumentbeskrivelse)],
        Dokumentbeskrivelse => &[],
    }
}

/// The lists of sub-entities a unit of `kind` has.
fn sub_lists(kind: UnitKind) -> &'static [&'static str] {
    match kind {
        UnitKind::Klasse => &["kryssreferanse"],
        UnitKind::Mappe => &["part", "merknad", "kryssreferanse"],
        UnitKind::Registrering => &["korrespondansepart", "part", "merknad", "kryssreferanse"],
        UnitKind::Dokumentbeskrivelse => &["dokumentobjekt", "part", "merknad"],
        _ => &[],
    }
}

fn sub_rel_name(element: &str) -> &'static str {
    SUB_ENTITIES.iter().find(|e| **e == element).copied().unwrap_or("merknad")
}

/// `{unit systemID}~{element}~{n}` → its parts.
fn sub_id(id: &str) -> Option<(&str, &str, usize)> {
    let mut it = id.rsplitn(3, '~');
    let n = it.next()?.parse().ok().filter(|n| *n > 0)?;
    let element = it.next()?;
    let sid = it.next()?;
    SUB_ENTITIES.contains(&element).then_some((sid, element, n))
}

/// A path segment percent-decoded, or None if it is not UTF-8 or a `%` is not followed by two hex digits.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A path segment: systemIDs are free text, so they are percent-encoded.
fn url_segment(id: &str) -> String {
    crate::html::url(id)
}

/// Adds element `c` to `fields` as JSON: code-list values as `{kode, kodenavn}`, numbers as
/// numbers, repeatable fields as arrays, groups as objects.
fn add_field(fields: &mut Map<String, Value>, c: &Element) {
    let name = c.local_name();
    let value = element_value(c);
    if REPEATED.contains(&name) {
        match fields.entry(name.to_string()).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(a) => a.push(value),
            other => *other = Value::Array(vec![value]),
        }
    } else {
        fields.insert(name.to_string(), value);
    }
}

fn element_value(c: &Element) -> Value {
    let name = c.local_name();
    if !c.children.is_empty() {
        let mut obj = Map::new();
        for g in &c.children {
            add_field(&mut obj, g);
        }
        return Value::Object(obj);
    }
    let text = c.text.trim();
    if CODES.contains(&name) {
        return json!({"kode": code_of(name, text), "kodenavn": text});
    }
    if NUMBERS.contains(&name)
        && let Ok(n) = text.parse::<i64>()
    {
        return json!(n);
    }
    Value::String(text.to_string())
}

/// The code of a code-list value where the standard's list gives one; else the value itself.
fn code_of<'a>(list: &str, name: &'a str) -> &'a str {
    let table: &[(&str, &'static str)] = match list {
        "dokumentmedium" => {
            &[("Fysisk medium", "F"), ("Elektronisk arkiv", "E"), ("Blandet fysisk og elektronisk arkiv", "B")]
        }
        "dokumentstatus" => &[("Dokumentet er under redigering", "B"), ("Dokumentet er ferdigstilt", "F")],
        "variantformat" => {
            &[("Produksjonsformat", "P"), ("Arkivformat", "A"), ("Dokument hvor deler av innholdet er skjermet", "O")]
        }
        "tilknyttetRegistreringSom" => &[("Hoveddokument", "H"), ("Vedlegg", "V")],
        "saksstatus" => &[("Under behandling", "B"), ("Avsluttet", "A"), ("Utgår", "U")],
        "arkivstatus" | "arkivdelstatus" => {
            &[("Opprettet", "O"), ("Avsluttet", "A"), ("Aktiv periode", "A"), ("Avsluttet periode", "P")]
        }
        "journalposttype" => &[
            ("Inngående dokument", "I"),
            ("Utgående dokument", "U"),
            ("Organinternt dokument for oppfølging", "N"),
            ("Organinternt dokument uten oppfølging", "X"),
            ("Saksframlegg", "S"),
        ],
        "journalstatus" => &[
            ("Journalført", "J"),
            ("Ferdigstilt fra saksbehandler", "F"),
            ("Godkjent av leder", "G"),
            ("Ekspedert", "E"),
            ("Arkivert", "A"),
            ("Utgår", "U"),
        ],
        "korrespondanseparttype" => &[("Avsender", "EA"), ("Mottaker", "EM"), ("Kopimottaker", "EK")],
        _ => &[],
    };
    table.iter().find(|(n, _)| *n == name).map_or(name, |(_, code)| code)
}

/// `$filter`, `$top` and `$skip`, checked.
fn paging(q: &HashMap<String, String>) -> Result<(Option<Filter>, usize, usize), Response> {
    let number = |k: &str, default: usize| -> Result<usize, Response> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| error(StatusCode::BAD_REQUEST, &format!("{k} must be a whole number, not {v:?}"))),
        }
    };
    let top = number("$top", PAGE)?.min(MAX_PAGE);
    let skip = number("$skip", 0)?;
    let filter = match q.get("$filter").filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(Filter::parse(f).map_err(|e| error(StatusCode::BAD_REQUEST, &format!("$filter: {e}")))?),
        None => None,
    };
    Ok((filter, top, skip))
}

/// The subset of OData `$filter` samla understands: `eq ne gt ge lt le` on a field path,
/// `contains`, `startswith`, `endswith`, `and`, `or`, `not` and parentheses. A code-list
/// field matches its kode or its kodenavn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    Compare(String, Op, String),
    Call(Func, String, String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Func {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    Comma,
}

fn tokens(s: &str) -> Result<Vec<(usize, Token)>, String> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((at, Token::Open));
                i += 1
            }
            ')' => {
                out.push((at, Token::Close));
                i += 1
            }
            ',' => {
                out.push((at, Token::Comma));
                i += 1
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("the text starting at position {} has no closing '", at + 1)),
                        Some((_, '\'')) if chars.get(i + 1).is_some_and(|(_, c)| *c == '\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, c)) => {
                            text.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push((at, Token::Text(text)));
            }
            _ => {
                let mut word = String::new();
                while let Some((_, c)) = chars.get(i).filter(|(_, c)| !c.is_whitespace() && !"(),'".contains(*c)) {
                    word.push(*c);
                    i += 1;
                }
                out.push((at, Token::Word(word)));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn position(&self) -> String {
        self.tokens.get(self.at).map_or("the end".into(), |(p, _)| format!("position {}", p + 1))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    fn expect(&mut self, want: Token, what: &str) -> Result<(), String> {
        let at = self.position();
        match self.next() {
            Some(t) if t == want => Ok(()),
            _ => Err(format!("expected {what} at {at}")),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Word("or".into())) {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::Word("and".into())) {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        let at = self.position();
        match self.next() {
            Some(Token::Word(w)) if w == "not" => Ok(Filter::Not(Box::new(self.unary()?))),
            Some(Token::Open) => {
                let f = self.or()?;
                self.expect(Token::Close, "')'")?;
                Ok(f)
            }
            Some(Token::Word(w)) if self.peek() == Some(&Token::Open) => {
                let func = match w.as_str() {
                    "contains" => Func::Contains,
                    "startswith" => Func::StartsWith,
                    "endswith" => Func::EndsWith,
                    _ => {
                        return Err(format!(
                            "unknown function {w:?} at {at}; samla knows contains, startswith and endswith"
                        ));
                    }
                };
                self.next();
                let field = self.field()?;
                self.expect(Token::Comma, "','")?;
                let value = self.literal()?;
                self.expect(Token::Close, "')'")?;
                Ok(Filter::Call(func, field, value))
            }
            Some(Token::Word(field)) => {
                let at = self.position();
                let op = match self.next() {
                    Some(Token::Word(o)) => match o.as_str() {
                        "eq" => Op::Eq,
                        "ne" => Op::Ne,
                        "gt" => Op::Gt,
                        "ge" => Op::Ge,
                        "lt" => Op::Lt,
                        "le" => Op::Le,
                        _ => return Err(format!("unknown operator {o:?} at {at}")),
                    },
                    _ => return Err(format!("expected an operator (eq, ne, gt, ge, lt, le) at {at}")),
                };
                Ok(Filter::Compare(field, op, self.literal()?))
            }
            _ => Err(format!("expected a field, a function, 'not' or '(' at {at}")),
        }
    }

    fn field(&mut self) -> Result<String, String> {
        let at = self.position();
        match self.next() {
            Some(Token::Word(w)) => Ok(w),
            _ => Err(format!("expected a field name at {at}")),
        }
    }

    fn literal(&mut self) -> Result<String, String> {
        let at = self.position();
        match self.next() {
            Some(Token::Text(t)) => Ok(t),
            Some(Token::Word(w)) => Ok(w),
            _ => Err(format!("expected a value at {at}")),
        }
    }
}

impl Filter {
    pub(crate) fn parse(s: &str) -> Result<Filter, String> {
        let mut p = Parser { tokens: tokens(s)?, at: 0 };
        let f = p.or()?;
        if p.at < p.tokens.len() {
            return Err(format!("unexpected text at {}", p.position()));
        }
        Ok(f)
    }

    /// `systemID eq '…'` alone: answered without a scan.
    fn system_id(&self) -> Option<&str> {
        match self {
            Filter::Compare(f, Op::Eq, v) if f == "systemID" => Some(v),
            _ => None,
        }
    }

    pub(crate) fn matches(&self, entity: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(entity) && b.matches(entity),
            Filter::Or(a, b) => a.matches(entity) || b.matches(entity),
            Filter::Not(a) => !a.matches(entity),
            // `ne` is "not equal to any": a code matches by kode or kodenavn.
            Filter::Compare(field, Op::Ne, want) => {
                !values(entity, field).iter().any(|have| compare(have, Op::Eq, want))
            }
            Filter::Compare(field, op, want) => values(entity, field).iter().any(|have| compare(have, *op, want)),
            Filter::Call(func, field, want) => values(entity, field).iter().any(|have| {
                let (h, w) = (have.to_lowercase(), want.to_lowercase());
                match func {
                    Func::Contains => h.contains(&w),
                    Func::StartsWith => h.starts_with(&w),
                    Func::EndsWith => h.ends_with(&w),
                }
            }),
        }
    }
}

/// The values at a `/`-path: strings, numbers, and both parts of a code.
fn values(entity: &Value, path: &str) -> Vec<String> {
    let mut at = vec![entity];
    for step in path.split('/') {
        at = at
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(a) => a.iter().filter_map(|x| x.get(step)).collect::<Vec<_>>(),
                v => v.get(step).into_iter().collect(),
            })
            .collect();
    }
    let mut out = Vec::new();
    for v in at {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Bool(b) => out.push(b.to_string()),
            Value::Object(o) => {
                out.extend(["kode", "kodenavn"].iter().filter_map(|k| o.get(*k)?.as_str().map(str::to_string)))
            }
            Value::Array(a) => out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string))),
            Value::Null => {}
        }
    }
    out
}

fn compare(have: &str, op: Op, want: &str) -> bool {
    let ord = match (have.parse::<f64>(), want.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b),
        _ => Some(have.cmp(want)),
    };
    let Some(ord) = ord else { return false };
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ord == Equal,
        Op::Ne => ord != Equal,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_match() {
        let e = json!({"tittel": "Søknad om barnehageplass", "saksaar": 2014,
            "saksstatus": {"kode": "A", "kodenavn": "Avsluttet"}, "noekkelord": ["barn", "skole"]});
        let yes = [
            "contains(tittel, 'barnehage')",
            "saksaar gt 2013 and saksaar le 2014",
            "saksstatus eq 'A'",
            "saksstatus eq 'Avsluttet'",
            "noekkelord eq 'skole'",
            "not (saksaar eq 2013) or tittel eq 'x'",
            "startswith(tittel,'søknad')",
            "tittel eq 'Søknad om barnehageplass'",
        ];
        for f in yes {
            assert!(Filter::parse(f).unwrap().matches(&e), "{f}");
        }
        let no = ["saksaar lt 2014", "saksstatus ne 'A'", "endswith(tittel, 'skole')", "missing eq 'x'"];
        for f in no {
            assert!(!Filter::parse(f).unwrap().matches(&e), "{f}");
        }
        assert_eq!(
            Filter::parse("tittel eq 'it''s'").unwrap(),
            Filter::Compare("tittel".into(), Op::Eq, "it's".into())
        );
        for bad in
            ["tittel", "tittel eq", "contains(tittel 'x')", "frobnicate(tittel, 'x')", "(tittel eq 'x'", "tittel eq 'x"]
        {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_segments_decode_what_the_hrefs_encode() {
        for id in ["d-open~dokumentobjekt~1", "sak 2020/1 (æøå)", "a%b", "<script>"] {
            assert_eq!(percent_decode(&url_segment(id)).as_deref(), Some(id));
        }
        for bad in ["%", "%4", "%zz", "%ff"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn sub_entity_ids_round_trip() {
        assert_eq!(sub_id("abc~dokumentobjekt~2"), Some(("abc", "dokumentobjekt", 2)));
        assert_eq!(sub_id("a~b~part~1"), Some(("a~b", "part", 1)));
        assert_eq!(sub_id("abc~secret~1"), None);
        assert_eq!(sub_id("abc~part~0"), None);
        assert_eq!(sub_id("abc"), None);
    }
}
