//! Configuration: every environment variable of wwebjs-api, with its exact default and parsing,
//! plus wa-gateway's own extensions. Parsed once at start; a bad value stops the daemon with a
//! message naming the variable.
//!
//! wwebjs-api parses its variables with three idioms, kept here so that a `.env` written for it
//! means the same thing to us:
//! - [`flag_default_false`]: `(X || '').toLowerCase() === 'true'`
//! - [`flag_with_default`]: unset/empty gives the default, anything else is `== 'true'`
//! - [`int_or_default`]: `parseInt(X) || default` (leading digits; `0`/garbage gives the default)

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Debian's full Chromium.
pub const FULL_CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's `chromium-headless-shell` (the binary: its /usr/bin wrapper forks a shell instead of
/// exec'ing, which would keep the death signal to itself): the default while HEADLESS is on.
pub const HEADLESS_SHELL: &str = "/usr/lib/chromium/chromium-headless-shell";
const HEADLESS_SHELL_WRAPPER: &str = "/usr/bin/chromium-headless-shell";
use std::time::Duration;

/// A configuration error that names the offending variable.
#[derive(Debug)]
pub struct ConfigError {
    pub variable: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// How the WhatsApp Web page itself is cached (wwebjs `webVersionCache`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebVersionCache {
    None,
    Local,
    Remote,
}

/// Log output format (`LOG_FORMAT`, ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The whole configuration. Field docs name the variable each comes from.
#[derive(Clone)]
pub struct Config {
    /// `PORT` (3000). 0 picks a free port (tests).
    pub port: u16,
    /// `SESSIONS_PATH` (./sessions): profile dirs `session-<id>` live here.
    pub sessions_path: PathBuf,
    /// `API_KEY`: empty or unset disables authentication, as in wwebjs-api.
    pub api_key: Option<String>,
    /// `BASE_WEBHOOK_URL`.
    pub base_webhook_url: Option<String>,
    /// `ENABLE_WEBHOOK` (true).
    pub enable_webhook: bool,
    /// `ENABLE_WEBSOCKET` (false).
    pub enable_websocket: bool,
    /// `DISABLED_CALLBACKS`: `|`-separated exact event names.
    pub disabled_callbacks: Vec<String>,
    /// `MAX_ATTACHMENT_SIZE` (10_000_000): body limit is this + 1 MB; `media` events below it.
    pub max_attachment_size: u64,
    /// `SET_MESSAGES_AS_SEEN` (false).
    pub set_messages_as_seen: bool,
    /// `ENABLE_SWAGGER_ENDPOINT` (false).
    pub enable_swagger: bool,
    /// `ENABLE_WEB_UI` (false).
    pub enable_web_ui: bool,
    /// `ENABLE_LOCAL_CALLBACK_EXAMPLE` (false).
    pub enable_local_callback_example: bool,
    /// `WEB_VERSION`: pins the WhatsApp Web version when a cache is configured.
    pub web_version: Option<String>,
    /// `WEB_VERSION_CACHE_TYPE` (none): only meaningful with `WEB_VERSION`.
    pub web_version_cache: WebVersionCache,
    /// `RATE_LIMIT_MAX` (1000) requests per `RATE_LIMIT_WINDOW_MS` (1000) per client IP.
    pub rate_limit_max: u32,
    pub rate_limit_window: Duration,
    /// `RECOVER_SESSIONS` (false): restart a session whose browser or page died.
    pub recover_sessions: bool,
    /// `CHROME_BIN`; unset: Debian's headless shell while HEADLESS is on and it is installed,
    /// else /usr/bin/chromium (see [`Config::chrome_path`]).
    pub chrome_bin: Option<PathBuf>,
    /// `HEADLESS` (true).
    pub headless: bool,
    /// `RELEASE_BROWSER_LOCK` (true): remove a stale `SingletonLock` before launching.
    pub release_browser_lock: bool,
    /// `LOG_LEVEL` (info).
    pub log_level: String,
    /// `AUTO_START_SESSIONS` (true): restore every `session-*` folder at boot.
    pub auto_start_sessions: bool,
    /// `BASE_PATH` (/), normalised to "" for the root or "/x/y" without a trailing slash.
    pub base_path: String,
    /// `TRUST_PROXY` (false): take the client IP from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// `PROXY_URL`, `PROXY_USERNAME`, `PROXY_PASSWORD`.
    pub proxy_url: Option<String>,
    pub proxy_username: Option<String>,
    pub proxy_password: Option<String>,
    /// `ALLOWED_ORIGINS`: comma-separated, trimmed. Unset: browsers on other origins are refused
    /// (same-origin pages such as the dashboard work); `*` allows every origin without credentials.
    pub allowed_origins: Option<Vec<String>>,
    /// `<ID>_WEBHOOK_URL` overrides, keyed by the upper-cased session id.
    pub session_webhook_urls: HashMap<String, String>,
    /// `WHATSAPP_WEB_URL` (https://web.whatsapp.com/), ours: where the browser goes.
    pub whatsapp_web_url: String,
    /// `LOG_FORMAT` (text|json), ours.
    pub log_format: LogFormat,
    /// `WEBHOOK_TIMEOUT_MS` (10000), ours: per delivery attempt.
    pub webhook_timeout: Duration,
    /// `WEBHOOK_MAX_RETRIES` (unset: no cap), ours: retries after the first attempt before a
    /// delivery is dead-lettered; without it only `WEBHOOK_MAX_AGE_S` ends retrying.
    pub webhook_max_retries: Option<u32>,
    /// `WEBHOOK_MAX_AGE_S` (86400), ours: retrying stops (dead letter) once an event is this
    /// old; delivered events stay this long for WebSocket resume.
    pub webhook_max_age: Duration,
    /// `WEBHOOK_RETRY_BASE_MS` (1000), ours: the first pause between attempts, doubled each time.
    pub webhook_retry_base: Duration,
    /// `WEBHOOK_RETRY_MAX_MS` (300000), ours: the longest pause between attempts.
    pub webhook_retry_max: Duration,
    /// `WEBHOOK_MAX_DISK_MB` (1024), ours: payload bytes the outbox may hold.
    pub webhook_max_disk_bytes: u64,
    /// `WEBHOOK_SECRET`, ours: the Standard Webhooks HMAC key (`whsec_<base64>` or plain text).
    pub webhook_secret: Option<Vec<u8>>,
    /// `WEBHOOK_SEND_API_KEY` (true), ours: send `x-api-key: <API_KEY>` to webhooks.
    pub webhook_send_api_key: bool,
    /// `SHUTDOWN_TIMEOUT_MS` (10000), ours: deadline to flush webhooks at shutdown.
    pub shutdown_timeout: Duration,
    /// `MEDIA_FETCH_ALLOW_PRIVATE` (false), ours: let MessageMediaFromURL reach private addresses.
    pub media_fetch_allow_private: bool,
    /// `MEDIA_FETCH_TIMEOUT_MS` (15000), ours.
    pub media_fetch_timeout: Duration,
    /// `SESSION_START_CONCURRENCY` (twice the CPUs, 2 to 8), ours: sessions restored at once at
    /// boot. A launch waits mostly on Chromium and the page, so a little more than the cores.
    pub session_start_concurrency: usize,
    /// `RECOVER_MAX_ATTEMPTS` (5), ours: recovery attempts before giving up on a session.
    pub recover_max_attempts: u32,
    /// `MAX_SESSIONS` (unset: no cap), ours: sessions in memory at once; a start above it is
    /// refused.
    pub max_sessions: Option<usize>,
    /// `WATCHDOG_INTERVAL_MS` (5000), ours: how often each session's page is asked for a
    /// heartbeat; also how long the pushed socket state is trusted without word from the page.
    pub watchdog_interval: Duration,
    /// `WATCHDOG_TIMEOUT_MS` (10000), ours: a heartbeat slower than this is a hung page.
    pub watchdog_timeout: Duration,
    /// `WATCHDOG_STUCK_MS` (180000), ours: a ready session out of CONNECTED this long is
    /// reloaded.
    pub watchdog_stuck: Duration,
    /// `MEDIA_DOWNLOAD_CONCURRENCY` (4), ours: incoming media downloaded at once (all sessions).
    pub media_download_concurrency: usize,
    /// Cluster mode (ours): on when `CLUSTER_REDIS_URL` is set, off (a single node) otherwise.
    pub cluster: Option<ClusterConfig>,
    /// Whether [`FIRST_RUN_DEFAULTS`] filled in the configuration (no .env, no webhook settings).
    pub first_run_defaults: bool,
}

/// What a first run gets when there is no .env and webhooks are neither configured nor switched
/// on or off explicitly (wwebjs-api would exit then): the settings of wwebjs-api's own
/// `.env.example`, events go to the local callback example, with the dashboard and the API docs.
/// Never overrides a variable that is set. `BASE_WEBHOOK_URL` follows `PORT` and `BASE_PATH`.
pub const FIRST_RUN_DEFAULTS: &[(&str, &str)] = &[
    ("ENABLE_LOCAL_CALLBACK_EXAMPLE", "TRUE"),
    ("ENABLE_WEB_UI", "TRUE"),
    ("ENABLE_SWAGGER_ENDPOINT", "TRUE"),
];

/// Fills in [`FIRST_RUN_DEFAULTS`] when they apply; says whether they did.
fn apply_first_run_defaults(vars: &mut HashMap<String, String>) -> bool {
    let set = |name: &str| vars.get(name).is_some_and(|v| !v.trim().is_empty());
    if set("ENABLE_WEBHOOK") || set("BASE_WEBHOOK_URL") {
        return false;
    }
    for (name, value) in FIRST_RUN_DEFAULTS {
        vars.entry((*name).to_owned())
            .or_insert_with(|| (*value).to_owned());
    }
    let port = vars
        .get("PORT")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty() && *p != "0")
        .unwrap_or("3000");
    let base_path =
        normalise_base_path(vars.get("BASE_PATH").map(String::as_str)).unwrap_or_default();
    let url = format!("http://localhost:{port}{base_path}/localCallbackExample");
    vars.insert("BASE_WEBHOOK_URL".to_owned(), url);
    true
}

/// Cluster mode: sessions placed on nodes by leases in Redis.
#[derive(Clone)]
pub struct ClusterConfig {
    /// `CLUSTER_REDIS_URL`: `redis://[:password@]host:port[/db]`.
    pub redis_url: String,
    /// `NODE_ID` (default `HOSTNAME`): this node's name, `^[\w-]+$`, unique in the cluster.
    pub node_id: String,
    /// `NODE_URL`: how the other nodes reach this one (`http://host:port`, without BASE_PATH).
    pub node_url: String,
    /// `CLUSTER_LEASE_TTL_MS` (15000): a session's lease lives this long unless renewed; it is
    /// renewed every third of it, and a node that could not renew for half of it stops the
    /// browser, well before another node may take the lease.
    pub lease_ttl: Duration,
}

impl ClusterConfig {
    /// How often a held lease is renewed.
    pub fn renew_interval(&self) -> Duration {
        self.lease_ttl / 3
    }

    /// A lease not renewed for this long (from the start of the last successful renew) is
    /// given up: the browser is stopped while the lease still has half its life left.
    pub fn renew_deadline(&self) -> Duration {
        self.lease_ttl / 2
    }
}

impl fmt::Debug for ClusterConfig {
    // The Redis URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("node_id", &self.node_id)
            .field("node_url", &self.node_url)
            .field("lease_ttl", &self.lease_ttl)
            .finish_non_exhaustive()
    }
}

/// Reads the cluster variables; `None` when `CLUSTER_REDIS_URL` is unset or empty.
fn cluster_config(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ClusterConfig>, ConfigError> {
    let bad = |variable: &str, message: String| ConfigError {
        variable: variable.into(),
        message,
    };
    let Some(redis_url) = get("CLUSTER_REDIS_URL")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if !(redis_url.starts_with("redis://") || redis_url.starts_with("rediss://")) {
        return Err(bad(
            "CLUSTER_REDIS_URL",
            "is not a redis:// or rediss:// URL".into(),
        ));
    }
    let node_id = get("NODE_ID")
        .or_else(|| get("HOSTNAME"))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("NODE_ID", "is required in cluster mode".into()))?;
    if !node_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(bad(
            "NODE_ID",
            format!("{node_id:?} may hold only letters, digits, _ and -"),
        ));
    }
    let node_url = get("NODE_URL")
        .map(|v| v.trim().trim_end_matches('/').to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("NODE_URL", "is required in cluster mode".into()))?;
    if !(node_url.starts_with("http://") || node_url.starts_with("https://")) {
        return Err(bad(
            "NODE_URL",
            format!("{node_url:?} is not an http(s) URL"),
        ));
    }
    let lease_ttl = match get("CLUSTER_LEASE_TTL_MS").filter(|v| !v.trim().is_empty()) {
        None => Duration::from_secs(15),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(ms) if ms >= 1000 => Duration::from_millis(ms),
            _ => {
                return Err(bad(
                    "CLUSTER_LEASE_TTL_MS",
                    format!("{v:?} is not a duration of at least 1000 ms"),
                ));
            }
        },
    };
    Ok(Some(ClusterConfig {
        redis_url,
        node_id,
        node_url,
        lease_ttl,
    }))
}

impl fmt::Debug for Config {
    // Hand-written so the API key and proxy password never reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("port", &self.port)
            .field("sessions_path", &self.sessions_path)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("base_webhook_url", &self.base_webhook_url)
            .field("enable_webhook", &self.enable_webhook)
            .field("enable_websocket", &self.enable_websocket)
            .field("base_path", &self.base_path)
            .field("whatsapp_web_url", &self.whatsapp_web_url)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<set>"),
            )
            .finish_non_exhaustive()
    }
}

/// `(X || '').toLowerCase() === 'true'`
fn flag_default_false(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `X ? X.toLowerCase() === 'true' : default`
fn flag_with_default(value: Option<&str>, default: bool) -> bool {
    match value {
        Some(v) if !v.is_empty() => v.eq_ignore_ascii_case("true"),
        _ => default,
    }
}

/// `parseInt(X) || default`: leading whitespace and sign allowed, then leading digits.
fn int_or_default(value: Option<&str>, default: i64) -> i64 {
    let Some(v) = value else { return default };
    let v = v.trim_start();
    let (sign, digits) = match v.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, v.strip_prefix('+').unwrap_or(v)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    match digits[..end].parse::<i64>() {
        Ok(0) | Err(_) => default,
        Ok(n) => sign * n,
    }
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Normalise `BASE_PATH` to "" (root) or "/a/b" without a trailing slash.
fn normalise_base_path(raw: Option<&str>) -> Result<String, ConfigError> {
    let raw = raw.unwrap_or("").trim();
    let trimmed = raw.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let path = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    if path.contains(['?', '#', ' ']) {
        return Err(ConfigError {
            variable: "BASE_PATH".into(),
            message: format!("{raw:?} is not a URL path"),
        });
    }
    Ok(path)
}

/// Twice the CPUs, from 2 to 8: restoring 20 sessions on 2 cores took 9.1 s at 2 at once and
/// 8.1 s at 4 (gateway_bench).
fn default_start_concurrency() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus * 2).clamp(2, 8)
}

impl Config {
    /// Reads `.env` (or `ENV_PATH`) like dotenv (never overriding the real environment), then
    /// the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env_path = std::env::var("ENV_PATH").unwrap_or_else(|_| ".env".into());
        // A missing .env is normal (first run); a malformed one is worth stopping for.
        let found = match dotenvy::from_path(&env_path) {
            Ok(()) => true,
            Err(e) if e.not_found() => false,
            Err(e) => {
                return Err(ConfigError {
                    variable: "ENV_PATH".into(),
                    message: format!("{env_path}: {e}"),
                });
            }
        };
        let mut vars: HashMap<String, String> = std::env::vars().collect();
        let first_run = !found && apply_first_run_defaults(&mut vars);
        Ok(Config {
            first_run_defaults: first_run,
            ..Self::from_map(&vars)?
        })
    }

    /// Builds the configuration from a map of variables (the environment, or a test's map).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).map(String::as_str);
        let bad = |variable: &str, message: String| ConfigError {
            variable: variable.into(),
            message,
        };

        let port = match get("PORT").filter(|v| !v.is_empty()) {
            None => 3000,
            Some(v) => v
                .trim()
                .parse::<u16>()
                .map_err(|_| bad("PORT", format!("{v:?} is not a port number (0-65535)")))?,
        };
        let web_version_cache = match get("WEB_VERSION_CACHE_TYPE")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("") | Some("none") => WebVersionCache::None,
            Some("local") => WebVersionCache::Local,
            Some("remote") => WebVersionCache::Remote,
            Some(other) => {
                return Err(bad(
                    "WEB_VERSION_CACHE_TYPE",
                    format!("{other:?} is not one of none, local, remote"),
                ));
            }
        };
        let log_format = match get("LOG_FORMAT").map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "LOG_FORMAT",
                    format!("{other:?} is not one of text, json"),
                ));
            }
        };
        let whatsapp_web_url = non_empty(get("WHATSAPP_WEB_URL"))
            .unwrap_or_else(|| "https://web.whatsapp.com/".into());
        if !(whatsapp_web_url.starts_with("http://") || whatsapp_web_url.starts_with("https://")) {
            return Err(bad(
                "WHATSAPP_WEB_URL",
                format!("{whatsapp_web_url:?} is not an http(s) URL"),
            ));
        }
        let millis = |name: &str, default: i64| {
            Duration::from_millis(int_or_default(get(name), default).max(1) as u64)
        };
        let positive = |name: &str, default: i64| int_or_default(get(name), default).max(1);

        let session_webhook_urls = vars
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_suffix("_WEBHOOK_URL")?;
                (id != "BASE" && !id.is_empty() && !v.is_empty())
                    .then(|| (id.to_owned(), v.clone()))
            })
            .collect();

        Ok(Config {
            port,
            sessions_path: PathBuf::from(
                non_empty(get("SESSIONS_PATH")).unwrap_or_else(|| "./sessions".into()),
            ),
            api_key: non_empty(get("API_KEY")),
            base_webhook_url: non_empty(get("BASE_WEBHOOK_URL")).map(|u| u.trim().to_owned()),
            enable_webhook: flag_with_default(get("ENABLE_WEBHOOK"), true),
            enable_websocket: flag_with_default(get("ENABLE_WEBSOCKET"), false),
            disabled_callbacks: get("DISABLED_CALLBACKS")
                .filter(|v| !v.is_empty())
                .map(|v| v.split('|').map(str::to_owned).collect())
                .unwrap_or_default(),
            max_attachment_size: positive("MAX_ATTACHMENT_SIZE", 10_000_000) as u64,
            set_messages_as_seen: flag_default_false(get("SET_MESSAGES_AS_SEEN")),
            enable_swagger: flag_default_false(get("ENABLE_SWAGGER_ENDPOINT")),
            enable_web_ui: flag_default_false(get("ENABLE_WEB_UI")),
            enable_local_callback_example: flag_default_false(get("ENABLE_LOCAL_CALLBACK_EXAMPLE")),
            web_version: non_empty(get("WEB_VERSION")),
            web_version_cache,
            rate_limit_max: positive("RATE_LIMIT_MAX", 1000).min(u32::MAX as i64) as u32,
            rate_limit_window: millis("RATE_LIMIT_WINDOW_MS", 1000),
            recover_sessions: flag_default_false(get("RECOVER_SESSIONS")),
            chrome_bin: non_empty(get("CHROME_BIN")).map(PathBuf::from),
            headless: flag_with_default(get("HEADLESS"), true),
            release_browser_lock: flag_with_default(get("RELEASE_BROWSER_LOCK"), true),
            log_level: non_empty(get("LOG_LEVEL")).unwrap_or_else(|| "info".into()),
            auto_start_sessions: flag_with_default(get("AUTO_START_SESSIONS"), true),
            base_path: normalise_base_path(get("BASE_PATH"))?,
            trust_proxy: flag_with_default(get("TRUST_PROXY"), false),
            proxy_url: non_empty(get("PROXY_URL")),
            proxy_username: get("PROXY_USERNAME").map(str::to_owned),
            proxy_password: get("PROXY_PASSWORD").map(str::to_owned),
            allowed_origins: non_empty(get("ALLOWED_ORIGINS")).map(|v| {
                v.split(',')
                    .map(|o| o.trim().to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            }),
            session_webhook_urls,
            whatsapp_web_url,
            log_format,
            webhook_timeout: millis("WEBHOOK_TIMEOUT_MS", 10_000),
            // Ours, so 0 means 0 (no retry) rather than wwebjs-api's "0 means default".
            webhook_max_retries: match get("WEBHOOK_MAX_RETRIES").filter(|v| !v.trim().is_empty()) {
                None => None,
                Some(v) => Some(
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| bad("WEBHOOK_MAX_RETRIES", format!("{v:?} is not a count")))?,
                ),
            },
            webhook_max_age: Duration::from_secs(positive("WEBHOOK_MAX_AGE_S", 86_400) as u64),
            webhook_retry_base: millis("WEBHOOK_RETRY_BASE_MS", 1000),
            webhook_retry_max: millis("WEBHOOK_RETRY_MAX_MS", 300_000),
            webhook_max_disk_bytes: (positive("WEBHOOK_MAX_DISK_MB", 1024) as u64)
                .saturating_mul(1024 * 1024),
            webhook_secret: match non_empty(get("WEBHOOK_SECRET")) {
                None => None,
                Some(raw) => Some(
                    crate::events::signing::parse_secret(&raw)
                        .map_err(|e| bad("WEBHOOK_SECRET", e))?,
                ),
            },
            webhook_send_api_key: flag_with_default(get("WEBHOOK_SEND_API_KEY"), true),
            shutdown_timeout: millis("SHUTDOWN_TIMEOUT_MS", 10_000),
            media_fetch_allow_private: flag_default_false(get("MEDIA_FETCH_ALLOW_PRIVATE")),
            media_fetch_timeout: millis("MEDIA_FETCH_TIMEOUT_MS", 15_000),
            session_start_concurrency: positive(
                "SESSION_START_CONCURRENCY",
                default_start_concurrency() as i64,
            ) as usize,
            recover_max_attempts: positive("RECOVER_MAX_ATTEMPTS", 5) as u32,
            max_sessions: match get("MAX_SESSIONS").map(str::trim).filter(|v| !v.is_empty()) {
                None => None,
                Some(v) => Some(v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    bad("MAX_SESSIONS", format!("{v:?} is not a positive count"))
                })?),
            },
            watchdog_interval: millis("WATCHDOG_INTERVAL_MS", 5_000),
            watchdog_timeout: millis("WATCHDOG_TIMEOUT_MS", 10_000),
            watchdog_stuck: millis("WATCHDOG_STUCK_MS", 180_000),
            media_download_concurrency: positive("MEDIA_DOWNLOAD_CONCURRENCY", 4) as usize,
            cluster: cluster_config(&|name| get(name).map(str::to_owned))?,
            first_run_defaults: false,
        })
    }

    /// The webhook URL of a session: `<ID>_WEBHOOK_URL`, else `BASE_WEBHOOK_URL`.
    pub fn webhook_url_for(&self, session_id: &str) -> Option<String> {
        if !self.enable_webhook {
            return None;
        }
        self.session_webhook_urls
            .get(&session_id.to_uppercase())
            .cloned()
            .or_else(|| self.base_webhook_url.clone())
    }

    /// Whether an event (by wwebjs-api dataType name) is enabled.
    pub fn callback_enabled(&self, event: &str) -> bool {
        !self.disabled_callbacks.iter().any(|d| d == event)
    }

    /// Where the webhook outbox lives: SESSIONS_PATH on a single node. In cluster mode the
    /// nodes share SESSIONS_PATH, and SQLite must never be written by two nodes at once, so each
    /// node has its own, named by NODE_ID (a node restarted under its name resumes it).
    pub fn outbox_dir(&self) -> PathBuf {
        match &self.cluster {
            None => self.sessions_path.clone(),
            Some(cluster) => self
                .sessions_path
                .join(format!("outbox-{}", cluster.node_id)),
        }
    }

    /// Whether ALLOWED_ORIGINS is `*` (every origin, without credentials).
    pub fn any_origin_allowed(&self) -> bool {
        self.allowed_origins
            .as_ref()
            .is_some_and(|list| list.iter().any(|o| o == "*"))
    }

    /// Whether a browser page of `origin` may call the API (ALLOWED_ORIGINS, exact match).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.any_origin_allowed()
            || self
                .allowed_origins
                .as_ref()
                .is_some_and(|list| list.iter().any(|o| o == origin))
    }

    /// Chromium executable.
    /// The browser to launch: CHROME_BIN, else, headless, the "headless shell" (Chromium's old
    /// headless mode as its own binary: measured at about half the memory and fewer processes
    /// per session than the full browser's new headless mode), else the full browser.
    pub fn chrome_path(&self) -> PathBuf {
        if let Some(bin) = &self.chrome_bin {
            if bin == Path::new(HEADLESS_SHELL_WRAPPER) && Path::new(HEADLESS_SHELL).exists() {
                return PathBuf::from(HEADLESS_SHELL);
            }
            return bin.clone();
        }
        let shell = Path::new(HEADLESS_SHELL);
        if self.headless && shell.exists() {
            shell.to_path_buf()
        } else {
            PathBuf::from(FULL_CHROMIUM)
        }
    }

    /// Request body limit: `MAX_ATTACHMENT_SIZE` + 1 MB, as wwebjs-api.
    pub fn body_limit(&self) -> usize {
        (self.max_attachment_size + 1_000_000) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_map(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_match_wwebjs_api() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 3000);
        assert!(c.enable_webhook && !c.enable_websocket && c.auto_start_sessions && c.headless);
        assert!(c.release_browser_lock && !c.recover_sessions && !c.trust_proxy);
        assert_eq!(c.max_attachment_size, 10_000_000);
        assert_eq!(c.rate_limit_max, 1000);
        assert_eq!(c.base_path, "");
        assert_eq!(c.whatsapp_web_url, "https://web.whatsapp.com/");
        assert_eq!(c.api_key, None);
    }

    #[test]
    fn parsing_idioms_follow_wwebjs_api() {
        let c = config(&[
            ("ENABLE_WEBHOOK", "yes"),
            ("ENABLE_WEB_UI", "TRUE"),
            ("MAX_ATTACHMENT_SIZE", "5MB"),
            ("RATE_LIMIT_MAX", "0"),
            ("BASE_PATH", "api/v1/"),
            ("DISABLED_CALLBACKS", "message_ack|unread_count"),
            ("DEMO_WEBHOOK_URL", "http://x/hook"),
            ("BASE_WEBHOOK_URL", "http://base/ "),
        ])
        .unwrap();
        assert!(!c.enable_webhook, "any value but true is false");
        assert!(c.enable_web_ui);
        assert_eq!(c.max_attachment_size, 5, "parseInt takes leading digits");
        assert_eq!(c.rate_limit_max, 1000, "0 falls back to the default");
        assert_eq!(c.base_path, "/api/v1");
        assert!(!c.callback_enabled("unread_count") && c.callback_enabled("message"));
        let c = Config {
            enable_webhook: true,
            ..c
        };
        assert_eq!(c.webhook_url_for("demo").as_deref(), Some("http://x/hook"));
        assert_eq!(c.webhook_url_for("other").as_deref(), Some("http://base/"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(config(&[("PORT", "abc")]).unwrap_err().variable, "PORT");
        assert_eq!(
            config(&[("WEB_VERSION_CACHE_TYPE", "disk")])
                .unwrap_err()
                .variable,
            "WEB_VERSION_CACHE_TYPE"
        );
        assert_eq!(
            config(&[("WHATSAPP_WEB_URL", "ftp://x")])
                .unwrap_err()
                .variable,
            "WHATSAPP_WEB_URL"
        );
    }

    #[test]
    fn allowed_origins_are_trimmed_and_star_means_any() {
        let c = config(&[("ALLOWED_ORIGINS", "https://a.example, https://b.example ,")]).unwrap();
        assert_eq!(
            c.allowed_origins.as_deref(),
            Some(
                &[
                    "https://a.example".to_owned(),
                    "https://b.example".to_owned()
                ][..]
            )
        );
        assert!(c.origin_allowed("https://b.example") && !c.origin_allowed("https://c.example"));
        assert!(!c.any_origin_allowed());
        let any = config(&[("ALLOWED_ORIGINS", "*")]).unwrap();
        assert!(any.any_origin_allowed() && any.origin_allowed("https://c.example"));
        let unset = config(&[]).unwrap();
        assert!(!unset.any_origin_allowed() && !unset.origin_allowed("https://c.example"));
    }

    fn with_first_run(pairs: &[(&str, &str)]) -> (bool, Config) {
        let mut vars = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let applied = apply_first_run_defaults(&mut vars);
        (applied, Config::from_map(&vars).unwrap())
    }

    #[test]
    fn first_run_sends_webhooks_to_the_local_callback_example() {
        let (applied, c) = with_first_run(&[]);
        assert!(applied);
        assert_eq!(
            c.webhook_url_for("demo").as_deref(),
            Some("http://localhost:3000/localCallbackExample")
        );
        assert!(c.enable_local_callback_example && c.enable_web_ui && c.enable_swagger);
        let (_, c) = with_first_run(&[
            ("PORT", "8080"),
            ("BASE_PATH", "api"),
            ("ENABLE_WEB_UI", "false"),
        ]);
        assert_eq!(
            c.base_webhook_url.as_deref(),
            Some("http://localhost:8080/api/localCallbackExample")
        );
        assert!(!c.enable_web_ui, "a set variable wins");
    }

    #[test]
    fn first_run_defaults_stay_out_of_an_explicit_webhook_setup() {
        let (applied, c) = with_first_run(&[("ENABLE_WEBHOOK", "TRUE")]);
        assert!(!applied, "wwebjs-api's exit without a URL is kept");
        assert!(c.enable_webhook && c.base_webhook_url.is_none());
        let (applied, _) = with_first_run(&[("ENABLE_WEBHOOK", "false")]);
        assert!(!applied);
        let (applied, c) = with_first_run(&[("BASE_WEBHOOK_URL", "https://hooks.example/x")]);
        assert!(!applied && !c.enable_web_ui);
    }

    #[test]
    fn env_example_works_unedited() {
        let vars: HashMap<String, String> =
            dotenvy::from_read_iter(include_str!("../.env.example").as_bytes())
                .map(|item| item.unwrap())
                .collect();
        let c = Config::from_map(&vars).unwrap();
        assert!(c.enable_webhook);
        assert_eq!(
            c.base_webhook_url.as_deref(),
            Some("http://localhost:3000/localCallbackExample")
        );
        assert!(c.enable_local_callback_example && c.enable_web_ui && c.enable_swagger);
    }

    #[test]
    fn supervision_settings() {
        let c = config(&[]).unwrap();
        assert_eq!(c.max_sessions, None, "no cap by default, as wwebjs-api");
        assert_eq!(c.watchdog_interval, Duration::from_secs(5));
        assert_eq!(c.watchdog_timeout, Duration::from_secs(10));
        assert_eq!(c.watchdog_stuck, Duration::from_secs(180));
        assert_eq!(c.media_download_concurrency, 4);
        let c = config(&[
            ("MAX_SESSIONS", " 3 "),
            ("WATCHDOG_INTERVAL_MS", "500"),
            ("WATCHDOG_TIMEOUT_MS", "2000"),
            ("MEDIA_DOWNLOAD_CONCURRENCY", "0"),
        ])
        .unwrap();
        assert_eq!(c.max_sessions, Some(3));
        assert_eq!(c.watchdog_interval, Duration::from_millis(500));
        assert_eq!(c.watchdog_timeout, Duration::from_secs(2));
        assert_eq!(
            c.media_download_concurrency, 4,
            "0 falls back to the default"
        );
        assert_eq!(config(&[("MAX_SESSIONS", "")]).unwrap().max_sessions, None);
        for bad in ["0", "-1", "many"] {
            assert_eq!(
                config(&[("MAX_SESSIONS", bad)]).unwrap_err().variable,
                "MAX_SESSIONS"
            );
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = config(&[("API_KEY", "super-secret"), ("WEBHOOK_SECRET", "hush-hush")]).unwrap();
        assert!(!format!("{c:?}").contains("super-secret"));
        assert!(!format!("{c:?}").contains("hush"));
    }

    #[test]
    fn outbox_settings() {
        let c = config(&[]).unwrap();
        assert_eq!(c.webhook_max_retries, None, "no cap unless set");
        assert_eq!(c.webhook_max_age, Duration::from_secs(86_400));
        assert_eq!(c.webhook_retry_base, Duration::from_millis(1000));
        assert_eq!(c.webhook_retry_max, Duration::from_millis(300_000));
        assert_eq!(c.webhook_max_disk_bytes, 1024 * 1024 * 1024);
        assert!(c.webhook_secret.is_none() && c.webhook_send_api_key);
        let c = config(&[
            ("WEBHOOK_MAX_RETRIES", "0"),
            ("WEBHOOK_MAX_AGE_S", "60"),
            ("WEBHOOK_RETRY_BASE_MS", "50"),
            ("WEBHOOK_RETRY_MAX_MS", "400"),
            ("WEBHOOK_MAX_DISK_MB", "2"),
            ("WEBHOOK_SECRET", "whsec_c2VjcmV0"),
            ("WEBHOOK_SEND_API_KEY", "FALSE"),
        ])
        .unwrap();
        assert_eq!(c.webhook_max_retries, Some(0), "0 means no retry");
        assert_eq!(c.webhook_max_age, Duration::from_secs(60));
        assert_eq!(c.webhook_retry_base, Duration::from_millis(50));
        assert_eq!(c.webhook_retry_max, Duration::from_millis(400));
        assert_eq!(c.webhook_max_disk_bytes, 2 * 1024 * 1024);
        assert_eq!(c.webhook_secret.as_deref(), Some(&b"secret"[..]));
        assert!(!c.webhook_send_api_key);
        assert_eq!(
            config(&[("WEBHOOK_SECRET", "whsec_!!")])
                .unwrap_err()
                .variable,
            "WEBHOOK_SECRET"
        );
        assert_eq!(
            config(&[("WEBHOOK_MAX_RETRIES", "many")])
                .unwrap_err()
                .variable,
            "WEBHOOK_MAX_RETRIES"
        );
    }

    #[test]
    fn cluster_debug_output_hides_the_redis_password() {
        let c = config(&[
            ("CLUSTER_REDIS_URL", "redis://:hunter2@redis:6379"),
            ("NODE_ID", "a"),
            ("NODE_URL", "http://a:3000"),
        ])
        .unwrap();
        assert!(!format!("{:?}", c.cluster).contains("hunter2"));
    }

    #[test]
    fn cluster_mode_is_off_unless_a_redis_url_is_given() {
        assert!(config(&[]).unwrap().cluster.is_none());
        assert!(
            config(&[("CLUSTER_REDIS_URL", " "), ("NODE_ID", "a")])
                .unwrap()
                .cluster
                .is_none()
        );
        let c = config(&[
            ("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/0"),
            ("HOSTNAME", "gw-1"),
            ("NODE_URL", "http://10.0.0.5:3000/"),
        ])
        .unwrap()
        .cluster
        .unwrap();
        assert_eq!(
            c.node_id, "gw-1",
            "NODE_ID defaults to HOSTNAME (StatefulSet pods)"
        );
        assert_eq!(c.node_url, "http://10.0.0.5:3000");
        assert_eq!(c.lease_ttl, Duration::from_secs(15));
        assert!(c.renew_interval() < c.renew_deadline() && c.renew_deadline() < c.lease_ttl);
        let c = config(&[
            ("CLUSTER_REDIS_URL", "redis://r"),
            ("NODE_ID", "n2"),
            ("HOSTNAME", "ignored"),
            ("NODE_URL", "http://n2:3000"),
            ("CLUSTER_LEASE_TTL_MS", "6000"),
        ])
        .unwrap()
        .cluster
        .unwrap();
        assert_eq!(
            (c.node_id.as_str(), c.lease_ttl),
            ("n2", Duration::from_secs(6))
        );
    }

    #[test]
    fn each_node_has_an_outbox_of_its_own() {
        let single = config(&[("SESSIONS_PATH", "/data")]).unwrap();
        assert_eq!(single.outbox_dir(), PathBuf::from("/data"));
        let node = config(&[
            ("SESSIONS_PATH", "/data"),
            ("CLUSTER_REDIS_URL", "redis://r"),
            ("NODE_ID", "gw-2"),
            ("NODE_URL", "http://gw-2:3000"),
        ])
        .unwrap();
        assert_eq!(node.outbox_dir(), PathBuf::from("/data/outbox-gw-2"));
    }

    #[test]
    fn bad_cluster_values_name_the_variable() {
        let base = [("NODE_ID", "a"), ("NODE_URL", "http://a:3000")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![("CLUSTER_REDIS_URL", "redis://r")];
            pairs.extend(
                base.iter()
                    .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)),
            );
            pairs.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
            config(&pairs).unwrap_err().variable
        };
        assert_eq!(
            with(&[("CLUSTER_REDIS_URL", "http://r")]),
            "CLUSTER_REDIS_URL"
        );
        assert_eq!(with(&[("NODE_ID", "")]), "NODE_ID");
        assert_eq!(with(&[("NODE_ID", "a:b")]), "NODE_ID");
        assert_eq!(with(&[("NODE_URL", "")]), "NODE_URL");
        assert_eq!(with(&[("NODE_URL", "a:3000")]), "NODE_URL");
        assert_eq!(
            with(&[("CLUSTER_LEASE_TTL_MS", "500")]),
            "CLUSTER_LEASE_TTL_MS"
        );
        assert_eq!(
            with(&[("CLUSTER_LEASE_TTL_MS", "soon")]),
            "CLUSTER_LEASE_TTL_MS"
        );
    }
}
