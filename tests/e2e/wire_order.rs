//! Key order on the wire, as wwebjs-api's JSON.stringify writes it: clients and wwebjs-api's own
//! test suite compare some answers and log lines as text.

use axum::http::StatusCode;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn answers_and_log_lines_keep_wwebjs_api_key_order() {
    let sim = Sim::start().await;
    let dir = TempDir::new("wire-order");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("ENABLE_LOCAL_CALLBACK_EXAMPLE".into(), "TRUE".into());
    let daemon = Daemon::start(env);

    let (status, _, body) = daemon.get_raw("/ping").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"success":true,"message":"pong"}"#
    );

    // wwebjs-api's own test posts this body and compares the log line as text.
    let response = reqwest::Client::new()
        .post(daemon.url("/localCallbackExample"))
        .header("x-api-key", API_KEY)
        .header("content-type", "application/json")
        .body(r#"{"sessionId":"1","dataType":"testDataType","data":"testData"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let log = std::fs::read_to_string(dir.0.join("message_log.txt")).unwrap();
    assert_eq!(
        log,
        "{\"sessionId\":\"1\",\"dataType\":\"testDataType\",\"data\":\"testData\"}\r\n"
    );

    // An error answer: success first, then error.
    let response = reqwest::Client::new()
        .get(daemon.url("/session/getSessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"success":false,"error":"Invalid API key"}"#
    );
}
