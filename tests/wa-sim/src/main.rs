//! `wa-sim [--host ADDR] [--port N]`: runs the simulator until Ctrl-C or SIGTERM (default
//! 127.0.0.1:8585; `--host 0.0.0.0` in a container).

use std::net::IpAddr;

use wa_sim::SimOptions;

const USAGE: &str = "usage: wa-sim [--host ADDR] [--port N]   (default 127.0.0.1:8585)";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "wa_sim=info".into()),
        )
        .init();
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sim = wa_sim::start_with(options).await;
    println!("wa-sim listening on {}", sim.url());
    shutdown_signal().await;
    sim.shutdown().await;
}

/// The options from the command line; `None` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<SimOptions>, String> {
    let mut options = SimOptions {
        port: 8585,
        ..SimOptions::default()
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--host" => {
                let value = args.next().ok_or("--host needs a value")?;
                options.host = value
                    .parse::<IpAddr>()
                    .map_err(|_| format!("bad host {value:?} (an IP address, e.g. 0.0.0.0)"))?;
            }
            "--port" | "-p" => {
                let value = args.next().ok_or("--port needs a value")?;
                options.port = value.parse().map_err(|_| format!("bad port {value:?}"))?;
            }
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

/// Ctrl-C, or SIGTERM from `docker stop` (the sim runs under tini, which forwards it).
async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<SimOptions>, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn defaults_to_loopback_on_8585() {
        let options = parse(&[]).unwrap().unwrap();
        assert_eq!(options.host.to_string(), "127.0.0.1");
        assert_eq!(options.port, 8585);
    }

    #[test]
    fn takes_host_and_port() {
        let options = parse(&["--host", "0.0.0.0", "--port", "9000"])
            .unwrap()
            .unwrap();
        assert_eq!(options.host.to_string(), "0.0.0.0");
        assert_eq!(options.port, 9000);
        let options = parse(&["--host", "::"]).unwrap().unwrap();
        assert_eq!(options.host.to_string(), "::");
    }

    #[test]
    fn refuses_bad_input() {
        assert!(parse(&["--host", "localhost"]).is_err());
        assert!(parse(&["--host"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bind"]).is_err());
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}
