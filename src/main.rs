//! The wa-gateway daemon: configuration, logging, then serve until SIGTERM or SIGINT.
//! `wa-gateway healthcheck` checks a running daemon's /ping (for container health checks).

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use wa_gateway::Gateway;
use wa_gateway::config::{Config, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("wa-gateway: {err}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return healthcheck(&config).await;
    }
    init_logging(&config);
    if config.enable_webhook && config.base_webhook_url.is_none() {
        tracing::error!(
            "BASE_WEBHOOK_URL environment variable is not set. Exiting... (or set ENABLE_WEBHOOK=false)"
        );
        return ExitCode::FAILURE;
    }
    if config.api_key.is_none() {
        tracing::warn!(
            "API_KEY is not set: anyone who can reach port {} controls every WhatsApp session. \
             Set API_KEY to a long random value (e.g. `openssl rand -hex 32`).",
            config.port
        );
    }
    let config_summary = config.clone();
    let gateway = match Gateway::bind(config).await {
        Ok(gateway) => gateway,
        Err(err) => {
            tracing::error!(error = %err, "cannot start (bind the HTTP port PORT, or reach CLUSTER_REDIS_URL)");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = gateway.local_addr() {
        tracing::info!("Server running on port {}", addr.port());
        // A stable line for scripts and tests, whatever the log format.
        println!("wa-gateway listening on http://{addr}");
        print_next_steps(&config_summary, addr.port());
    }
    match gateway.serve(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server error");
            ExitCode::FAILURE
        }
    }
}

/// Where to go next, for a person reading the terminal.
fn print_next_steps(config: &Config, port: u16) {
    let base = format!("http://localhost:{port}{}", config.base_path);
    if config.first_run_defaults {
        println!(
            "  first run: no .env found, using the defaults of .env.example (cp .env.example .env to change them)"
        );
    }
    if config.enable_web_ui {
        println!("  dashboard: {base}/dashboard/");
    }
    if config.enable_swagger {
        println!("  API docs:  {base}/api-docs/");
    }
    match &config.api_key {
        Some(_) => println!("  API key:   set (send it as the x-api-key header)"),
        None => println!(
            "  API key:   NOT SET, the API is open to anyone who reaches this port (set API_KEY)"
        ),
    }
    match &config.base_webhook_url {
        Some(url) if config.enable_webhook => {
            let log = config.sessions_path.join("message_log.txt");
            if config.enable_local_callback_example && url.ends_with("/localCallbackExample") {
                println!(
                    "  webhooks:  {url} (the local callback example logs them to {})",
                    log.display()
                );
            } else {
                println!("  webhooks:  {url}");
            }
        }
        _ => println!("  webhooks:  off"),
    }
}

fn init_logging(config: &Config) {
    // chromiumoxide is noisy about CDP messages newer than its types; opt in by naming it.
    let directives = if config.log_level.contains("chromiumoxide") {
        config.log_level.clone()
    } else {
        format!("{},chromiumoxide=off", config.log_level)
    };
    let filter =
        EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info,chromiumoxide=off"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

async fn healthcheck(config: &Config) -> ExitCode {
    let url = format!("http://127.0.0.1:{}{}/ping", config.port, config.base_path);
    let ok = async { reqwest::get(&url).await.ok()?.error_for_status().ok() };
    match tokio::time::timeout(std::time::Duration::from_secs(5), ok).await {
        Ok(Some(_)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
