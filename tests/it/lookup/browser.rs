//! A real browser: headless Chromium driven through WebDriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs), with axe-core (npm) checking WCAG 2.1 AA on
//! the search, mappe and document pages.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::{PASSWORD, PDF, setup, sha, start};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const AXE_VERSION: &str = "4.10.3";

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn chromedriver() -> (Driver, u16) {
    assert!(
        Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
        "the browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)"
    );
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Driver(child), port)
}

/// axe-core from npm, installed into target/axe-core on first use.
pub(crate) fn axe_source() -> String {
    let work = crate::common::root().join("target/axe-core");
    let file = work.join("node_modules/axe-core/axe.min.js");
    if !file.exists() {
        std::fs::create_dir_all(&work).unwrap();
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix", "."])
            .arg(format!("axe-core@{AXE_VERSION}"))
            .current_dir(&work)
            .status()
            .expect("npm runs (install node and npm)");
        assert!(status.success(), "npm install axe-core failed");
    }
    std::fs::read_to_string(file).unwrap()
}

pub(crate) async fn browser(driver_port: u16, downloads: &Path) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
            "prefs": {
                "download.default_directory": downloads.to_str().unwrap(),
                "download.prompt_for_download": false,
                "plugins.always_open_pdf_externally": true
            }
        }
    });
    let caps = caps.as_object().unwrap().clone().into_iter().collect();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session in headless Chromium")
}

/// Runs axe-core on the page and returns its WCAG 2.1 A/AA violations.
pub(crate) async fn axe(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("axe-core loads into the page");
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    result.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

async fn log_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=brukernavn]")).await.unwrap().send_keys(user).await.unwrap();
    c.find(Locator::Css("input[name=passord]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    let out = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("form[action='/logout']")).await;
    assert!(out.is_ok(), "{user} is not logged in: {}", c.source().await.unwrap());
}

async fn log_out(c: &Client) {
    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("input[name=brukernavn]")).await.unwrap();
}

fn wait_for_file(dir: &Path, name: &str) -> PathBuf {
    let started = Instant::now();
    let file = dir.join(name);
    // Chromium may create the final name empty while it writes `.crdownload` beside it, and
    // renames that over it when the download is whole: wait for the partial file to go, too.
    let partial = |dir: &Path| {
        std::fs::read_dir(dir).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".crdownload"))
    };
    while !file.exists() || partial(dir) || std::fs::metadata(&file).map(|m| m.len() == 0).unwrap_or(true) {
        assert!(started.elapsed() < Duration::from_secs(20), "no whole download of {name} in {}", dir.display());
        std::thread::sleep(Duration::from_millis(50));
    }
    file
}

#[test]
fn a_case_worker_in_a_real_browser() {
    let s = setup();
    let server = start(&s.index, &s.policy);
    let base = format!("http://127.0.0.1:{}", server.port);
    let (_driver, driver_port) = chromedriver();
    let axe_js = axe_source();
    let downloads = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = browser(driver_port, downloads.path()).await;
        // Log in and search.
        log_in(&c, &base, "barnevern").await;
        c.goto(&format!("{base}/?q=barnevernsak")).await.unwrap();
        let page = c.source().await.unwrap();
        assert!(page.contains("Zqxopen"), "{page}");
        assert!(page.contains("<mark>"), "the hit is highlighted: {page}");
        let violations = axe(&c, &axe_js).await;
        assert!(violations.is_empty(), "the search page: {violations:#?}");
        // Open the mappe from the hit: markup in the tittel is text, not a script.
        c.find(Locator::Css("a[href='/enhet/open']")).await.unwrap().click().await.unwrap();
        c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("nav.crumbs")).await.unwrap();
        let page = c.source().await.unwrap();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
        let alert = c.get_alert_text().await;
        assert!(alert.is_err(), "a script ran: {alert:?}");
        let violations = axe(&c, &axe_js).await;
        assert!(violations.is_empty(), "the mappe page: {violations:#?}");
        // The screened mappe: the tittel masked until a purpose is given.
        c.goto(&format!("{base}/enhet/screened")).await.unwrap();
        let page = c.source().await.unwrap();
        assert!(page.contains("Skjermet (Offl. § 13)") && !page.contains("Zqxsecret"), "{page}");
        c.find(Locator::Css("#formaal")).await.unwrap().send_keys("Oppfølging av bekymringsmelding").await.unwrap();
        c.find(Locator::Css("form[action$='/formaal'] button")).await.unwrap().click().await.unwrap();
        c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("p.notice")).await.unwrap();
        let page = c.source().await.unwrap();
        assert!(page.contains("Zqxsecret Kari Zqxnordmann"), "{page}");
        // The document page, and the PDF itself, whole.
        c.goto(&format!("{base}/enhet/d-screened")).await.unwrap();
        let violations = axe(&c, &axe_js).await;
        assert!(violations.is_empty(), "the document page: {violations:#?}");
        c.find(Locator::Css("a[href='/dokument/d-screened/1']")).await.unwrap().click().await.unwrap();
        let file = wait_for_file(downloads.path(), "screened.pdf");
        let bytes = std::fs::read(file).unwrap();
        assert_eq!(sha(&bytes), crate::common::sha256sum(&s.ski.join("DOKUMENT/screened.pdf")));
        assert_eq!(sha(&bytes), sha(&PDF));
        c.goto(&format!("{base}/")).await.unwrap();
        log_out(&c).await;
        // The auditor sees that access, with its purpose, in the unit's log.
        log_in(&c, &base, "revisor").await;
        c.goto(&format!("{base}/enhet/screened/logg")).await.unwrap();
        let table = c.find(Locator::Css("table")).await.unwrap().text().await.unwrap();
        assert!(
            table.contains("open_screened")
                && table.contains("barnevern")
                && table.contains("Oppfølging av bekymringsmelding"),
            "{table}"
        );
        c.close().await.unwrap();
    });
}
