//! One headless Chromium per session: launch flags, the profile dir and its stale lock, and the
//! CDP handler loop.
//!
//! The profile dir is `SESSIONS_PATH/session-<id>`, the layout of whatsapp-web.js's LocalAuth, so
//! a folder written by wwebjs-api is picked up as it is and WhatsApp Web finds its login there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chromiumoxide::browser::Browser;
use chromiumoxide::handler::{Handler, HandlerConfig};
use futures::StreamExt;
use tokio::sync::watch;

use super::process::{self, ChromiumProcess};
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

/// A launched browser: the CDP handle, our own process handle, and a watch that turns `false`
/// when its CDP connection ends (the process died or closed).
pub struct LaunchedBrowser {
    pub browser: Browser,
    pub process: ChromiumProcess,
    pub connected: watch::Receiver<bool>,
}

/// Launches Chromium on the session's profile dir. We spawn the process ourselves (see
/// [`super::process`]) and connect chromiumoxide to it, so it dies with the daemon.
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

    let (process, ws_url) = ChromiumProcess::spawn(
        &config.chrome_path(),
        &chromium_args(config, &profile),
        LAUNCH_TIMEOUT,
    )
    .await?;
    let handler_config = HandlerConfig {
        viewport: None,
        request_timeout: Duration::from_secs(30),
        ..HandlerConfig::default()
    };
    let (mut browser, handler) = Browser::connect_with_config(ws_url, handler_config)
        .await
        .map_err(|e| format!("failed to connect to Chromium: {e}"))?;
    let (connected_tx, connected) = watch::channel(true);
    tokio::spawn(drive_handler(handler, connected_tx));
    // Adopt the tab Chromium opened, so the session can close it.
    let _ = tokio::time::timeout(Duration::from_secs(10), browser.fetch_targets()).await;
    Ok(LaunchedBrowser {
        browser,
        process,
        connected,
    })
}

/// How long Chromium may take to print its DevTools address.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The command line: chromiumoxide's defaults that matter, our [`FLAGS`], the profile, and
/// what the config asks for (headless, proxy, an insecure simulator origin).
fn chromium_args(config: &Config, profile: &Path) -> Vec<String> {
    let mut args: Vec<String> = FLAGS.iter().map(|f| format!("--{f}")).collect();
    args.extend(
        [
            "--remote-debugging-port=0",
            "--disable-extensions",
            "--disable-component-extensions-with-background-pages",
            "--force-color-profile=srgb",
            "--enable-blink-features=IdleDetection",
            "--lang=en_US",
            "--no-sandbox",
            "--disable-setuid-sandbox",
            "--window-size=1280,900",
            // navigator.webdriver must read false, as for a person's browser.
            "--disable-blink-features=AutomationControlled",
        ]
        .map(str::to_owned),
    );
    args.push(format!(
        "--disable-features=TranslateUI,{DISABLED_FEATURES}"
    ));
    args.push(format!("--user-agent={USER_AGENT}"));
    args.push(format!("--user-data-dir={}", profile.display()));
    if config.headless {
        // The headless shell is headless by itself (and knows no "new" mode); the full browser
        // needs the new headless mode.
        let shell = config
            .chrome_path()
            .to_string_lossy()
            .contains("headless-shell");
        args.push(
            if shell {
                "--headless"
            } else {
                "--headless=new"
            }
            .to_owned(),
        );
        // GPU work is software anyway (--disable-gpu): do it in the browser process instead of
        // a GPU process of its own (two processes fewer per session, measured).
        args.extend(["--in-process-gpu", "--hide-scrollbars", "--mute-audio"].map(str::to_owned));
    }
    if let Some(origin) = insecure_origin(&config.whatsapp_web_url) {
        // WhatsApp Web needs crypto.subtle, which Chromium only gives secure origins; a plain
        // http simulator on another host (e.g. http://wa-sim:8585 in compose) is not one.
        args.push(format!(
            "--unsafely-treat-insecure-origin-as-secure={origin}"
        ));
    }
    if let Some(proxy) = &config.proxy_url {
        args.push(format!("--proxy-server={proxy}"));
        // Everything through the proxy, loopback too (a local simulator); WhatsApp Web itself
        // never talks to loopback, so only tests and demos notice.
        args.push("--proxy-bypass-list=<-loopback>".to_owned());
    }
    args.push("about:blank".into());
    args
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

/// Removes a `SingletonLock` left by a Chromium that is no longer running (a zombie no one
/// reaped counts as gone). A lock whose owner process is alive is left alone: two browsers on
/// one profile corrupt it.
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
        .is_some_and(|pid| process::is_alive(pid as i32) && is_chromium(pid));
    if owner_alive {
        tracing::warn!(profile = %profile.display(), "browser lock held by a running Chromium, keeping it");
        return;
    }
    tracing::warn!(profile = %profile.display(), "Browser lock file exists, removing");
    for name in ["SingletonLock", "SingletonCookie", "SingletonSocket"] {
        let _ = std::fs::remove_file(profile.join(name));
    }
}

/// A live Chromium process. A zombie (killed, not yet reaped by a PID 1 that does not reap,
/// e.g. after the daemon itself was SIGKILLed) still has its /proc entry but holds no profile.
fn is_chromium(pid: u32) -> bool {
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // "<pid> (<comm>) <state> ...": the state follows the last ')'.
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']))
    });
    !zombie
        && std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim().starts_with("chrom"))
}

/// Closes the browser and waits for its process; kills the whole tree if it does not exit in
/// time, and in any case ends what is left of its process group (zygote, renderers).
pub async fn shutdown(mut browser: Browser, process: ChromiumProcess) {
    if !process.has_exited() {
        let _ = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
        if !process.wait_exit(Duration::from_secs(5)).await {
            tracing::warn!(
                pid = process.pid(),
                "Chromium did not close in time, killing it"
            );
        }
    }
    process.kill_tree();
    let _ = process.wait_exit(Duration::from_secs(5)).await;
}

#[cfg(test)]
mod tests {
    use super::{chromium_args, insecure_origin};
    use crate::config::Config;

    #[test]
    fn the_command_line_carries_profile_headless_proxy_and_no_doubled_dashes() {
        let vars = [
            ("WHATSAPP_WEB_URL", "http://wa-sim:8585/"),
            ("PROXY_URL", "http://proxy:3128"),
            ("CHROME_BIN", "/usr/bin/chromium"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = Config::from_map(&vars).unwrap();
        let args = chromium_args(&config, std::path::Path::new("/data/session-a"));
        for expected in [
            "--user-data-dir=/data/session-a",
            "--remote-debugging-port=0",
            "--headless=new",
            "--disable-gpu",
            "--proxy-server=http://proxy:3128",
            "--proxy-bypass-list=<-loopback>",
            "--unsafely-treat-insecure-origin-as-secure=http://wa-sim:8585",
        ] {
            assert!(args.iter().any(|a| a == expected), "{expected} in {args:?}");
        }
        assert!(args.iter().all(|a| !a.starts_with("---")), "{args:?}");
        assert_eq!(
            args.iter()
                .filter(|a| a.starts_with("--disable-features="))
                .count(),
            1,
            "one --disable-features switch (Chromium keeps only one)"
        );
        assert_eq!(args.last().map(String::as_str), Some("about:blank"));

        let vars = [("CHROME_BIN", "/usr/bin/chromium-headless-shell")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let shell = chromium_args(
            &Config::from_map(&vars).unwrap(),
            std::path::Path::new("/p"),
        );
        assert!(shell.iter().any(|a| a == "--headless"), "{shell:?}");
        assert!(!shell.iter().any(|a| a == "--headless=new"), "{shell:?}");
    }

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
