//! `wa-sim [--port N]`: runs the simulator until Ctrl-C (default port 8585).

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "wa_sim=info".into()),
        )
        .init();
    let port = match parse_port(std::env::args().skip(1)) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}\nusage: wa-sim [--port N]");
            std::process::exit(2);
        }
    };
    let sim = wa_sim::start_on(port).await;
    println!("wa-sim listening on {}", sim.url());
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
}

fn parse_port(mut args: impl Iterator<Item = String>) -> Result<u16, String> {
    let mut port = 8585;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "-p" => {
                let value = args.next().ok_or("--port needs a value")?;
                port = value.parse().map_err(|_| format!("bad port {value:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(port)
}
