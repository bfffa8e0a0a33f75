//! `samla serve`: the lookup service for closed archives.
//!
//! Server-rendered HTML (axum on tokio), no script, no external resources. Deny by
//! default: a page, a hit, a count or a document is shown only when the viewer's grants
//! cover the unit ([`samla_lookup::policy`]), the same rule on every route. Every login,
//! search, unit opened and document served is appended to the hash-chained access log
//! before the response leaves.

mod api;
pub mod html;
pub mod session;
mod tls;
mod web;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};

use samla_lookup::log::{AccessLog, Event, Record};
use samla_lookup::policy::{Policy, Viewer};
use samla_lookup::search::Search;
use samla_lookup::store::{Source, Store};
use samla_lookup::{INDEX_LOG, INDEX_SEARCH, INDEX_UNITS};
use samla_noark5::{Error, ErrorKind, Extract, Result};

use session::{Session, Sessions};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The index folder (`samla index --out`).
    pub index: PathBuf,
    /// The policy file.
    pub policy: PathBuf,
    /// Where to listen; 127.0.0.1 unless told otherwise.
    pub listen: SocketAddr,
    /// TLS certificate chain and private key (PEM), for use without a proxy.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// The server's shared state.
pub struct App {
    search: Search,
    stores: Vec<Mutex<Store>>,
    next_store: std::sync::atomic::AtomicUsize,
    log: AccessLog,
    policy: Policy,
    sessions: Sessions,
    sources: HashMap<i64, Source>,
    extracts: Mutex<HashMap<i64, Arc<Extract>>>,
    secure_cookies: bool,
    /// HTTP Basic credentials already checked (SHA-256 of the header → user, when), so
    /// that the API's clients do not pay for argon2 on every request.
    basic: Mutex<HashMap<String, (String, std::time::Instant)>>,
    /// Held while a password is checked: argon2id takes 19 MiB a check, and sixteen
    /// clients arriving at once with the same credentials must not take sixteen times that.
    password_check: Mutex<()>,
    /// Whether a container holds something visible, by the viewer's roles (the index does
    /// not change while it is served, and every page's breadcrumb asks).
    containers: Mutex<HashMap<(String, i64), bool>>,
}

/// Who is asking.
pub(crate) struct Who {
    viewer: Option<Viewer>,
    session_id: Option<String>,
    session: Option<Session>,
    ip: IpAddr,
}

impl Who {
    fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf.as_str())
    }
}

impl App {
    /// Opens the index and the policy, and records a changed policy in the log.
    pub fn open(index: &Path, policy_path: &Path) -> Result<App> {
        let policy = Policy::read(policy_path)?;
        let search = Search::open(&index.join(INDEX_SEARCH))?;
        let stores =
            (0..8).map(|_| Store::open_read_only(&index.join(INDEX_UNITS)).map(Mutex::new)).collect::<Result<_>>()?;
        let log = AccessLog::open(&index.join(INDEX_LOG))?;
        let store = Store::open_read_only(&index.join(INDEX_UNITS))?;
        let sources = store.sources()?.into_iter().map(|s| (s.id, s)).collect();
        let app = App {
            search,
            stores,
            next_store: Default::default(),
            log,
            policy,
            sessions: Sessions::default(),
            sources,
            extracts: Mutex::new(HashMap::new()),
            secure_cookies: false,
            basic: Mutex::new(HashMap::new()),
            password_check: Mutex::new(()),
            containers: Mutex::new(HashMap::new()),
        };
        app.log_policy(policy_path)?;
        Ok(app)
    }

    /// Logs the policy's digest when it differs from the one last logged.
    fn log_policy(&self, path: &Path) -> Result<()> {
        use sha2::Digest;
        let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
        let digest = samla_noark5::hex(&sha2::Sha256::digest(&bytes));
        let last = samla_lookup::log::read(self.log.path())?
            .into_iter()
            .rev()
            .find(|e| e.event == Event::PolicyChange)
            .map(|e| e.detail);
        if last.as_deref().is_none_or(|d| !d.contains(&digest)) {
            self.log.append(Record {
                event: Some(Event::PolicyChange),
                user: "samla serve".into(),
                detail: format!("policy {} sha256 {digest}", path.display()),
                ..Record::default()
            })?;
        }
        Ok(())
    }

    /// Whether container `unit` holds anything the viewer may see.
    fn container_visible(&self, v: &Viewer, unit: &samla_lookup::store::Unit) -> bool {
        let key = (v.role_names(), unit.id);
        if let Some(seen) = self.containers.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return *seen;
        }
        let inside = samla_lookup::search::Filters { within: Some(unit.inside()), ..Default::default() };
        let seen = self.search.exists(v, &inside).unwrap_or(false);
        let mut cache = self.containers.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert(key, seen);
        seen
    }

    /// A store connection; one per request at a time.
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        for s in &self.stores {
            if let Ok(g) = s.try_lock() {
                return g;
            }
        }
        let i = self.next_store.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.stores.len();
        self.stores[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The extract of a source, opened once.
    fn extract(&self, source: i64) -> Result<Arc<Extract>> {
        let mut all = self.extracts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(x) = all.get(&source) {
            return Ok(x.clone());
        }
        let s = self
            .sources
            .get(&source)
            .ok_or_else(|| Error::new(ErrorKind::Missing, "index", format!("source {source} is not in the index")))?;
        let x = Arc::new(Extract::open(Path::new(&s.location))?);
        all.insert(source, x.clone());
        Ok(x)
    }

    /// A unit's own metadata, from the index or read in place from its extract.
    fn unit_element(&self, u: &samla_lookup::store::Unit) -> Result<samla_noark5::Element> {
        u.element(|| self.extract(u.source_id))
    }

    /// The viewer `name` logs in as with `password`, one password check at a time.
    fn login(&self, name: &str, password: &str) -> Option<Viewer> {
        let _one = self.password_check.lock().unwrap_or_else(|e| e.into_inner());
        self.policy.login(name, password)
    }

    /// Appends to the access log for `who`; the response waits for it.
    fn log(&self, who: &Who, event: Event, unit: &str, source: &str, purpose: &str, detail: &str) -> Result<()> {
        let (user, role) =
            who.viewer.as_ref().map_or((String::new(), String::new()), |v| (v.user.clone(), v.role_names()));
        self.log
            .append(Record {
                event: Some(event),
                user,
                role,
                purpose: purpose.into(),
                unit: unit.into(),
                source: source.into(),
                detail: format!("{detail}{}ip={}", if detail.is_empty() { "" } else { "; " }, who.ip),
            })
            .map(|_| ())
    }

    /// Who sent `headers` from `peer`: a session cookie, or the trusted proxy's header.
    fn who(&self, headers: &HeaderMap, peer: IpAddr) -> Who {
        if let Some(proxy) = &self.policy.proxy
            && proxy.trusted.contains(&peer)
            && let Some(name) = headers.get(proxy.header.as_str()).and_then(|v| v.to_str().ok())
        {
            let viewer = self.policy.viewer(name.trim());
            // The proxy's users get a session of their own for CSRF tokens and purposes.
            let sid = cookie(headers, "samla_session");
            let session = sid.as_deref().and_then(|s| self.sessions.get(s)).filter(|s| s.user == name.trim());
            return Who { viewer, session_id: session.as_ref().and(sid), session, ip: peer };
        }
        if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
            && let Some(encoded) = auth.strip_prefix("Basic ")
        {
            let viewer = self.basic(encoded.trim(), peer);
            return Who { viewer, session_id: None, session: None, ip: peer };
        }
        let sid = cookie(headers, "samla_session");
        let session = sid.as_deref().and_then(|s| self.sessions.get(s));
        let viewer = session.as_ref().and_then(|s| self.policy.viewer(&s.user));
        Who { viewer, session_id: session.as_ref().and(sid), session, ip: peer }
    }

    /// The viewer of HTTP Basic credentials (RFC 7617), with the web login's lockout and
    /// log: a first success is logged as a login, every failure as a failed one.
    fn basic(&self, encoded: &str, peer: IpAddr) -> Option<Viewer> {
        use base64::Engine;
        use sha2::Digest;
        const TTL: std::time::Duration = std::time::Duration::from_secs(300);
        let key = samla_noark5::hex(&sha2::Sha256::digest(encoded.as_bytes()));
        let cached = || {
            let mut cache = self.basic.lock().unwrap_or_else(|e| e.into_inner());
            cache.retain(|_, (_, at)| at.elapsed() < TTL);
            cache.get(&key).map(|(user, _)| self.policy.viewer(user))
        };
        if let Some(viewer) = cached() {
            return viewer;
        }
        let _one = self.password_check.lock().unwrap_or_else(|e| e.into_inner());
        // Checked while this request waited.
        if let Some(viewer) = cached() {
            return viewer;
        }
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (name, password) = text.split_once(':')?;
        let anonymous = Who { viewer: None, session_id: None, session: None, ip: peer };
        if self.sessions.locked(name, peer) {
            let _ = self.log(&anonymous, Event::LoginFailed, "", "", "", &format!("name={name}; basic; locked out"));
            return None;
        }
        match self.policy.login(name, password) {
            Some(viewer) => {
                self.sessions.succeeded(name);
                let who = Who { viewer: Some(viewer.clone()), session_id: None, session: None, ip: peer };
                self.log(&who, Event::Login, "", "", "", "basic").ok()?;
                self.basic
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, (name.to_string(), std::time::Instant::now()));
                Some(viewer)
            }
            None => {
                let locked = self.sessions.failed(name, peer);
                let why =
                    if locked { "basic; wrong name or password; locked out" } else { "basic; wrong name or password" };
                let _ = self.log(&anonymous, Event::LoginFailed, "", "", "", &format!("name={name}; {why}"));
                None
            }
        }
    }
}

/// The client's address, over plain TCP or TLS.
#[derive(Debug, Clone, Copy)]
struct Peer(SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tls::TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tls::TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|kv| {
            let (k, val) = kv.trim().split_once('=')?;
            (k == name).then(|| val.to_string())
        })
    })
}

/// Headers every response carries: no script, no framing, no sniffing, no caching.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let is_document = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| !t.starts_with("text/html") && !t.starts_with("text/css"));
    if !is_document {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Runs `f` on the blocking pool (SQLite, the log's fsync, reading documents).
async fn blocking(app: Arc<App>, f: impl FnOnce(&App) -> Response + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(move || f(&app)).await {
        Ok(r) => r,
        Err(_) => web::error_page(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Intern feil."),
    }
}

macro_rules! route {
    ($f:path) => {
        |State(app): State<Arc<App>>, ConnectInfo(Peer(peer)): ConnectInfo<Peer>, headers: HeaderMap| async move {
            blocking(app, move |a| {
                let who = a.who(&headers, peer.ip());
                $f(a, &who)
            })
            .await
        }
    };
    ($f:path, $ex:ty) => {
        |State(app): State<Arc<App>>,
         ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
         headers: HeaderMap,
         arg: $ex| async move {
            blocking(app, move |a| {
                let who = a.who(&headers, peer.ip());
                $f(a, &who, arg)
            })
            .await
        }
    };
}

/// The Noark 5 API: every method reaches it, so that writes get their 405 in the API's form.
async fn api_route(
    State(app): State<Arc<App>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    query: axum::extract::Query<HashMap<String, String>>,
) -> Response {
    blocking(app, move |a| {
        let who = a.who(&headers, peer.ip());
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        // The Host header is the client's own word; only a plain host[:port] is echoed back.
        let host = if !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) {
            host.to_string()
        } else {
            "localhost".to_string()
        };
        let origin = format!("{}://{host}", if a.secure_cookies { "https" } else { "http" });
        let path = uri.path().strip_prefix("/noark5v5").unwrap_or("").to_string();
        api::handle(a, &who, api::Request { method, path, query: query.0, headers, origin })
    })
    .await
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    use axum::extract::{Form, Path as P, Query};
    type Params = Query<HashMap<String, String>>;
    type Fields = Form<HashMap<String, String>>;
    Router::new()
        .route("/", get(route!(web::search, Params)))
        .route("/login", get(route!(web::login_form)).post(route!(web::login, Fields)))
        .route("/logout", post(route!(web::logout, Fields)))
        .route("/arkiv", get(route!(web::browse_root)))
        .route("/enhet/{sid}", get(route!(web::unit, P<String>)))
        .route("/enhet/{sid}/formaal", post(route!(web::purpose, (P<String>, Fields))))
        .route("/enhet/{sid}/logg", get(route!(web::unit_log, P<String>)))
        .route("/dokument/{sid}/{n}", get(route!(web::document, P<(String, i64)>)))
        .route("/hvor", get(route!(web::where_went, Params)))
        .route("/partsinnsyn", get(route!(web::partsinnsyn, Params)))
        .route("/partsinnsyn/eksport", post(route!(web::partsinnsyn_export, Fields)))
        .route("/noark5v5", any(api_route))
        .route("/noark5v5/", any(api_route))
        .route("/noark5v5/{*rest}", any(api_route))
        .route(
            "/static/style.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], html::STYLE) }),
        )
        .fallback(|| async { web::error_page(axum::http::StatusCode::NOT_FOUND, "Siden finnes ikke.") })
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

/// Runs the server until Ctrl-C. `ready` hears the address it listens on.
pub fn serve(config: &Config, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let tls = config.tls.as_ref().map(|(cert, key)| tls::config(cert, key)).transpose()?;
    let mut app = App::open(&config.index, &config.policy)?;
    app.secure_cookies = tls.is_some();
    let app = Arc::new(app);
    // Requests run on blocking threads (SQLite, tantivy, the log's fsync). Four a core keep
    // the cores busy while some wait on the disk; more only cost memory, each thread its
    // own allocator heap (at 100k with 16 clients: 32 threads peaked at 235 MB, 8 at 111 MB,
    // with more requests served).
    let blocking = std::thread::available_parallelism().map_or(8, |n| 4 * n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking)
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
            Error::io(config.listen.to_string(), e).with_hint("choose another address with --listen 127.0.0.1:PORT")
        })?;
        let addr = listener.local_addr().map_err(|e| Error::io(config.listen.to_string(), e))?;
        ready(addr);
        let service = router(app).into_make_service_with_connect_info::<Peer>();
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match tls {
            Some(tls) => {
                let listener = tls::TlsListener::new(listener, tls).map_err(|e| Error::io(addr.to_string(), e))?;
                axum::serve(listener, service).with_graceful_shutdown(stop).await
            }
            None => axum::serve(listener, service).with_graceful_shutdown(stop).await,
        }
        .map_err(|e| Error::io(addr.to_string(), e))
    })
}
