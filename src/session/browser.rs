//! One headless Chromium per session: launch flags, the profile dir and its stale lock, and the
//! CDP handler loop.
//!
//! The profile dir is `SESSIONS_PATH/session-<id>`, the layout of whatsapp-web.js's LocalAuth, so
//! a folder written by wwebjs-api is picked up as it is and WhatsApp Web finds its login there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::handler::Handler;
use futures::StreamExt;
use tokio::sync::watch;

use crate::config::Config;

/// A desktop Chrome user agent without "Headless", which WhatsApp Web accepts.
pub const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/// Chromium flags: wwebjs-api's set, minus what only made sense for puppeteer, plus the ones that
/// keep Chromium from calling Google's hosts (refused on closed networks, slow everywhere).
const FLAGS: &[&str] = &[
    "autoplay-policy=user-gesture-required",
    "disable-background-networking",
    "disable-background-timer-throttling",
    "disable-backgrounding-occluded-windows",
    "disable-breakpad",
    "disable-client-side-phishing-detection",
    "disable-component-update",
    "disable-default-apps",
    "disable-dev-shm-usage",
    "disable-domain-reliability",
    "disable-hang-monitor",
    "disable-ipc-flooding-protection",
    "disable-notifications",
    "disable-popup-blocking",
    "disable-print-preview",
    "disable-prompt-on-repost",
    "disable-renderer-backgrounding",
    "disable-speech-api",
    "disable-sync",
    "disable-gpu",
    "disable-quic",
    "metrics-recording-only",
    "no-default-browser-check",
    "no-first-run",
    "no-pings",
    "password-store=basic",
    "use-mock-keychain",
];

/// Features switched off: the WebUI omnibox popups cost a renderer each for nothing headless.
const DISABLED_FEATURES: &str =
    "AudioServiceOutOfProcess,WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup";

/// The profile dir of a session.
pub fn profile_dir(sessions_path: &Path, session_id: &str) -> PathBuf {
    sessions_path.join(format!("session-{session_id}"))
}

/// A launched browser: the handle, and a watch that turns `false` when its CDP connection ends
/// (the process died or closed).
pub struct LaunchedBrowser {
    pub browser: Browser,
    pub connected: watch::Receiver<bool>,
}

/// Launches Chromium on the session's profile dir.
pub async fn launch(config: &Config, session_id: &str) -> Result<LaunchedBrowser, String> {
    let profile = profile_dir(&config.sessions_path, session_id);
    crate::private_files::create_dir_all(&profile)
        .map_err(|e| format!("cannot create {}: {e}", profile.display()))?;
    let profile = profile
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", profile.display()))?;
    if config.release_browser_lock {
        release_stale_lock(&profile);
    }

    let mut builder = BrowserConfig::builder()
        .chrome_executable(config.chrome_path())
        .user_data_dir(&profile)
        .no_sandbox()
        .viewport(None)
        .window_size(1280, 900)
        .launch_timeout(Duration::from_secs(30))
        .request_timeout(Duration::from_secs(30))
        .args(FLAGS.iter().copied())
        // The tuple form merges with chromiumoxide's own --disable-features instead of racing it.
        .arg(("disable-features", DISABLED_FEATURES))
        .arg(("user-agent", USER_AGENT))
        // navigator.webdriver must read false, as for a person's browser.
        .hide();
    builder = if config.headless {
        builder.new_headless_mode()
    } else {
        builder.with_head()
    };
    if let Some(origin) = insecure_origin(&config.whatsapp_web_url) {
        // WhatsApp Web needs crypto.subtle, which Chromium only gives secure origins; a plain
        // http simulator on another host (e.g. http://wa-sim:8585 in compose) is not one.
        builder = builder.arg(("unsafely-treat-insecure-origin-as-secure", origin.as_str()));
    }
    if let Some(proxy) = &config.proxy_url {
        builder = builder.arg(("proxy-server", proxy.as_str()));
        // Everything through the proxy, loopback too (a local simulator); WhatsApp Web itself
        // never talks to loopback, so only tests and demos notice.
        builder = builder.arg(("proxy-bypass-list", "<-loopback>"));
    }
    let browser_config = builder.build()?;

    let (browser, handler) = Browser::launch(browser_config)
        .await
        .map_err(|e| format!("failed to launch Chromium: {e}"))?;
    let (connected_tx, connected) = watch::channel(true);
    tokio::spawn(drive_handler(handler, connected_tx));
    Ok(LaunchedBrowser { browser, connected })
}

/// The origin of a plain-http URL (scheme, host and port), if it is one.
fn insecure_origin(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    Some(format!("http://{host}"))
}

/// Polls the CDP handler until its first error: a dead browser never yields `None`, and polling
/// on after an error leaves later commands hanging forever.
async fn drive_handler(mut handler: Handler, connected: watch::Sender<bool>) {
    while let Some(event) = handler.next().await {
        if let Err(err) = event {
            tracing::debug!(error = %err, "CDP connection ended");
            break;
        }
    }
    let _ = connected.send(false);
}

/// Removes a `SingletonLock` left by a Chromium that is no longer running. A lock whose owner
/// process is alive is left alone: two browsers on one profile corrupt it.
fn release_stale_lock(profile: &Path) {
    let lock = profile.join("SingletonLock");
    let Ok(target) = std::fs::read_link(&lock) else {
        return;
    };
    // The link target is "<hostname>-<pid>".
    let owner_alive = target
        .to_string_lossy()
        .rsplit('-')
        .next()
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists() && is_chromium(pid));
    if owner_alive {
        tracing::warn!(profile = %profile.display(), "browser lock held by a running Chromium, keeping it");
        return;
    }
    tracing::warn!(profile = %profile.display(), "Browser lock file exists, removing");
    for name in ["SingletonLock", "SingletonCookie", "SingletonSocket"] {
        let _ = std::fs::remove_file(profile.join(name));
    }
}

fn is_chromium(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| comm.trim().starts_with("chrom"))
}

/// Closes the browser and waits for its process; kills it if it does not exit in time.
pub async fn shutdown(mut browser: Browser) {
    let closed = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
    if !matches!(closed, Ok(Ok(_))) {
        let _ = browser.kill().await;
    }
    match tokio::time::timeout(Duration::from_secs(5), browser.wait()).await {
        Ok(_) => {}
        Err(_) => {
            let _ = browser.kill().await;
            let _ = tokio::time::timeout(Duration::from_secs(2), browser.wait()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::insecure_origin;

    #[test]
    fn plain_http_urls_give_their_origin() {
        assert_eq!(
            insecure_origin("http://wa-sim:8585/").as_deref(),
            Some("http://wa-sim:8585")
        );
        assert_eq!(
            insecure_origin("http://127.0.0.1:9/x?y").as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(insecure_origin("https://web.whatsapp.com/"), None);
    }
}
