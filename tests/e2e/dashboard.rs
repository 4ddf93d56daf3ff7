//! The web dashboard (ENABLE_WEB_UI) in a real browser: a separate headless Chromium opens it
//! under a BASE_PATH, is refused until it has the API key, starts a session from the form,
//! shows the QR code, and turns CONNECTED with a live `ready` event once the simulated phone
//! scans it; terminating from the row removes it; a second session links with a pairing code.
//! Full-page screenshots of the steps are kept in `target/test-artifacts/`.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::{FutureExt, StreamExt};
use serde_json::{Value, json};

use crate::support::*;

const SESSION: &str = "dash1";
const PHONE: &str = "15550001111";
const PAIRED_SESSION: &str = "dash2";
const PAIRED_PHONE: &str = "15550002222";

/// Every CDP call gets a deadline: a wedged renderer would otherwise hang the test forever.
const CDP_TIMEOUT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_links_a_session_under_a_base_path() {
    let sim = Sim::start().await;
    let dir = TempDir::new("dashboard");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("ENABLE_WEB_UI".into(), "true".into());
    env.insert("BASE_PATH".into(), "/api".into());
    let daemon = Daemon::start(env);

    // The static files, without a key (the page must load before anyone types one).
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(daemon.url("/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 301);
    assert_eq!(response.headers()["location"], "/api/dashboard/");
    for (file, content_type) in [
        ("", "text/html"),
        ("app.js", "text/javascript"),
        ("style.css", "text/css"),
    ] {
        let response = no_redirects
            .get(daemon.url(&format!("/dashboard/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "/dashboard/{file}");
        let header = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            header.starts_with(content_type),
            "/dashboard/{file}: {header}"
        );
        assert!(!response.text().await.unwrap().is_empty());
    }

    let browser = TestBrowser::launch().await;
    let outcome = AssertUnwindSafe(link_from_the_dashboard(&daemon, &sim, &browser.page))
        .catch_unwind()
        .await;
    browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_is_absent_without_enable_web_ui() {
    let sim = Sim::start().await;
    let dir = TempDir::new("no-dashboard");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));
    for path in ["/dashboard", "/dashboard/", "/dashboard/app.js"] {
        let (status, _) = daemon.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

async fn link_from_the_dashboard(daemon: &Daemon, sim: &Sim, page: &Page) {
    cdp(page.goto(daemon.url("/dashboard/"))).await;
    let base_path = eval(page, "() => window.waGatewayDashboard.basePath").await;
    assert_eq!(base_path, "/api/", "the API is found under BASE_PATH");

    // No key stored yet: the first call is refused and the page asks for the key.
    let asking = wait_dom(page, "the request for the API key", |dom| {
        dom["auth"] == "forbidden" && dom["listStatus"] == "forbidden"
    })
    .await;
    assert_eq!(asking["bannerHidden"], false, "{asking}");
    assert!(
        asking["banner"].as_str().unwrap().contains("API key"),
        "{asking}"
    );
    assert_eq!(asking["keyFieldFlagged"], true, "{asking}");
    save_screenshot(page, "dashboard-asks-for-key.png").await;

    type_into(page, "#api-key", API_KEY).await;
    click(page, "#save-key").await;
    let accepted = wait_dom(page, "the key to be accepted", |dom| {
        dom["auth"] == "ok" && dom["listStatus"] == "ok"
    })
    .await;
    assert_eq!(accepted["bannerHidden"], true, "{accepted}");
    assert_eq!(accepted["rows"], json!({}), "no sessions yet");

    type_into(page, "#new-session-id", SESSION).await;
    click(page, "#start-session").await;
    let showing_qr = wait_dom(page, "the QR image", |dom| {
        dom["qr"]["visible"] == true && dom["qr"]["naturalWidth"].as_u64() > Some(0)
    })
    .await;
    assert!(
        showing_qr["qr"]["src"]
            .as_str()
            .unwrap()
            .starts_with("blob:"),
        "{showing_qr}"
    );
    assert_eq!(showing_qr["selected"], SESSION, "{showing_qr}");
    assert_ne!(showing_qr["rows"][SESSION], Value::Null, "{showing_qr}");
    save_screenshot(page, "dashboard-qr.png").await;

    // The image decodes to the QR string the API serves (retried: the ref rotates, and the page
    // catches up at its next poll); the phone scans it.
    let qr = eventually(WAIT, "the QR on screen to be the API's", async || {
        let on_screen = qr_on_screen(page).await?;
        let (_, body) = daemon.get(&format!("/session/qr/{SESSION}")).await;
        (body["qr"] == on_screen.as_str()).then_some(on_screen)
    })
    .await;
    sim.scan(&qr, PHONE, "Alice").await;

    let connected = wait_dom(page, "CONNECTED and a live ready event", |dom| {
        dom["rows"][SESSION] == "CONNECTED"
            && dom["events"]
                .as_array()
                .is_some_and(|events| events.iter().any(|e| e == "ready"))
            && dom["pushname"] == "Alice"
    })
    .await;
    assert_eq!(connected["selectedState"], "CONNECTED", "{connected}");
    assert_eq!(connected["qr"]["visible"], false, "no QR once linked");
    assert_eq!(connected["qrStatus"], "connected", "{connected}");
    assert_eq!(connected["wsStatus"], "open", "{connected}");
    assert_eq!(connected["wid"], format!("{PHONE}@c.us"), "{connected}");
    // The webhook panel read the session's webhook status through the API (none configured).
    let webhook = wait_dom(page, "the webhook panel", |dom| {
        dom["webhook"]["loaded"] == "true"
    })
    .await;
    assert_eq!(webhook["webhook"]["source"], "none", "{webhook}");
    assert_eq!(webhook["webhook"]["url"], "no webhook", "{webhook}");

    save_screenshot(page, "dashboard-connected.png").await;

    // Terminate from the row, through the confirmation dialog.
    click(
        page,
        &format!("#sessions li[data-session-id='{SESSION}'] button[data-action='terminate']"),
    )
    .await;
    wait_dom(page, "the confirmation dialog", |dom| {
        dom["confirmOpen"] == true
    })
    .await;
    click(page, "#confirm-ok").await;
    let terminated = wait_dom(page, "the row to go", |dom| {
        dom["rows"] == json!({}) && dom["selected"] == ""
    })
    .await;
    assert_eq!(terminated["confirmOpen"], false, "{terminated}");
    let (_, body) = daemon.get(&format!("/session/status/{SESSION}")).await;
    assert_eq!(body["message"], "session_not_found");
    assert!(
        !daemon
            .sessions_path
            .join(format!("session-{SESSION}"))
            .exists()
    );
    wait_no_chromium(&daemon.sessions_path).await;

    // A second session linked with a pairing code instead of the QR.
    type_into(page, "#new-session-id", PAIRED_SESSION).await;
    click(page, "#start-session").await;
    wait_dom(page, "the pairing form of the new session", |dom| {
        dom["selected"] == PAIRED_SESSION && dom["qr"]["visible"] == true
    })
    .await;
    type_into(page, "#pairing-phone", PAIRED_PHONE).await;
    click(page, "#request-pairing").await;
    let with_code = wait_dom(page, "the pairing code", |dom| {
        dom["pairingCode"]
            .as_str()
            .is_some_and(|code| !code.is_empty())
    })
    .await;
    let code = with_code["pairingCode"].as_str().unwrap();
    let (status, body) = sim
        .control(
            "POST",
            "pairing-code",
            Some(json!({"phone": PAIRED_PHONE, "code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "pairing code refused: {body}");
    wait_dom(page, "the paired session CONNECTED", |dom| {
        dom["rows"][PAIRED_SESSION] == "CONNECTED" && dom["wid"] == format!("{PAIRED_PHONE}@c.us")
    })
    .await;
}

/// A full-page PNG in `target/test-artifacts/`, for a person to look at.
pub(crate) async fn save_screenshot(page: &Page, name: &str) {
    let png = cdp(page.screenshot(
        ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .full_page(true)
            .build(),
    ))
    .await;
    let path = artifacts_dir().join(name);
    std::fs::write(&path, png).unwrap();
    println!("dashboard screenshot: {}", path.display());
}

// ---- the browser ----------------------------------------------------------------------------

/// A headless Chromium of the test's own, on a fresh profile, playing the person at the dashboard.
pub(crate) struct TestBrowser {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    pub(crate) page: Page,
    _profile: TempDir,
}

impl TestBrowser {
    pub(crate) async fn launch() -> Self {
        let profile = TempDir::new("dashboard-browser");
        let config = BrowserConfig::builder()
            .chrome_executable(
                std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            )
            .user_data_dir(&profile.0)
            .new_headless_mode()
            .no_sandbox()
            .viewport(None)
            .window_size(1280, 900)
            .launch_timeout(Duration::from_secs(30))
            .request_timeout(CDP_TIMEOUT)
            // No calls to Google's hosts: refused on this closed network, slow anywhere.
            .args([
                "disable-gpu",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "disable-quic",
                "no-first-run",
            ])
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("Chromium starts");
        // Polled until its first error: polling on after one leaves later commands hanging.
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if event.is_err() {
                    break;
                }
            }
        });
        let page = cdp(browser.new_page("about:blank")).await;
        TestBrowser {
            browser,
            handler,
            page,
            _profile: profile,
        }
    }

    /// Closes Chromium and waits for its process, killing it if it does not exit in time.
    pub(crate) async fn close(mut self) {
        let closed = tokio::time::timeout(Duration::from_secs(5), self.browser.close()).await;
        if !matches!(closed, Ok(Ok(_))) {
            let _ = self.browser.kill().await;
        }
        if tokio::time::timeout(Duration::from_secs(5), self.browser.wait())
            .await
            .is_err()
        {
            let _ = self.browser.kill().await;
            let _ = self.browser.wait().await;
        }
        self.handler.abort();
    }
}

/// Runs a CDP call with a deadline and fails the test on an error.
pub(crate) async fn cdp<T>(call: impl Future<Output = chromiumoxide::Result<T>>) -> T {
    tokio::time::timeout(CDP_TIMEOUT, call)
        .await
        .expect("CDP call within its deadline")
        .expect("CDP call succeeds")
}

pub(crate) async fn eval(page: &Page, function: &str) -> Value {
    cdp(page.evaluate_function(function))
        .await
        .into_value()
        .unwrap_or(Value::Null)
}

pub(crate) async fn click(page: &Page, selector: &str) {
    let element = cdp(page.find_element(selector)).await;
    cdp(element.click()).await;
}

pub(crate) async fn type_into(page: &Page, selector: &str, text: &str) {
    let element = cdp(page.find_element(selector)).await;
    cdp(element.click()).await;
    cdp(element.type_str(text)).await;
}

/// The QR code in `#qr-image`, decoded from the image bytes the page shows, as a camera would.
async fn qr_on_screen(page: &Page) -> Option<String> {
    let png_base64 = eval(
        page,
        r#"async () => {
            const img = document.querySelector('#qr-image');
            if (img.hidden || !img.src) return null;
            try {
                const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
                return btoa(String.fromCharCode(...bytes));
            } catch (e) {
                return null; // replaced (and revoked) by a newer QR meanwhile
            }
        }"#,
    )
    .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(png_base64.as_str()?)
        .expect("base64 from btoa");
    let image = image::load_from_memory(&png)
        .expect("the QR image is a PNG")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    Some(grids[0].decode().expect("the QR decodes").1)
}

/// What a person sees, read through the hooks documented at the top of assets/dashboard/app.js.
const DOM_STATE: &str = r#"() => {
    const $ = (selector) => document.querySelector(selector);
    const rows = {};
    document.querySelectorAll('#sessions li[data-session-id]').forEach((li) => {
        rows[li.dataset.sessionId] = li.querySelector('.state').textContent;
    });
    const img = $('#qr-image');
    return {
        auth: document.body.dataset.auth,
        listStatus: $('#sessions').dataset.status,
        banner: $('#banner').textContent,
        bannerHidden: $('#banner').hidden,
        keyFieldFlagged: $('#api-key').classList.contains('attention'),
        rows,
        selected: $('#session-detail').dataset.sessionId,
        selectedState: $('#selected-state').textContent,
        qr: {
            visible: !img.hidden,
            src: img.getAttribute('src') || '',
            naturalWidth: img.complete ? img.naturalWidth : 0,
        },
        qrStatus: $('#qr-status').dataset.status,
        wsStatus: $('#ws-status').dataset.status,
        events: Array.from(document.querySelectorAll('#events li')).map((li) => li.dataset.type),
        pushname: $('#info-pushname').textContent,
        webhook: {
            loaded: $('#webhook-card').dataset.loaded,
            source: $('#wh-source').textContent,
            url: $('#wh-url').textContent,
        },
        wid: $('#info-wid').textContent,
        confirmOpen: !$('#confirm-dialog').hidden,
        pairingCode: $('#pairing-code').textContent,
    };
}"#;

/// Waits until the page's state satisfies `done`; returns that state.
async fn wait_dom(page: &Page, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let found = tokio::time::timeout(WAIT, async {
        loop {
            last = eval(page, DOM_STATE).await;
            if done(&last) {
                return last.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out waiting for {what}; the page shows {last}"))
}

/// `target/test-artifacts`, beside the test binary's profile dir (`target/<profile>/deps/e2e-*`),
/// so a custom CARGO_TARGET_DIR is honoured.
pub(crate) fn artifacts_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test binary lives in target/<profile>/deps");
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
