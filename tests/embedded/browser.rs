//! Looking at HTML the way a reader's mail client or browser shows it
//! (issue 17): a page is rendered in headless Chromium (Debian's, installed
//! by `scripts/browser install`), a PNG screenshot of the whole page is
//! saved, and what a person would notice is checked: errors while loading
//! (console errors, failed resources), images that did not load
//! (`naturalWidth == 0`) and text that overflows its box
//! (`scrollWidth > clientWidth`).
//!
//! Chromium is driven through `chromedriver` (Debian's `chromium-driver`,
//! the same version as the browser) over the W3C WebDriver protocol, which
//! is plain HTTP and JSON: `reqwest` and `serde_json`, already dependencies,
//! are all it takes. A DevTools crate such as `headless_chrome` would add a
//! WebSocket stack and its own browser-download machinery for what a few
//! WebDriver calls do.
//!
//! Nothing sleeps to wait: every wait polls with a deadline.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one wait may take before the render fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// Run the demo into `dir` and return the HTML files it names on the lines
/// that start with `label` ("digest (HTML)", "report (HTML)").
pub fn demo_pages(dir: &Path, label: &str) -> Vec<PathBuf> {
    let out = Command::new(env!("CARGO_BIN_EXE_complaintd"))
        .args(["demo", "--dir"])
        .arg(dir)
        .output()
        .expect("run demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(label))
        .map(|p| PathBuf::from(p.trim()))
        .collect()
}

/// Where a run's screenshots go (kept after the test, for looking at).
pub fn shots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}

/// How a page is shown.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// Window width in CSS pixels (a mail client's reading pane, a phone).
    pub width: u32,
    /// Whether images are shown. Mail clients that block pictures until
    /// asked show the alt text in their place; with `false` every image's
    /// source is taken away once the page has loaded, so the page is seen
    /// (and measured) as they show it. Chromium's own switch for blocking
    /// images does not block the `data:` URLs a saved mail uses.
    pub images: bool,
}

impl Default for View {
    fn default() -> View {
        View {
            width: 900,
            images: true,
        }
    }
}

/// An image of the page and whether it loaded.
#[derive(Debug, Clone)]
pub struct Image {
    /// Its `src`, cut to 80 characters (a `data:` URL is long).
    pub src: String,
    /// Its `alt` text.
    pub alt: String,
    /// Its intrinsic width: 0 when it did not load.
    pub natural_width: u64,
}

/// What rendering a page showed.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PNG screenshot of the whole page.
    pub screenshot: PathBuf,
    /// Severe console messages: script errors, resources that failed.
    pub errors: Vec<String>,
    /// Every `<img>` of the page.
    pub images: Vec<Image>,
    /// Elements whose content is wider than their box, described.
    pub overflows: Vec<String>,
    /// The page's visible text (`document.body.innerText`).
    pub text: String,
    /// The page's full height in CSS pixels.
    pub height: u64,
}

impl Rendered {
    /// Fail the test unless the page rendered with no errors, every image
    /// loaded and nothing overflows.
    pub fn assert_clean(&self) {
        assert!(
            self.errors.is_empty(),
            "errors rendering {}: {:?}",
            self.screenshot.display(),
            self.errors
        );
        let broken: Vec<_> = self
            .images
            .iter()
            .filter(|i| i.natural_width == 0)
            .collect();
        assert!(
            broken.is_empty(),
            "images that did not load in {}: {broken:?}",
            self.screenshot.display()
        );
        assert!(
            self.overflows.is_empty(),
            "text overflowing its box in {}: {:?}",
            self.screenshot.display(),
            self.overflows
        );
    }
}

/// The program at `var` in the environment, or its Debian path.
fn program(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// A chromedriver process, stopped when dropped.
struct Driver {
    child: Child,
    base: String,
    /// Its log (the first place to look when a session cannot start).
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (the driver binds it straight after).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local address").port()
}

async fn start_driver(http: &reqwest::Client, dir: &Path) -> Driver {
    let exe = program("CHROMEDRIVER", "/usr/bin/chromedriver");
    assert!(
        exe.exists(),
        "{} is missing: run `scripts/browser install` (scripts/test does)",
        exe.display()
    );
    let log = dir.join("chromedriver.log");
    let started = Instant::now();
    loop {
        let port = free_port();
        let child = Command::new(&exe)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: log.clone(),
        };
        // Poll its status until it is ready; if it exits (the port was
        // taken in between), try another port.
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.base)).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == json!(true) {
                        return driver;
                    }
                }
            }
            if driver.child.try_wait().ok().flatten().is_some() {
                break;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "chromedriver did not become ready (log {})",
                driver.log.display()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One WebDriver command: its `value`, or the test fails with the error.
async fn command(http: &reqwest::Client, method: reqwest::Method, url: &str, body: Value) -> Value {
    let mut req = http.request(method, url);
    if !body.is_null() {
        req = req.json(&body);
    }
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("WebDriver {url}: {e}"));
    let status = r.status();
    let v: Value = r
        .json()
        .await
        .unwrap_or_else(|e| panic!("WebDriver {url}: {e}"));
    assert!(status.is_success(), "WebDriver {url}: {status} {v}");
    v["value"].clone()
}

/// What the page shows, measured inside it: images, overflowing elements,
/// text and height. An element overflows when its content is wider than its
/// box by more than a pixel (rounding) and it does not scroll on purpose.
const MEASURE: &str = r#"
const images = Array.from(document.images).map(i => ({
  src: i.getAttribute('src') || '', alt: i.alt || '',
  complete: i.complete, naturalWidth: i.naturalWidth }));
const overflows = [];
for (const e of document.body.querySelectorAll('*')) {
  const s = getComputedStyle(e);
  if (s.display === 'none' || ['auto', 'scroll'].includes(s.overflowX)) continue;
  if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0) {
    overflows.push(`<${e.tagName.toLowerCase()}> ${e.scrollWidth}px in ${e.clientWidth}px: ` +
      (e.innerText || '').slice(0, 60));
  }
}
const d = document.documentElement;
if (d.scrollWidth > d.clientWidth + 1) {
  overflows.push(`page ${d.scrollWidth}px wide in a ${d.clientWidth}px window`);
}
// The load event (readyState complete) waits for every image to load or
// fail; a blocked image never completes, so it is not waited for.
return { ready: document.readyState === 'complete',
  images, overflows, text: document.body.innerText,
  height: Math.ceil(Math.max(d.scrollHeight, document.body.scrollHeight)) };
"#;

/// Images as a client that blocks them shows them: the alt text in place.
const BLOCK: &str = "for (const i of Array.from(document.images)) { i.removeAttribute('src'); }";

/// Render the HTML file at `page` in headless Chromium as `view` says, save
/// the whole page as a PNG at `screenshot`, and report what it showed.
pub async fn render(page: &Path, screenshot: &Path, view: View) -> Rendered {
    let work = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(DEADLINE)
        .build()
        .expect("http client");
    let driver = start_driver(&http, work.path()).await;
    let profile = work.path().join("profile");
    std::fs::create_dir_all(&profile).expect("profile dir");
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--hide-scrollbars".into(),
        "--force-device-scale-factor=1".into(),
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={},800", view.width),
    ];
    let caps = json!({
        "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": program("CHROMIUM", "/usr/bin/chromium"),
                "args": args,
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        }}
    });
    let session = command(
        &http,
        reqwest::Method::POST,
        &format!("{}/session", driver.base),
        caps,
    )
    .await;
    let id = session["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id in {session} (log {})", driver.log.display()))
        .to_string();
    let s = format!("{}/session/{id}", driver.base);
    let page = std::fs::canonicalize(page).expect("page path");
    command(
        &http,
        reqwest::Method::POST,
        &format!("{s}/url"),
        json!({ "url": format!("file://{}", page.display()) }),
    )
    .await;
    // Loaded when the document is complete (every image loaded or failed):
    // polled, with a deadline.
    let started = Instant::now();
    let measured = loop {
        let m = command(
            &http,
            reqwest::Method::POST,
            &format!("{s}/execute/sync"),
            json!({ "script": MEASURE, "args": [] }),
        )
        .await;
        if m["ready"] == json!(true) {
            break m;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "{} did not finish loading",
            page.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let measured = if view.images {
        measured
    } else {
        command(
            &http,
            reqwest::Method::POST,
            &format!("{s}/execute/sync"),
            json!({ "script": format!("{BLOCK}\n{MEASURE}"), "args": [] }),
        )
        .await
    };
    // The whole page in one picture: the window as tall as the page.
    let height = measured["height"]
        .as_u64()
        .unwrap_or(800)
        .clamp(200, 16_000);
    command(
        &http,
        reqwest::Method::POST,
        &format!("{s}/window/rect"),
        json!({ "width": view.width, "height": height }),
    )
    .await;
    let png = command(
        &http,
        reqwest::Method::GET,
        &format!("{s}/screenshot"),
        Value::Null,
    )
    .await;
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        png.as_str().expect("screenshot is base64"),
    )
    .expect("screenshot decodes");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    if let Some(d) = screenshot.parent() {
        std::fs::create_dir_all(d).expect("screenshot dir");
    }
    std::fs::write(screenshot, &png).expect("write screenshot");
    let logs = command(
        &http,
        reqwest::Method::POST,
        &format!("{s}/se/log"),
        json!({ "type": "browser" }),
    )
    .await;
    let errors = logs
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == json!("SEVERE"))
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect();
    command(&http, reqwest::Method::DELETE, &s, Value::Null).await;
    drop(driver);
    let images = measured["images"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| Image {
            src: i["src"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(80)
                .collect(),
            alt: i["alt"].as_str().unwrap_or_default().to_string(),
            natural_width: i["naturalWidth"].as_u64().unwrap_or(0),
        })
        .collect();
    let overflows = measured["overflows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o.as_str().map(String::from))
        .collect();
    Rendered {
        screenshot: screenshot.to_path_buf(),
        errors,
        images,
        overflows,
        text: measured["text"].as_str().unwrap_or_default().to_string(),
        height,
    }
}

/// A 2×1 PNG (one red, one blue pixel), for pages that need an image.
pub const TINY_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGP4zwAE/wEHAAH/4iOeWQAAAABJRU5ErkJggg==";

/// The harness sees what it is for: a clean page is clean, and a page with
/// a broken image, a script error and a word wider than its box is caught
/// on each count (so a check that passes is a check that could fail).
#[tokio::test]
async fn the_browser_harness_catches_broken_images_script_errors_and_overflow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = dir.path().join("clean.html");
    std::fs::write(
        &clean,
        format!(
            "<!DOCTYPE html><html><body><table width=\"400\"><tr><td>Breached: 3</td></tr></table>\
             <img src=\"data:image/png;base64,{TINY_PNG}\" width=\"20\" alt=\"a chart\"></body></html>"
        ),
    )
    .expect("write");
    let r = render(&clean, &dir.path().join("clean.png"), View::default()).await;
    r.assert_clean();
    assert_eq!(r.images.len(), 1);
    assert_eq!(r.images[0].natural_width, 2);
    assert!(r.images[0].src.starts_with("data:image/png;base64,"));
    assert!(r.height >= 200, "the page is {}px tall", r.height);
    assert!(r.text.contains("Breached: 3"));
    let png = std::fs::read(dir.path().join("clean.png")).expect("screenshot");
    assert!(png.len() > 100);

    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body>\
         <div style=\"width:80px\">Averyveryverylongunbreakablewordthatdoesnotfit</div>\
         <img src=\"missing-chart.png\" alt=\"chart\">\
         <script>undefinedFunction();</script></body></html>",
    )
    .expect("write");
    let r = render(&bad, &dir.path().join("bad.png"), View::default()).await;
    assert!(
        r.overflows.iter().any(|o| o.contains("Averyvery")),
        "{:?}",
        r.overflows
    );
    assert_eq!(r.images.len(), 1);
    assert_eq!(r.images[0].natural_width, 0, "the missing image loaded?");
    assert!(
        r.errors.iter().any(|e| e.contains("undefinedFunction")),
        "{:?}",
        r.errors
    );
    assert!(
        r.errors.iter().any(|e| e.contains("missing-chart.png")),
        "{:?}",
        r.errors
    );
    // With images blocked, as many mail clients start, an image does not
    // load and its alt text stands in.
    let r = render(
        &clean,
        &dir.path().join("blocked.png"),
        View {
            images: false,
            ..View::default()
        },
    )
    .await;
    assert_eq!(r.images[0].natural_width, 0);
    assert_eq!(r.images[0].alt, "a chart");
}
