//! The pages. Each takes the app and who is asking, decides with the policy, logs, and
//! renders. A unit the viewer may not see is answered exactly like one that does not
//! exist (404), so a page never confirms what it hides.

use std::collections::HashMap;
use std::fmt::Write;
use std::io::Read;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use samla_lookup::log::Event;
use samla_lookup::policy::{Sight, Viewer};
use samla_lookup::screening::Screening;
use samla_lookup::search::{Filters, Words};
use samla_lookup::store::{Store, Unit, UnitKind};

use crate::html::{esc, highlight, page, url};
use crate::{App, Who};

const PAGE_SIZE: usize = 20;
/// Documents above this size are refused rather than held in memory to check them.
const MAX_DOCUMENT: u64 = 512 << 20;

pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "Finnes ikke",
        StatusCode::FORBIDDEN => "Ikke tilgang",
        StatusCode::TOO_MANY_REQUESTS => "For mange forsøk",
        _ => "Feil",
    };
    html(status, page(title, None, &format!("<p class=\"error\">{}</p>", esc(message))))
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "Enheten finnes ikke, eller du har ikke tilgang til den.")
}

fn server_error(e: &samla_noark5::Error) -> Response {
    eprintln!("samla serve: {e}");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Intern feil. Feilen er skrevet i tjenerens logg.")
}

/// The viewer, or the way to the login page.
fn viewer(who: &Who) -> Result<&Viewer, Response> {
    who.viewer.as_ref().ok_or_else(|| redirect("/login"))
}

fn csrf_ok(who: &Who, form: &HashMap<String, String>) -> bool {
    let given = form.get("csrf").map(String::as_str).unwrap_or("");
    who.session.as_ref().is_some_and(|s| crate::session::same(&s.csrf, given))
}

fn render(who: &Who, title: &str, body: &str) -> Response {
    let user = who.viewer.as_ref().map(|v| (v.user.as_str(), who.csrf()));
    html(StatusCode::OK, page(title, user, body))
}

/// How a unit may be shown: records by the policy (with the purposes given in this
/// session for it or a unit around it), containers when something inside is visible.
pub(crate) fn sight(app: &App, store: &Store, who: &Who, v: &Viewer, u: &Unit) -> Sight {
    if u.kind.is_some_and(UnitKind::is_record) {
        let purposes = who.session.as_ref().map(|s| &s.purposes);
        let given = purposes.is_some_and(|p| {
            !p.is_empty() && store.path(u.id).is_ok_and(|chain| chain.iter().any(|a| p.contains_key(&a.id)))
        });
        v.sight(&u.scope, given)
    } else if app.container_visible(v, u) {
        Sight::Full
    } else {
        Sight::Hidden
    }
}

pub(crate) fn screening(u: &Unit) -> Option<Screening> {
    Screening::new(u.scope.restriction.is_some(), &u.screened_fields)
}

pub(crate) fn masked(u: &Unit) -> String {
    format!("Skjermet ({})", u.hjemmel.as_deref().unwrap_or("hjemmel ikke oppgitt"))
}

/// The title a viewer may see, and whether it is the masked text.
fn title_for(u: &Unit, s: Sight) -> (String, bool) {
    let title = u.title.clone().unwrap_or_else(|| "(uten tittel)".into());
    match s {
        Sight::Full => (title, false),
        Sight::Screened { .. } if screening(u).is_some_and(|sc| sc.screens("tittel")) => {
            match u.public_title.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(p) => (p.to_string(), false),
                None => (masked(u), true),
            }
        }
        Sight::Screened { .. } => (title, false),
        Sight::Hidden => (String::new(), true),
    }
}

fn kind_name(u: &Unit) -> &'static str {
    u.kind.map_or("enhet", UnitKind::as_str)
}

fn unit_link(u: &Unit, s: Sight, stems: &[String]) -> String {
    let (title, is_mask) = title_for(u, s);
    let shown =
        if is_mask { format!("<span class=\"screened\">{}</span>", esc(&title)) } else { highlight(&title, stems) };
    format!(
        "<a href=\"/enhet/{}\">{}</a> <span class=\"meta\">{}{}</span>",
        url(&u.system_id),
        shown,
        kind_name(u),
        u.ident.as_deref().map(|i| format!(" {}", esc(i))).unwrap_or_default()
    )
}

pub(crate) fn login_form(app: &App, who: &Who) -> Response {
    if who.viewer.is_some() {
        return redirect("/");
    }
    login_page(app, "", StatusCode::OK)
}

fn login_page(app: &App, message: &str, status: StatusCode) -> Response {
    let token = app.sessions.pre_login();
    let note = if message.is_empty() {
        String::new()
    } else {
        format!("<p class=\"error\" role=\"alert\">{}</p>", esc(message))
    };
    let body = format!(
        "{note}<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <label for=\"brukernavn\">Brukernavn</label><input id=\"brukernavn\" name=\"brukernavn\" autocomplete=\"username\" required>\
         <label for=\"passord\">Passord</label><input id=\"passord\" name=\"passord\" type=\"password\" autocomplete=\"current-password\" required>\
         <p><button type=\"submit\">Logg inn</button></p></form>"
    );
    let mut res = html(status, page("Logg inn", None, &body));
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!("samla_login={token}; Path=/login; HttpOnly; SameSite=Strict"))
            .unwrap_or(HeaderValue::from_static("")),
    );
    res
}

pub(crate) fn login(app: &App, who: &Who, form: axum::extract::Form<HashMap<String, String>>) -> Response {
    let form = form.0;
    let name = form.get("brukernavn").map(|s| s.trim().to_string()).unwrap_or_default();
    let password = form.get("passord").cloned().unwrap_or_default();
    let token = form.get("csrf").cloned().unwrap_or_default();
    if !app.sessions.take_pre_login(&token) {
        return login_page(app, "Skjemaet var utløpt. Prøv igjen.", StatusCode::BAD_REQUEST);
    }
    let fail = |why: &str| {
        let _ = app.log(who, Event::LoginFailed, "", "", "", &format!("name={name}; {why}"));
    };
    if app.sessions.locked(&name, who.ip) {
        fail("locked out");
        return login_page(app, "For mange mislykkede forsøk. Vent noen minutter.", StatusCode::TOO_MANY_REQUESTS);
    }
    match app.login(&name, &password) {
        Some(viewer) => {
            app.sessions.succeeded(&name);
            let sid = app.sessions.start(&name);
            let logged = Who { viewer: Some(viewer), session_id: None, session: None, ip: who.ip };
            if let Err(e) = app.log(&logged, Event::Login, "", "", "", "") {
                app.sessions.end(&sid);
                return server_error(&e);
            }
            let mut res = redirect("/");
            let secure = if app.secure_cookies { "; Secure" } else { "" };
            if let Ok(v) =
                HeaderValue::from_str(&format!("samla_session={sid}; Path=/; HttpOnly; SameSite=Strict{secure}"))
            {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        None => {
            let locked = app.sessions.failed(&name, who.ip);
            fail(if locked { "wrong name or password; locked out" } else { "wrong name or password" });
            login_page(app, "Feil brukernavn eller passord.", StatusCode::UNAUTHORIZED)
        }
    }
}

pub(crate) fn logout(app: &App, who: &Who, form: axum::extract::Form<HashMap<String, String>>) -> Response {
    if !csrf_ok(who, &form.0) {
        return error_page(StatusCode::FORBIDDEN, "Skjemaet mangler gyldig CSRF-token.");
    }
    if let Some(sid) = &who.session_id {
        let _ = app.log(who, Event::Logout, "", "", "", "");
        app.sessions.end(sid);
    }
    let mut res = redirect("/login");
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("samla_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    res
}

fn param<'a>(q: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

pub(crate) fn search(app: &App, who: &Who, q: axum::extract::Query<HashMap<String, String>>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let q = q.0;
    let text = param(&q, "q").unwrap_or("").to_string();
    let store = app.store();
    // Inside a unit: the rows of what it holds (none, for a row that is not there).
    let within = param(&q, "innenfor").and_then(|y| y.parse::<i64>().ok()).map(|id| match store.unit(id) {
        Ok(Some(u)) => u.inside(),
        _ => id + 1..=id,
    });
    let filters = Filters {
        source: param(&q, "kilde").map(str::to_string),
        arkivdel: param(&q, "arkivdel").map(str::to_string),
        klasse: param(&q, "klasse").map(str::to_string),
        kind: param(&q, "type").and_then(UnitKind::parse).filter(|k| k.is_record()),
        year_from: param(&q, "fra").and_then(|y| y.parse().ok()),
        year_to: param(&q, "til").and_then(|y| y.parse().ok()),
        within,
    };
    let page_no: usize = param(&q, "side").and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, 10_000);
    let asked = !text.is_empty() || filters != Filters::default();
    let mut body = search_form(&q);
    if asked {
        let words = match Words::new(&text, |w| store.named(w)) {
            Ok(w) => w,
            Err(e) => return server_error(&e),
        };
        let hits = match app.search.search_capped(v, &words, &filters, (page_no - 1) * PAGE_SIZE, PAGE_SIZE) {
            Ok(h) => h,
            Err(e) => return server_error(&e),
        };
        let detail = serde_json::json!({"q": text, "filters": q_filters(&q), "hits": hits.total, "more": hits.more, "page": page_no});
        if let Err(e) = app.log(who, Event::Search, "", "", "", &detail.to_string()) {
            return server_error(&e);
        }
        let stems: Vec<String> = samla_lookup::search::stems(&text).into_iter().map(|(s, _)| s).collect();
        let _ = write!(
            body,
            "<h2 id=\"treff\">{}{} treff</h2>{}<ol class=\"hits\" start=\"{}\">",
            if hits.more { "Over " } else { "" },
            hits.total,
            if hits.more {
                "<p class=\"meta\">Treffene er de beste blant de første 2 000. Snevre inn søket for å se alle.</p>"
            } else {
                ""
            },
            (page_no - 1) * PAGE_SIZE + 1
        );
        for id in &hits.ids {
            let Ok(Some(u)) = store.unit(*id) else { continue };
            let s = sight(app, &store, who, v, &u);
            if s == Sight::Hidden {
                continue;
            }
            let source = app.sources.get(&u.source_id).map(|s| s.role.as_str()).unwrap_or("");
            let _ = write!(
                body,
                "<li>{}<br><span class=\"meta\">{} · {} · {}{}</span></li>",
                unit_link(&u, s, &stems),
                esc(&u.scope.source),
                esc(source),
                esc(u.date.as_deref().unwrap_or("")),
                if matches!(s, Sight::Screened { .. }) { " · skjermet" } else { "" }
            );
        }
        body.push_str("</ol>");
        let pages = hits.total.div_ceil(PAGE_SIZE);
        if pages > 1 {
            let mut base: Vec<(String, String)> =
                q.iter().filter(|(k, _)| *k != "side").map(|(k, v)| (k.clone(), v.clone())).collect();
            base.sort();
            let link = |p: usize| {
                let mut s: String = base.iter().map(|(k, v)| format!("{}={}&", url(k), url(v))).collect();
                s.push_str(&format!("side={p}"));
                s
            };
            body.push_str("<nav aria-label=\"Sider\"><p>");
            if page_no > 1 {
                let _ = write!(body, "<a href=\"/?{}\">Forrige side</a> ", esc(&link(page_no - 1)));
            }
            let _ = write!(body, "Side {page_no} av {pages} ");
            if page_no < pages {
                let _ = write!(body, "<a href=\"/?{}\">Neste side</a>", esc(&link(page_no + 1)));
            }
            body.push_str("</p></nav>");
        }
    }
    render(who, "Søk i avsluttede arkiv", &body)
}

fn q_filters(q: &HashMap<String, String>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for k in ["kilde", "arkivdel", "klasse", "type", "fra", "til", "innenfor"] {
        if let Some(v) = param(q, k) {
            m.insert(k.into(), v.into());
        }
    }
    m.into()
}

fn search_form(q: &HashMap<String, String>) -> String {
    let val = |k: &str| esc(q.get(k).map(String::as_str).unwrap_or(""));
    let selected = |t: &str| if q.get("type").is_some_and(|x| x == t) { " selected" } else { "" };
    format!(
        "<form method=\"get\" action=\"/\" role=\"search\"><label for=\"q\">Søk</label>\
         <input id=\"q\" name=\"q\" type=\"search\" size=\"50\" value=\"{}\">\
         <div class=\"filters\"><div><label for=\"kilde\">Kilde</label><input id=\"kilde\" name=\"kilde\" value=\"{}\"></div>\
         <div><label for=\"arkivdel\">Arkivdel</label><input id=\"arkivdel\" name=\"arkivdel\" value=\"{}\"></div>\
         <div><label for=\"klasse\">Klasse</label><input id=\"klasse\" name=\"klasse\" value=\"{}\"></div>\
         <div><label for=\"type\">Type</label><select id=\"type\" name=\"type\"><option value=\"\">Alle</option>\
         <option value=\"mappe\"{}>Mappe</option><option value=\"registrering\"{}>Registrering</option>\
         <option value=\"dokumentbeskrivelse\"{}>Dokument</option></select></div>\
         <div><label for=\"fra\">Fra år</label><input id=\"fra\" name=\"fra\" inputmode=\"numeric\" size=\"6\" value=\"{}\"></div>\
         <div><label for=\"til\">Til år</label><input id=\"til\" name=\"til\" inputmode=\"numeric\" size=\"6\" value=\"{}\"></div>\
         <div><button type=\"submit\">Søk</button></div></div></form>",
        val("q"),
        val("kilde"),
        val("arkivdel"),
        val("klasse"),
        selected("mappe"),
        selected("registrering"),
        selected("dokumentbeskrivelse"),
        val("fra"),
        val("til")
    )
}

pub(crate) fn browse_root(app: &App, who: &Who) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = app.store();
    let roots = match store.children(None) {
        Ok(r) => r,
        Err(e) => return server_error(&e),
    };
    let mut body = String::from("<ul>");
    let mut any = false;
    for u in roots {
        let s = sight(app, &store, who, v, &u);
        if s != Sight::Hidden {
            any = true;
            let _ =
                write!(body, "<li>{} <span class=\"meta\">{}</span></li>", unit_link(&u, s, &[]), esc(&u.scope.source));
        }
    }
    body.push_str("</ul>");
    if !any {
        body = "<p>Du har ikke tilgang til noe arkiv. Spør arkivet om tilgang.</p>".into();
    }
    render(who, "Bla i arkivet", &body)
}

/// The first unit with systemID `sid` the viewer may see.
pub(crate) fn find_visible(app: &App, store: &Store, who: &Who, v: &Viewer, sid: &str) -> Option<(Unit, Sight)> {
    store
        .by_system_id(sid)
        .ok()?
        .into_iter()
        .map(|u| {
            let s = sight(app, store, who, v, &u);
            (u, s)
        })
        .find(|(_, s)| *s != Sight::Hidden)
}

pub(crate) fn unit(app: &App, who: &Who, sid: axum::extract::Path<String>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = app.store();
    let Some((u, s)) = find_visible(app, &store, who, v, &sid.0) else { return not_found() };
    let purpose = who
        .session
        .as_ref()
        .and_then(|se| store.path(u.id).ok()?.iter().rev().find_map(|a| se.purposes.get(&a.id).cloned()));
    let event = if s == Sight::Full && u.scope.restriction.is_some() { Event::OpenScreened } else { Event::Open };
    if let Err(e) = app.log(who, event, &u.system_id, &u.scope.source, purpose.as_deref().unwrap_or(""), kind_name(&u))
    {
        return server_error(&e);
    }
    let mut body = String::new();
    // Where it sits: the units around it, each shown as the viewer may see it.
    if let Ok(chain) = store.path(u.id) {
        body.push_str("<nav class=\"crumbs\" aria-label=\"Plassering\"><ol>");
        for a in &chain[..chain.len().saturating_sub(1)] {
            let sa = sight(app, &store, who, v, a);
            if sa != Sight::Hidden {
                let (t, _) = title_for(a, sa);
                let _ = write!(body, "<li><a href=\"/enhet/{}\">{}</a></li>", url(&a.system_id), esc(&t));
            }
        }
        body.push_str("</ol></nav>");
    }
    let (title, _) = title_for(&u, s);
    let source = app.sources.get(&u.source_id);
    let _ = write!(
        body,
        "<p class=\"meta\">{} {} · kilde {} ({}{})</p>",
        kind_name(&u),
        esc(u.ident.as_deref().unwrap_or("")),
        esc(&u.scope.source),
        esc(source.map_or("", |s| s.role.as_str())),
        source.map(|s| format!(": {}", esc(&s.location))).unwrap_or_default()
    );
    if let Sight::Screened { clearable } = s {
        let _ = write!(
            body,
            "<div class=\"notice\"><p>Enheten er skjermet: {}. Skjermede felt vises ikke, og dokumentene leveres ikke ut.</p>",
            esc(&masked(&u))
        );
        if clearable {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/enhet/{}/formaal\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <label for=\"formaal\">Formål (tjenstlig behov)</label><input id=\"formaal\" name=\"formaal\" size=\"60\" required minlength=\"5\">\
                 <p><button type=\"submit\">Åpne enheten</button> Formålet blir logget.</p></form>",
                url(&u.system_id),
                esc(who.csrf())
            );
        }
        body.push_str("</div>");
    }
    if let Some(p) = &purpose {
        let _ = write!(body, "<p class=\"notice\">Åpnet med formål: {}</p>", esc(p));
    }
    // Provenance.
    if u.old_system_id.is_some() || u.old_ident.is_some() {
        let _ = write!(
            body,
            "<h2>Proveniens</h2><p>Gammel systemID {}, gammel ID {}</p>",
            esc(u.old_system_id.as_deref().unwrap_or("–")),
            esc(u.old_ident.as_deref().unwrap_or("–"))
        );
    }
    body.push_str("<h2>Metadata</h2>");
    body.push_str(&metadata_table(app, &u, s));
    if u.kind == Some(UnitKind::Dokumentbeskrivelse) {
        body.push_str(&documents(&store, &u, s));
    }
    // What is inside, as the viewer may see it.
    if let Ok(children) = store.children(Some(u.id)) {
        let mut list = String::new();
        let mut hidden = false;
        for c in children.iter().take(500) {
            let sc = sight(app, &store, who, v, c);
            if sc == Sight::Hidden {
                hidden = true;
                continue;
            }
            let _ = write!(list, "<li>{}", unit_link(c, sc, &[]));
            if c.kind == Some(UnitKind::Dokumentbeskrivelse) {
                list.push_str(&documents(&store, c, sc));
            }
            list.push_str("</li>");
        }
        if !list.is_empty() {
            let _ = write!(body, "<h2>Innhold</h2><ul>{list}</ul>");
        }
        let _ = hidden;
        if children.len() > 500 {
            let _ = write!(body, "<p><a href=\"/?{}\">Søk i alt innhold</a></p>", esc(&format!("innenfor={}", u.id)));
        }
    }
    if v.audit() {
        let _ = write!(body, "<p><a href=\"/enhet/{}/logg\">Hvem har åpnet enheten?</a></p>", url(&u.system_id));
    }
    render(who, &title, &body)
}

fn metadata_table(app: &App, u: &Unit, s: Sight) -> String {
    let e = match app.unit_element(u) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("samla serve: {e}");
            return "<p class=\"error\">Metadata kunne ikke leses. Feilen er skrevet i tjenerens logg.</p>".into();
        }
    };
    let screening = if s == Sight::Full { None } else { screening(u) };
    let mut rows = String::new();
    for c in &e.children {
        let name = c.local_name();
        if screening.as_ref().is_some_and(|sc| sc.screens(name)) {
            let _ = write!(
                rows,
                "<tr><th scope=\"row\">{}</th><td class=\"screened\">{}</td></tr>",
                esc(name),
                esc(&masked(u))
            );
            continue;
        }
        flatten(c, name, &mut rows);
    }
    format!(
        "<table><thead><tr><th scope=\"col\">Felt</th><th scope=\"col\">Verdi</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn flatten(e: &samla_noark5::Element, path: &str, rows: &mut String) {
    if e.children.is_empty() {
        let _ = write!(rows, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", esc(path), esc(e.text.trim()));
        return;
    }
    for c in &e.children {
        flatten(c, &format!("{path}/{}", c.local_name()), rows);
    }
}

fn documents(store: &Store, u: &Unit, s: Sight) -> String {
    let Ok(docs) = store.documents(u.id) else { return String::new() };
    let mut out = String::from("<ul>");
    for d in docs {
        let name = d.path.rsplit('/').next().unwrap_or(&d.path);
        if s == Sight::Full {
            let _ = write!(
                out,
                "<li><a href=\"/dokument/{}/{}\">{}</a> <span class=\"meta\">{} · SHA-256 {}</span></li>",
                url(&u.system_id),
                d.n,
                esc(name),
                esc(d.format.as_deref().unwrap_or("")),
                esc(&d.checksum)
            );
        } else {
            let _ = write!(out, "<li class=\"screened\">Dokument {}: skjermet, leveres ikke ut</li>", d.n);
        }
    }
    out.push_str("</ul>");
    out
}

pub(crate) fn purpose(
    app: &App,
    who: &Who,
    (sid, form): (axum::extract::Path<String>, axum::extract::Form<HashMap<String, String>>),
) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(who, &form.0) {
        return error_page(StatusCode::FORBIDDEN, "Skjemaet mangler gyldig CSRF-token.");
    }
    let text = form.0.get("formaal").map(|s| s.trim().to_string()).unwrap_or_default();
    let store = app.store();
    let Some((u, s)) = find_visible(app, &store, who, v, &sid.0) else { return not_found() };
    if !matches!(s, Sight::Screened { clearable: true }) && s != Sight::Full {
        return error_page(StatusCode::FORBIDDEN, "Du er ikke klarert for denne skjermingen.");
    }
    if text.chars().count() < 5 {
        return error_page(StatusCode::BAD_REQUEST, "Oppgi formålet (tjenstlig behov) med minst fem tegn.");
    }
    if let Some(sid) = &who.session_id {
        app.sessions.add_purpose(sid, u.id, &text);
    }
    redirect(&format!("/enhet/{}", url(&u.system_id)))
}

pub(crate) fn unit_log(app: &App, who: &Who, sid: axum::extract::Path<String>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !v.audit() {
        return not_found();
    }
    let entries = match samla_lookup::log::for_unit(app.log.path(), &sid.0, 1000) {
        Ok(e) => e,
        Err(e) => return server_error(&e),
    };
    if let Err(e) = app.log(who, Event::Audit, &sid.0, "", "", "the unit's access log") {
        return server_error(&e);
    }
    let mut body = format!(
        "<p>Oppslag i enhet <code>{}</code>, eldste først.</p><table><thead><tr><th scope=\"col\">Nr.</th><th scope=\"col\">Tid</th><th scope=\"col\">Hendelse</th><th scope=\"col\">Bruker</th><th scope=\"col\">Rolle</th><th scope=\"col\">Formål</th></tr></thead><tbody>",
        esc(&sid.0)
    );
    for e in entries {
        let event = serde_json::to_value(e.event).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            esc(&e.time),
            esc(&event),
            esc(&e.user),
            esc(&e.role),
            esc(&e.purpose)
        );
    }
    body.push_str("</tbody></table>");
    render(who, "Tilgangslogg for enheten", &body)
}

/// Why a document is not served: the status and what the user reads (the log has the rest).
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub message: &'static str,
}

/// A document checked against its stated SHA-256, or the refusal, logged either way.
/// The web page and the API serve documents through this one gate.
pub(crate) fn checked_document(
    app: &App,
    who: &Who,
    u: &Unit,
    s: Sight,
    n: i64,
) -> Result<(samla_lookup::store::Document, Vec<u8>, String), Refusal> {
    let refuse = |status: StatusCode, why: String, message: &'static str| {
        let _ = app.log(
            who,
            Event::DocumentRefused,
            &u.system_id,
            &u.scope.source,
            "",
            &format!("dokumentobjekt {n}: {why}"),
        );
        Refusal { status, message }
    };
    if s != Sight::Full {
        return Err(refuse(StatusCode::FORBIDDEN, "screened".into(), "Dokumentet er skjermet og leveres ikke ut."));
    }
    let doc = app.store().documents(u.id).ok().and_then(|ds| ds.into_iter().find(|d| d.n == n));
    let Some(d) = doc else {
        return Err(Refusal { status: StatusCode::NOT_FOUND, message: "Siden finnes ikke." });
    };
    if !d.algorithm.eq_ignore_ascii_case("SHA-256") && !d.algorithm.eq_ignore_ascii_case("SHA256") {
        return Err(refuse(
            StatusCode::CONFLICT,
            format!("stated algorithm {:?} cannot be checked", d.algorithm),
            "Dokumentet har ingen SHA-256-sjekksum å kontrollere mot, og leveres ikke ut.",
        ));
    }
    let read = app.extract(u.source_id).and_then(|x| {
        let mut f = x.open_file(&d.path)?;
        let mut bytes = Vec::new();
        (&mut f)
            .take(MAX_DOCUMENT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| samla_noark5::Error::io(x.display(&d.path), e))?;
        Ok(bytes)
    });
    let bytes = match read {
        Ok(b) if b.len() as u64 > MAX_DOCUMENT => {
            return Err(refuse(
                StatusCode::INSUFFICIENT_STORAGE,
                "too large to check".into(),
                "Dokumentet er for stort til å kontrolleres her.",
            ));
        }
        Ok(b) => b,
        Err(e) => {
            eprintln!("samla serve: {e}");
            return Err(refuse(
                StatusCode::NOT_FOUND,
                "the file cannot be read".into(),
                "Dokumentfilen finnes ikke i uttrekket.",
            ));
        }
    };
    let digest = samla_noark5::hex(&Sha256::digest(&bytes));
    if digest != d.checksum {
        return Err(refuse(
            StatusCode::CONFLICT,
            format!("checksum {digest} differs from the stated {}", d.checksum),
            "Dokumentet samsvarer ikke med sjekksummen i uttrekket, og leveres ikke ut. Arkivet er varslet i loggen.",
        ));
    }
    let logged = app.log(
        who,
        Event::Document,
        &u.system_id,
        &u.scope.source,
        "",
        &format!("dokumentobjekt {n}: {} sha256 {digest}", d.path),
    );
    if let Err(e) = logged {
        eprintln!("samla serve: {e}");
        return Err(Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Tilgangsloggen kunne ikke skrives; dokumentet leveres ikke ut.",
        });
    }
    Ok((d, bytes, digest))
}

/// The file's name for a download header, and whether it is a PDF to show inline.
pub(crate) fn file_name(d: &samla_lookup::store::Document) -> (String, bool) {
    let name: String = d
        .path
        .rsplit('/')
        .next()
        .unwrap_or("dokument")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' })
        .collect();
    let pdf = d.format.as_deref().is_some_and(|f| f.to_lowercase().contains("pdf") || f.starts_with("fmt/"))
        && name.to_lowercase().ends_with(".pdf");
    (name, pdf)
}

/// A document's response: PDF inline, anything else as a sandboxed download.
pub(crate) fn document_response(d: &samla_lookup::store::Document, bytes: Vec<u8>, digest: &str) -> Response {
    let (name, pdf) = file_name(d);
    let (ctype, disposition) =
        if pdf { ("application/pdf", "inline") } else { ("application/octet-stream", "attachment") };
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(digest) {
        h.insert("x-samla-sha256", v);
    }
    if !pdf {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    }
    res
}

pub(crate) fn document(app: &App, who: &Who, p: axum::extract::Path<(String, i64)>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (sid, n) = p.0;
    let found = find_visible(app, &app.store(), who, v, &sid);
    let Some((u, s)) = found else { return not_found() };
    if u.kind != Some(UnitKind::Dokumentbeskrivelse) {
        return not_found();
    }
    match checked_document(app, who, &u, s, n) {
        Ok((d, bytes, digest)) => document_response(&d, bytes, &digest),
        Err(r) => error_page(r.status, r.message),
    }
}

pub(crate) fn where_went(app: &App, who: &Who, q: axum::extract::Query<HashMap<String, String>>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = param(&q.0, "id").unwrap_or("").to_string();
    let mut body = format!(
        "<form method=\"get\" action=\"/hvor\"><label for=\"id\">Gammelt saksnummer, journalpostnummer eller systemID</label>\
         <input id=\"id\" name=\"id\" size=\"40\" value=\"{}\" required> <button type=\"submit\">Finn</button></form>",
        esc(&id)
    );
    if !id.is_empty() {
        let store = app.store();
        let mut answers = Vec::new();
        for u in store.find(&id).unwrap_or_default() {
            let s = sight(app, &store, who, v, &u);
            if s == Sight::Hidden {
                continue;
            }
            let role = app.sources.get(&u.source_id).map_or("", |s| s.role.as_str());
            let place = match role {
                "closed" => "Lukket, og kan slås opp her".to_string(),
                "deposit" => format!(
                    "Avlevert i pakken {} (UUID {})",
                    app.sources.get(&u.source_id).map_or("", |s| s.location.as_str()),
                    app.sources
                        .get(&u.source_id)
                        .and_then(|s| std::path::Path::new(&s.location)
                            .file_stem()
                            .map(|x| x.to_string_lossy().into_owned()))
                        .unwrap_or_default()
                ),
                _ => "I uttrekket, og kan slås opp her".to_string(),
            };
            answers.push(format!("<li>{}: {}</li>", unit_link(&u, s, &[]), esc(&place)));
        }
        if answers.is_empty() {
            // Converted units are not here; the crosswalk says where they went, to those
            // with a grant for the source.
            for row in store.crosswalk(&id).unwrap_or_default() {
                let granted = v.grants().any(|g| g.source.as_ref().is_none_or(|s| *s == row.source));
                if granted && store.by_system_id(&row.new).map(|u| u.is_empty()).unwrap_or(true) {
                    answers.push(format!(
                        "<li>{} {} fra {}: konvertert til det nye arkivet, ny systemID <code>{}</code></li>",
                        esc(&row.entity),
                        esc(&row.old),
                        esc(&row.source),
                        esc(&row.new)
                    ));
                }
            }
        }
        if let Err(e) = app.log(who, Event::Where, &id, "", "", &format!("answers={}", answers.len())) {
            return server_error(&e);
        }
        if answers.is_empty() {
            body.push_str("<p>Fant ingen enhet med den ID-en som du har tilgang til.</p>");
        } else {
            let _ = write!(body, "<ul>{}</ul>", answers.join(""));
        }
    }
    render(who, "Hvor ble det av?", &body)
}

pub(crate) fn partsinnsyn(app: &App, who: &Who, q: axum::extract::Query<HashMap<String, String>>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = param(&q.0, "id").unwrap_or("").to_string();
    let name = param(&q.0, "navn").unwrap_or("").to_string();
    let born = param(&q.0, "foedt").unwrap_or("").to_string();
    let mut body = format!(
        "<form method=\"get\" action=\"/partsinnsyn\"><p>Finn alle enheter der en person er part eller korrespondansepart, i alle kilder.</p>\
         <label for=\"pid\">Fødselsnummer eller D-nummer</label><input id=\"pid\" name=\"id\" inputmode=\"numeric\" size=\"11\" value=\"{}\">\
         <p>eller</p><label for=\"navn\">Navn</label><input id=\"navn\" name=\"navn\" value=\"{}\">\
         <label for=\"foedt\">Fødselsdato (dd.mm.åååå)</label><input id=\"foedt\" name=\"foedt\" value=\"{}\">\
         <p><button type=\"submit\">Finn</button></p></form>",
        esc(&id),
        esc(&name),
        esc(&born)
    );
    if id.is_empty() && (name.is_empty() || born.is_empty()) {
        if !name.is_empty() || !born.is_empty() {
            body.push_str(
                "<p class=\"error\">Navn alene er ikke nok: oppgi både navn og fødselsdato, eller fødselsnummer.</p>",
            );
        }
        return render(who, "Partsinnsyn", &body);
    }
    let store = app.store();
    let found = party_units(app, &store, who, v, &id, &name, &born);
    let shown = found.len();
    let mut rows = String::new();
    for (u, s) in &found {
        let _ = write!(
            rows,
            "<li>{} <span class=\"meta\">{} · {}</span></li>",
            unit_link(u, *s, &[]),
            esc(&u.scope.source),
            esc(u.date.as_deref().unwrap_or(""))
        );
    }
    let detail =
        if id.is_empty() { format!("name+birth date; units={shown}") } else { format!("identifier; units={shown}") };
    if let Err(e) = app.log(who, Event::Search, "", "", "partsinnsyn", &detail) {
        return server_error(&e);
    }
    let _ = write!(body, "<h2>{shown} enheter</h2><ul>{rows}</ul>");
    if v.export() && shown > 0 {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/partsinnsyn/eksport\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"navn\" value=\"{}\">\
             <input type=\"hidden\" name=\"foedt\" value=\"{}\"><p><button type=\"submit\">Eksporter liste og dokumenter</button> \
             (en tar-fil med manifest og SHA256SUMS, til gjennomgang før noe leveres ut; eksporten blir logget)</p></form>",
            esc(who.csrf()),
            esc(&id),
            esc(&name),
            esc(&born)
        );
    }
    render(who, "Partsinnsyn", &body)
}

/// The units where a person is a part or korrespondansepart that the viewer may see, with
/// how. A party a skjerming hides is not found by those who may not see it.
fn party_units(
    app: &App,
    store: &Store,
    who: &Who,
    v: &Viewer,
    id: &str,
    name: &str,
    born: &str,
) -> Vec<(Unit, Sight)> {
    let units: Vec<i64> = if !id.is_empty() {
        store.units_with_party(id).unwrap_or_default()
    } else {
        // Fødselsnummer begin with the birth date as DDMMYY (D-numbers add 4 to the first digit).
        let digits: String = born.chars().filter(char::is_ascii_digit).collect();
        let ddmmyy = if digits.len() == 8 { format!("{}{}", &digits[..4], &digits[6..]) } else { digits };
        let mut units: Vec<i64> = store
            .parties_named(name)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.id.as_deref().is_some_and(|i| birth_of(i) == ddmmyy))
            .map(|p| p.unit)
            .collect();
        units.dedup();
        units
    };
    units
        .into_iter()
        .filter_map(|uid| {
            let u = store.unit(uid).ok()??;
            let s = sight(app, store, who, v, &u);
            let party_screened = screening(&u).is_some_and(|sc| sc.screens("korrespondansepart") || sc.screens("part"));
            (s != Sight::Hidden && (s == Sight::Full || !party_screened)).then_some((u, s))
        })
        .collect()
}

/// Partsinnsyn exported for review: one tar with `partsinnsyn/manifest.json`, the documents
/// the viewer may have (each checked against its SHA-256), and `SHA256SUMS` for `sha256sum -c`.
pub(crate) fn partsinnsyn_export(app: &App, who: &Who, form: axum::extract::Form<HashMap<String, String>>) -> Response {
    let v = match viewer(who) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(who, &form.0) {
        return error_page(StatusCode::FORBIDDEN, "Skjemaet mangler gyldig CSRF-token.");
    }
    if !v.export() {
        return error_page(StatusCode::FORBIDDEN, "Rollen din kan ikke eksportere.");
    }
    let get = |k: &str| form.0.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let (id, name, born) = (get("id"), get("navn"), get("foedt"));
    if id.is_empty() && (name.is_empty() || born.is_empty()) {
        return error_page(StatusCode::BAD_REQUEST, "Oppgi fødselsnummer, eller navn og fødselsdato.");
    }
    let found = party_units(app, &app.store(), who, v, &id, &name, &born);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut sums = String::new();
    let mut listed = Vec::new();
    let mut total = 0u64;
    for (u, s) in &found {
        // The dokumentbeskrivelser in and under the unit.
        let mut docs = Vec::new();
        let mut queue = vec![(u.clone(), *s)];
        while let Some((x, xs)) = queue.pop() {
            if x.kind == Some(UnitKind::Dokumentbeskrivelse) {
                docs.push((x.clone(), xs));
            }
            let store = app.store();
            for c in store.children(Some(x.id)).unwrap_or_default() {
                let cs = sight(app, &store, who, v, &c);
                if cs != Sight::Hidden {
                    queue.push((c, cs));
                }
            }
        }
        let mut documents = Vec::new();
        for (d, ds) in docs {
            let count = app.store().documents(d.id).map(|x| x.len()).unwrap_or(0);
            for n in 1..=count as i64 {
                match checked_document(app, who, &d, ds, n) {
                    Ok((doc, bytes, digest)) if total + bytes.len() as u64 <= MAX_DOCUMENT * 2 => {
                        total += bytes.len() as u64;
                        let (file, _) = file_name(&doc);
                        let path = format!("dokumenter/{}-{n}-{file}", safe(&d.system_id));
                        let _ = writeln!(sums, "{digest}  {path}");
                        documents.push(serde_json::json!({"dokumentbeskrivelse": d.system_id, "nr": n, "fil": path, "sha256": digest}));
                        files.push((path, bytes));
                    }
                    Ok(_) => documents.push(serde_json::json!({"dokumentbeskrivelse": d.system_id, "nr": n, "utelatt": "eksporten er over 1 GiB; hent resten for seg"})),
                    Err(r) => documents.push(serde_json::json!({"dokumentbeskrivelse": d.system_id, "nr": n, "utelatt": r.message})),
                }
            }
        }
        let (title, _) = title_for(u, *s);
        listed.push(serde_json::json!({
            "systemID": u.system_id, "type": kind_name(u), "id": u.ident, "tittel": title,
            "skjermet": *s != Sight::Full, "kilde": u.scope.source, "dato": u.date, "dokumenter": documents,
        }));
    }
    let manifest = serde_json::json!({
        "partsinnsyn": if id.is_empty() { serde_json::json!({"navn": name, "foedt": born}) } else { serde_json::json!({"id": id}) },
        "eksportert_av": v.user, "roller": v.role_names(), "enheter": listed,
        "merk": "Til gjennomgang: skjermede opplysninger og dokumenter er utelatt; vurder innsynet før noe leveres ut.",
    });
    let manifest = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let mut out = tar::Builder::new(Vec::new());
    let mut add = |path: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mut h = tar::Header::new_ustar();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        h.set_cksum();
        out.append_data(&mut h, format!("partsinnsyn/{path}"), bytes)
    };
    let written = add("manifest.json", &manifest)
        .and_then(|_| add("SHA256SUMS", sums.as_bytes()))
        .and_then(|_| files.iter().try_for_each(|(p, b)| add(p, b)));
    let tar = match written.and_then(|_| out.into_inner()) {
        Ok(t) => t,
        Err(e) => return server_error(&samla_noark5::Error::io("partsinnsyn export", e)),
    };
    let detail = format!("partsinnsyn; units={}; documents={}; bytes={}", found.len(), files.len(), tar.len());
    if let Err(e) = app.log(who, Event::Export, "", "", "partsinnsyn", &detail) {
        return server_error(&e);
    }
    let mut res = Response::new(Body::from(tar));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-tar"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"partsinnsyn.tar\""));
    res
}

/// A systemID as a file name part.
fn safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect()
}

/// DDMMYY of a fødselsnummer or D-number.
fn birth_of(id: &str) -> String {
    let d: Vec<char> = id.chars().collect();
    if d.len() != 11 || !d.iter().all(char::is_ascii_digit) {
        return String::new();
    }
    let first = d[0].to_digit(10).unwrap_or(0);
    let first = if first >= 4 { first - 4 } else { first };
    format!("{first}{}", d[1..6].iter().collect::<String>())
}
