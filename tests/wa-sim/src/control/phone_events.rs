//! Control endpoints for network conditions behind less common WhatsApp Web events: a
//! device losing its connection, a message that arrives undecryptable, a contact changing
//! number. Contract in `notes/CONTRACTS.md`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{ControlResult, phone};
use crate::Sim;

pub fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/accounts/{phone}/connection", post(connection))
        .route("/accounts/{phone}/change-number", post(change_number))
        .route("/messages/undecryptable", post(send_undecryptable))
}

#[derive(Deserialize)]
struct ConnectionBody {
    online: bool,
}

/// `{"online": false}` cuts the account's linked devices off the network; `true` ends the outage.
async fn connection(
    State(sim): State<Arc<Sim>>,
    Path(raw): Path<String>,
    Json(body): Json<ConnectionBody>,
) -> ControlResult {
    let closed = sim
        .network()
        .set_devices_online(&phone(&raw)?, body.online)?;
    Ok(Json(json!({"ok": true, "closed": closed})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangeNumberBody {
    new_phone: String,
}

async fn change_number(
    State(sim): State<Arc<Sim>>,
    Path(raw): Path<String>,
    Json(body): Json<ChangeNumberBody>,
) -> ControlResult {
    let notified = sim
        .network()
        .change_number(&phone(&raw)?, &phone(&body.new_phone)?)?;
    Ok(Json(json!({"ok": true, "notified": notified})))
}

#[derive(Deserialize)]
struct UndecryptableBody {
    from: String,
    to: String,
    body: String,
}

async fn send_undecryptable(
    State(sim): State<Arc<Sim>>,
    Json(body): Json<UndecryptableBody>,
) -> ControlResult {
    let from = phone(&body.from)?;
    let to = if body.to.ends_with("@g.us") {
        body.to.clone()
    } else {
        phone(&body.to)?
    };
    let (id, short_id) = sim.network().send_undecryptable(&from, &to, &body.body)?;
    Ok(Json(json!({"id": id, "shortId": short_id})))
}
