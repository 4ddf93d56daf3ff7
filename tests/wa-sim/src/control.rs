//! The `/_sim/` control API: tests and people play the phones (scan, send, read, react,
//! groups, calls). The contract is `notes/CONTRACTS.md`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Sim;
use crate::network::groups::{GroupProperty, ParticipantAction};
use crate::network::{NetError, Outgoing, phone_of, short_message_id};

mod phone_events;

pub fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .merge(crate::network::channels::control::routes())
        .merge(phone_events::routes())
        .route("/accounts", post(upsert_account))
        .route("/accounts/{phone}", get(account))
        .route("/accounts/{phone}/sent", get(sent))
        .route("/accounts/{phone}/inbox", get(inbox))
        .route("/accounts/{phone}/logout", post(logout))
        .route("/accounts/{phone}/contacts", post(save_contact))
        .route("/accounts/{phone}/block", post(block))
        .route("/accounts/{phone}/labels", post(create_label))
        .route("/scan", post(scan))
        .route("/pairing-code", post(pairing_code))
        .route("/messages", post(send_message))
        .route("/reactions", post(react))
        .route("/revoke", post(revoke))
        .route("/edit", post(edit))
        .route("/read", post(read))
        .route("/groups", post(create_group))
        .route("/groups/{id}", get(group).post(update_group))
        .route("/groups/{id}/participants", post(participants))
        .route("/calls", post(call))
        .route("/votes", post(vote))
}

/// A control API error: `{"error": "..."}` with a status that says why.
struct ControlError(StatusCode, String);

impl From<NetError> for ControlError {
    fn from(e: NetError) -> Self {
        let status = match e {
            NetError::NotFound(_) => StatusCode::NOT_FOUND,
            NetError::Invalid(_) => StatusCode::BAD_REQUEST,
            NetError::Forbidden(_) => StatusCode::FORBIDDEN,
        };
        ControlError(status, e.message().to_string())
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

type ControlResult = Result<Json<Value>, ControlError>;

fn ok() -> ControlResult {
    Ok(Json(json!({"ok": true})))
}

fn bad_request(message: impl Into<String>) -> ControlError {
    ControlError(StatusCode::BAD_REQUEST, message.into())
}

/// Phones are digits; `+` and an `@c.us` suffix are tolerated.
fn phone(raw: &str) -> Result<String, ControlError> {
    let phone = phone_of(raw.trim_start_matches('+'));
    if phone.is_empty() || !phone.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad_request(format!("bad phone number {raw:?}")));
    }
    Ok(phone)
}

fn phones(raw: &[String]) -> Result<Vec<String>, ControlError> {
    raw.iter().map(|p| phone(p)).collect()
}

#[derive(Deserialize)]
struct AccountBody {
    phone: String,
    pushname: Option<String>,
    business: Option<bool>,
    about: Option<String>,
}

async fn upsert_account(
    State(sim): State<Arc<Sim>>,
    Json(body): Json<AccountBody>,
) -> ControlResult {
    let phone = phone(&body.phone)?;
    sim.network()
        .upsert_account(&phone, body.pushname, body.business, body.about);
    ok()
}

async fn account(State(sim): State<Arc<Sim>>, Path(raw): Path<String>) -> ControlResult {
    Ok(Json(sim.network().account_state(&phone(&raw)?)?))
}

async fn sent(State(sim): State<Arc<Sim>>, Path(raw): Path<String>) -> ControlResult {
    Ok(Json(json!(sim.network().sent(&phone(&raw)?)?)))
}

async fn inbox(State(sim): State<Arc<Sim>>, Path(raw): Path<String>) -> ControlResult {
    Ok(Json(json!(sim.network().inbox(&phone(&raw)?)?)))
}

async fn logout(State(sim): State<Arc<Sim>>, Path(raw): Path<String>) -> ControlResult {
    let unlinked = sim.network().logout_phone(&phone(&raw)?)?;
    Ok(Json(json!({"ok": true, "unlinked": unlinked})))
}

#[derive(Deserialize)]
struct ContactBody {
    phone: String,
    name: String,
}

async fn save_contact(
    State(sim): State<Arc<Sim>>,
    Path(raw): Path<String>,
    Json(body): Json<ContactBody>,
) -> ControlResult {
    sim.network()
        .save_contact(&phone(&raw)?, &phone(&body.phone)?, &body.name);
    ok()
}

#[derive(Deserialize)]
struct LabelBody {
    name: String,
    color: Option<i64>,
}

/// The phone (a business account) creates a label: `{"id"}`.
async fn create_label(
    State(sim): State<Arc<Sim>>,
    Path(raw): Path<String>,
    Json(body): Json<LabelBody>,
) -> ControlResult {
    let id = sim
        .network()
        .create_label(&phone(&raw)?, &body.name, body.color)?;
    Ok(Json(json!({"id": id})))
}

#[derive(Deserialize)]
struct BlockBody {
    phone: String,
    #[serde(default = "yes")]
    blocked: bool,
}

fn yes() -> bool {
    true
}

async fn block(
    State(sim): State<Arc<Sim>>,
    Path(raw): Path<String>,
    Json(body): Json<BlockBody>,
) -> ControlResult {
    sim.network()
        .set_blocked(&phone(&raw)?, &phone(&body.phone)?, body.blocked);
    ok()
}

#[derive(Deserialize)]
struct ScanBody {
    qr: String,
    phone: String,
    pushname: Option<String>,
}

async fn scan(State(sim): State<Arc<Sim>>, Json(body): Json<ScanBody>) -> ControlResult {
    let phone = phone(&body.phone)?;
    sim.network()
        .scan(&body.qr, &phone, body.pushname.as_deref())?;
    ok()
}

#[derive(Deserialize)]
struct PairingBody {
    phone: String,
    code: String,
}

async fn pairing_code(State(sim): State<Arc<Sim>>, Json(body): Json<PairingBody>) -> ControlResult {
    let phone = phone(&body.phone)?;
    sim.network().enter_pairing_code(&phone, &body.code)?;
    ok()
}

#[derive(Deserialize)]
struct MediaBody {
    mimetype: String,
    data: String,
    filename: Option<String>,
}

#[derive(Deserialize)]
struct LocationBody {
    latitude: f64,
    longitude: f64,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageBody {
    from: String,
    to: String,
    body: Option<String>,
    media: Option<MediaBody>,
    caption: Option<String>,
    quoted_id: Option<String>,
    #[serde(default)]
    mentions: Vec<String>,
    location: Option<LocationBody>,
    vcard: Option<String>,
}

async fn send_message(State(sim): State<Arc<Sim>>, Json(body): Json<MessageBody>) -> ControlResult {
    let from = phone(&body.from)?;
    let to = if body.to.ends_with("@g.us") {
        body.to.clone()
    } else {
        phone(&body.to)?
    };
    let media = match body.media {
        Some(media) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(media.data.trim())
                .map_err(|e| bad_request(format!("media.data is not base64: {e}")))?;
            Some((media.mimetype, bytes, media.filename))
        }
        None => None,
    };
    let outgoing = Outgoing {
        from,
        to,
        body: body.body,
        media,
        caption: body.caption,
        quoted_id: body.quoted_id,
        mentions: phones(&body.mentions)?,
        location: body
            .location
            .map(|l| (l.latitude, l.longitude, l.description)),
        vcard: body.vcard,
    };
    let (id, short_id) = sim.network().send_from_phone(outgoing)?;
    sim.schedule_delivery_ack(short_id.clone());
    Ok(Json(json!({"id": id, "shortId": short_id})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReactionBody {
    from: String,
    message_id: String,
    reaction: String,
}

async fn react(State(sim): State<Arc<Sim>>, Json(body): Json<ReactionBody>) -> ControlResult {
    sim.network().react(
        &phone(&body.from)?,
        &body.message_id,
        &body.reaction,
        None,
        None,
    )?;
    ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeBody {
    from: String,
    message_id: String,
}

async fn revoke(State(sim): State<Arc<Sim>>, Json(body): Json<RevokeBody>) -> ControlResult {
    sim.network()
        .revoke(&phone(&body.from)?, &body.message_id, None)?;
    ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EditBody {
    from: String,
    message_id: String,
    body: String,
}

async fn edit(State(sim): State<Arc<Sim>>, Json(body): Json<EditBody>) -> ControlResult {
    sim.network()
        .edit(&phone(&body.from)?, &body.message_id, &body.body, None)?;
    ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadBody {
    by: String,
    message_id: String,
}

async fn read(State(sim): State<Arc<Sim>>, Json(body): Json<ReadBody>) -> ControlResult {
    sim.network()
        .read_message(&phone(&body.by)?, &short_message_id(&body.message_id))?;
    ok()
}

#[derive(Deserialize)]
struct GroupBody {
    owner: String,
    subject: String,
    #[serde(default)]
    participants: Vec<String>,
}

async fn create_group(State(sim): State<Arc<Sim>>, Json(body): Json<GroupBody>) -> ControlResult {
    let id = sim.network().create_group(
        &phone(&body.owner)?,
        &body.subject,
        &phones(&body.participants)?,
    )?;
    Ok(Json(json!({"id": id})))
}

async fn group(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ControlResult {
    Ok(Json(sim.network().group_state(&id)?))
}

#[derive(Deserialize)]
struct GroupUpdateBody {
    by: String,
    subject: Option<String>,
    desc: Option<String>,
    announce: Option<bool>,
    restrict: Option<bool>,
}

/// A member changes the subject, description or settings (extension of the contract).
async fn update_group(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    Json(body): Json<GroupUpdateBody>,
) -> ControlResult {
    let by = phone(&body.by)?;
    let mut network = sim.network();
    if let Some(subject) = &body.subject {
        network.set_group_subject(&id, &by, subject)?;
    }
    if let Some(desc) = &body.desc {
        network.set_group_description(&id, &by, desc)?;
    }
    if let Some(announce) = body.announce {
        network.set_group_property(&id, &by, GroupProperty::Announce, announce)?;
    }
    if let Some(restrict) = body.restrict {
        network.set_group_property(&id, &by, GroupProperty::Restrict, restrict)?;
    }
    ok()
}

#[derive(Deserialize)]
struct ParticipantsBody {
    by: String,
    action: String,
    #[serde(default)]
    participants: Vec<String>,
}

async fn participants(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    Json(body): Json<ParticipantsBody>,
) -> ControlResult {
    let action = ParticipantAction::parse(&body.action)
        .ok_or_else(|| bad_request(format!("unknown action {:?}", body.action)))?;
    let results = sim.network().change_participants(
        &id,
        &phone(&body.by)?,
        action,
        &phones(&body.participants)?,
    )?;
    let results: Vec<Value> = results
        .into_iter()
        .map(|(phone, code)| json!({"phone": phone, "code": code}))
        .collect();
    Ok(Json(json!({"ok": true, "results": results})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallBody {
    from: String,
    to: String,
    #[serde(default)]
    is_video: bool,
}

async fn call(State(sim): State<Arc<Sim>>, Json(body): Json<CallBody>) -> ControlResult {
    let id = sim
        .network()
        .place_call(&phone(&body.from)?, &phone(&body.to)?, body.is_video);
    Ok(Json(json!({"id": id})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoteBody {
    from: String,
    message_id: String,
    #[serde(default)]
    options: Vec<String>,
}

async fn vote(State(sim): State<Arc<Sim>>, Json(body): Json<VoteBody>) -> ControlResult {
    sim.network()
        .vote(&phone(&body.from)?, &body.message_id, &body.options, None)?;
    ok()
}
