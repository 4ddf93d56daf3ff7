//! PROXY_URL with PROXY_USERNAME / PROXY_PASSWORD: the browser goes through a real loopback
//! HTTP proxy that demands Basic Proxy-Authorization, and the session still links.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::*;

#[derive(Default, Debug)]
struct ProxyLog {
    /// Requests answered 407 (no or wrong credentials).
    challenged: usize,
    /// Authorised requests, as "METHOD target".
    passed: Vec<String>,
}

/// A minimal HTTP proxy (absolute-form requests and CONNECT tunnels) that wants `user:pass`.
async fn start_proxy(user_pass: &str) -> (String, Arc<Mutex<ProxyLog>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log: Arc<Mutex<ProxyLog>> = Arc::default();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_pass)
    );
    let shared = log.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(client, expected.clone(), shared.clone()));
        }
    });
    (url, log)
}

async fn relay(mut client: TcpStream, expected: String, log: Arc<Mutex<ProxyLog>>) {
    // The head, byte by byte, so nothing after it is read ahead.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || client.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let authorised = headers
        .iter()
        .any(|(k, v)| k == "proxy-authorization" && *v == expected);
    if !authorised {
        log.lock().unwrap().challenged += 1;
        let _ = client
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return;
    }
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    log.lock()
        .unwrap()
        .passed
        .push(format!("{method} {target}"));
    if method == "CONNECT" {
        let Ok(mut upstream) = TcpStream::connect(target).await else {
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await
            .is_ok()
        {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
        return;
    }
    let Some(rest) = target.strip_prefix("http://") else {
        return;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Ok(mut upstream) = TcpStream::connect(authority).await else {
        return;
    };
    let mut forwarded = format!(
        "{method} {} HTTP/1.1\r\n",
        if path.is_empty() { "/" } else { path }
    );
    for (k, v) in &headers {
        if !k.starts_with("proxy-") && k != "connection" {
            forwarded.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    forwarded.push_str("connection: close\r\n\r\n");
    if upstream.write_all(forwarded.as_bytes()).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_authenticates_to_the_proxy() {
    let sim = Sim::start().await;
    let (proxy, log) = start_proxy("gw-user:s3cret").await;
    let dir = TempDir::new("proxy-auth");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("PROXY_URL".into(), proxy);
    env.insert("PROXY_USERNAME".into(), "gw-user".into());
    env.insert("PROXY_PASSWORD".into(), "s3cret".into());
    let daemon = Daemon::start(env);

    daemon
        .linked_session(&sim, "viaproxy", "15550001111", "Alice")
        .await;
    let sim_authority = sim
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let log = log.lock().unwrap();
    assert!(
        log.challenged >= 1,
        "the proxy asked for credentials: {log:?}"
    );
    assert!(
        log.passed
            .iter()
            .any(|r| r.starts_with("GET http://") && r.contains(&sim_authority)),
        "the page loaded through the proxy: {log:?}"
    );
    assert!(
        log.passed
            .iter()
            .any(|r| r == &format!("CONNECT {sim_authority}")),
        "the page's WebSocket tunnelled through the proxy: {log:?}"
    );
}
