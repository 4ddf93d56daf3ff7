//! PROXY_USERNAME / PROXY_PASSWORD: Chromium takes no credentials in `--proxy-server`, so the
//! page answers the proxy's 407 challenge over CDP (Fetch.enable with handleAuthRequests, then
//! Fetch.authRequired -> continueWithAuth), which chromiumoxide's `Page::authenticate` does.
//! Chromium caches the proxy credentials, so the page's WebSocket tunnels reuse them.

use chromiumoxide::Page;
use chromiumoxide::auth::Credentials;

use crate::config::Config;

/// Installs the proxy credentials on `page` when PROXY_URL and PROXY_USERNAME are set.
pub async fn install(page: &Page, config: &Config) -> Result<(), String> {
    let (Some(_), Some(username)) = (&config.proxy_url, &config.proxy_username) else {
        return Ok(());
    };
    if username.is_empty() {
        return Ok(());
    }
    let credentials = Credentials {
        username: username.clone(),
        password: config.proxy_password.clone().unwrap_or_default(),
    };
    page.authenticate(credentials)
        .await
        .map_err(|e| format!("cannot set the proxy credentials: {e}"))
}
