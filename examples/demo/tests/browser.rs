//! The demo in a real browser: headless Chromium driven through WebDriver (Debian's `chromium`
//! and `chromium-driver`, which `scripts/test` installs), against the demo site on SQLite as
//! `cargo run -p demo` starts it.
//!
//! It adds to the cart by clicking the page's own forms, checks that JavaScript cannot read the
//! session cookie while the browser holds it with `HttpOnly` and `SameSite=Lax`, and restarts
//! the browser on one profile: a default-expiry session survives the restart, a browser-close
//! one does not.
//!
//! No chromedriver on the machine is `SKIP(service)`, a failure when
//! `SESSIONS_REQUIRE_SERVICES=1`. `SESSIONS_TEST_CHROMEDRIVER` and `SESSIONS_TEST_CHROMIUM`
//! point at other binaries.

// Test helpers fail the test by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use session_conformance::Unavailable;
use session_conformance::services::skip_or_fail;
use session_kit::{Engine, SessionLayer, SessionStore, Settings};

const WHOLE_TEST: Duration = Duration::from_secs(180);

fn binary(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn spare_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A chromedriver process on a spare loopback port, killed when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    async fn start(binary: &Path) -> Result<Self, Unavailable> {
        let port = spare_port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| {
                Unavailable::new("chromedriver", format!("{}: {err}", binary.display()))
            })?;
        let driver = Self { child, port };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(Unavailable::new(
            "chromedriver",
            "did not listen within 10 s",
        ))
    }

    /// A fresh headless Chromium on `profile`: the same directory is the same browser profile,
    /// cookie jar included, across restarts.
    async fn browser(&self, chromium: &Path, profile: &Path) -> Client {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": chromium.display().to_string(), "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromedriver starts a Chromium session")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo site on a SQLite file in `dir`, as `cargo run -p demo` runs it.
async fn start_demo(dir: &Path) -> SocketAddr {
    let url = format!("sqlite://{}", dir.join("sessions.sqlite3").display());
    let settings = Settings::from_lookup(|name| match name {
        "SESSION_DATABASE_URL" => Some(url.clone()),
        _ => None,
    })
    .unwrap();
    let backend = Engine::from_settings(&settings).await.unwrap();
    let layer = SessionLayer::new(SessionStore::new(backend), &settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, demo::app(layer, "db")).await });
    address
}

/// The items of the cart as the page lists them (each row's first text, before its remove
/// button), read in one script so a page being replaced cannot tear the read; `None` while the
/// page is between documents.
async fn try_cart(browser: &Client) -> Option<Vec<String>> {
    let script = "return Array.from(document.querySelectorAll('h2 + ul > li'))\
                  .map(li => li.firstChild.textContent.trim())\
                  .filter(item => item !== 'empty');";
    let items = browser.execute(script, Vec::new()).await.ok()?;
    serde_json::from_value(items).ok()
}

/// The cart, once the page can be read.
async fn cart(browser: &Client) -> Vec<String> {
    for _ in 0..100 {
        if let Some(items) = try_cart(browser).await {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never became readable");
}

/// Clicks the page's element that `css` selects.
async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Types `item` into the page's own cart form and submits it by clicking its button.
async fn add_to_cart(browser: &Client, item: &str) {
    let before = cart(browser).await.len();
    browser
        .find(Locator::Css(r#"form[action="/cart"] input[name="item"]"#))
        .await
        .unwrap()
        .send_keys(item)
        .await
        .unwrap();
    click(browser, r#"form[action="/cart"] button"#).await;
    // The post redirects back to `/`: wait for the new page.
    for _ in 0..100 {
        if try_cart(browser)
            .await
            .is_some_and(|items| items.len() == before + 1)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{item} never appeared in the cart: {:?}",
        cart(browser).await
    );
}

async fn page_text(browser: &Client) -> String {
    let text = browser
        .execute(
            "return document.body ? document.body.innerText : '';",
            Vec::new(),
        )
        .await;
    text.ok()
        .and_then(|text| text.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn scenario(driver: &Chromedriver, chromium: &Path, dir: &Path) {
    let site = format!("http://{}/", start_demo(dir).await);
    let profile = dir.join("profile");

    // A new visitor fills the cart through the page's own forms.
    let browser = driver.browser(chromium, &profile).await;
    browser.goto(&site).await.unwrap();
    assert!(cart(&browser).await.is_empty());
    add_to_cart(&browser, "apple").await;
    add_to_cart(&browser, "pear").await;
    assert_eq!(cart(&browser).await, ["apple", "pear"]);

    // The browser holds the session cookie, HttpOnly and SameSite=Lax, with an expiry …
    let cookie = browser.get_named_cookie("sessionid").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(
        cookie.same_site().map(|same_site| same_site.to_string()),
        Some("Lax".to_owned())
    );
    assert!(
        cookie.expires().is_some(),
        "a default-expiry cookie persists"
    );
    assert_eq!(cookie.value().len(), 32);
    // … and the page's JavaScript cannot read it.
    let visible = browser
        .execute("return document.cookie;", Vec::new())
        .await
        .unwrap();
    assert_eq!(
        visible,
        json!(""),
        "document.cookie must not show the session"
    );

    // Restart the browser on the same profile: a default-expiry session survives.
    browser.close().await.unwrap();
    let browser = driver.browser(chromium, &profile).await;
    browser.goto(&site).await.unwrap();
    assert_eq!(cart(&browser).await, ["apple", "pear"]);

    // Switch to a browser-close session through the expiry form.
    click(
        &browser,
        r#"form[action="/expiry"] select[name="expiry"] option[value="0"]"#,
    )
    .await;
    click(&browser, r#"form[action="/expiry"] button"#).await;
    for _ in 0..100 {
        if page_text(&browser)
            .await
            .contains("browser-close cookie: true")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        page_text(&browser)
            .await
            .contains("browser-close cookie: true")
    );
    let cookie = browser.get_named_cookie("sessionid").await.unwrap();
    assert!(
        cookie.expires().is_none(),
        "a browser-close cookie has no expiry"
    );
    assert_eq!(cart(&browser).await, ["apple", "pear"]);

    // Restart again: the browser dropped its session cookie, so the visitor starts afresh.
    browser.close().await.unwrap();
    let browser = driver.browser(chromium, &profile).await;
    browser.goto(&site).await.unwrap();
    assert!(
        browser.get_named_cookie("sessionid").await.is_err(),
        "no session cookie after the restart"
    );
    assert!(cart(&browser).await.is_empty());
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_in_headless_chromium() {
    let chromedriver = binary("SESSIONS_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = binary("SESSIONS_TEST_CHROMIUM", "/usr/bin/chromium");
    if !chromium.exists() {
        let missing = Unavailable::new("chromium", format!("{} not found", chromium.display()));
        return skip_or_fail("the_demo_in_headless_chromium", &missing);
    }
    let driver = match Chromedriver::start(&chromedriver).await {
        Ok(driver) => driver,
        Err(missing) => return skip_or_fail("the_demo_in_headless_chromium", &missing),
    };
    let dir = std::env::temp_dir().join(format!("sessions-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let outcome = tokio::time::timeout(WHOLE_TEST, scenario(&driver, &chromium, &dir)).await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&dir);
    outcome.expect("the browser scenario finishes within 3 minutes");
}
