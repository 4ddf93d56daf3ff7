//! The WebSocket between a page and the simulated network, standing in for the socket
//! WhatsApp Web keeps open to WhatsApp's servers.
//!
//! Frames are JSON text. The page sends requests `{"id", "method", "params"}` and gets
//! `{"id", "result"}` or `{"id", "error"}`; the server pushes `{"event", "data"}`.
//! While the page is unpaired the server pushes a fresh QR `ref` every `ref_interval`.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::Sim;
use crate::network::channels;
use crate::network::groups::{GroupProperty, ParticipantAction};
use crate::network::linking::Hello;
use crate::network::{ConnId, NetError, NetResult, phone_of, user_jid};

pub async fn upgrade(ws: WebSocketUpgrade, State(sim): State<Arc<Sim>>) -> Response {
    ws.max_message_size(64 << 20)
        .on_upgrade(move |socket| serve_page(sim, socket))
}

async fn serve_page(sim: Arc<Sim>, mut socket: WebSocket) {
    let (tx, mut pushes) = mpsc::unbounded_channel::<String>();
    let conn = sim.network().open_connection(tx);
    let mut closing = sim.closing.subscribe();
    let mut refs = tokio::time::interval(sim.ref_interval);
    let mut wants_refs = false;
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let Some(Ok(frame)) = frame else { break };
                let WsMessage::Text(text) = frame else { continue };
                let Ok(request) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                let method = request["method"].as_str().unwrap_or_default();
                if method == "hello" {
                    // A fresh ref goes out right after the reply, then one per interval.
                    refs.reset();
                }
                let reply = match handle(&sim, conn, method, &request["params"]) {
                    Ok(result) => json!({"id": request["id"], "result": result}),
                    Err(e) => json!({"id": request["id"], "error": e.message()}),
                };
                if method == "hello" {
                    wants_refs = reply["result"]["status"] == "unpaired";
                }
                if socket.send(WsMessage::Text(reply.to_string().into())).await.is_err() {
                    break;
                }
                if method == "hello" && wants_refs && !push_ref(&sim, conn, &mut socket).await {
                    break;
                }
            }
            push = pushes.recv() => {
                // The network closed this connection (the device lost its link).
                let Some(push) = push else { break };
                // Linked now (or logged out and about to reload): no more QR refs.
                if push.contains(r#""event":"paired""#) || push.contains(r#""event":"loggedOut""#) {
                    wants_refs = false;
                }
                if socket.send(WsMessage::Text(push.into())).await.is_err() {
                    break;
                }
            }
            _ = refs.tick(), if wants_refs => {
                if !push_ref(&sim, conn, &mut socket).await {
                    break;
                }
            }
            _ = closing.changed() => break,
        }
    }
    sim.network().close_connection(conn);
}

async fn push_ref(sim: &Sim, conn: ConnId, socket: &mut WebSocket) -> bool {
    let Some(r) = sim.network().rotate_ref(conn) else {
        return true;
    };
    let frame = json!({"event": "ref", "data": {"ref": r}}).to_string();
    socket.send(WsMessage::Text(frame.into())).await.is_ok()
}

fn str_param<'a>(params: &'a Value, name: &str) -> NetResult<&'a str> {
    params[name]
        .as_str()
        .ok_or_else(|| NetError::Invalid(format!("{name} missing")))
}

fn strings(params: &Value, name: &str) -> Vec<String> {
    params[name]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// One request from the page.
fn handle(sim: &Arc<Sim>, conn: ConnId, method: &str, params: &Value) -> NetResult<Value> {
    let mut network = sim.network();
    if let Some(result) = channels::handle_device_request(&mut network, conn, method, params) {
        return result;
    }
    match method {
        "hello" if network.is_cut_off(&params["login"]) => {
            network.close_connection(conn);
            Err(NetError::Forbidden("cannot reach WhatsApp".into()))
        }
        "hello" => Ok(match network.hello(conn, &params["login"]) {
            Hello::Connected(sync) => json!({"status": "connected", "sync": sync}),
            Hello::Unpaired => json!({"status": "unpaired"}),
        }),
        "pairingCode" => {
            let code = network.request_pairing_code(conn, str_param(params, "phone")?)?;
            Ok(json!({"code": code}))
        }
        "logout" => {
            network.logout_connection(conn);
            Ok(json!({}))
        }
        "sendMsg" => {
            let result = network.send_from_device(conn, &params["msg"])?;
            if let Some(id) = result["id"].as_str() {
                sim.schedule_delivery_ack(id.to_string());
            }
            Ok(result)
        }
        "retryReceipt" => {
            network.retry_receipt(conn, str_param(params, "id")?)?;
            Ok(json!({}))
        }
        "sendSeen" => {
            network.send_seen(conn, str_param(params, "chat")?)?;
            Ok(json!({}))
        }
        "react" => {
            let phone = network.require_phone(conn)?;
            network.react(
                &phone,
                str_param(params, "parent")?,
                params["reaction"].as_str().unwrap_or_default(),
                params["reactionId"].as_str().map(str::to_string),
                Some(conn),
            )?;
            Ok(json!({}))
        }
        "edit" => {
            let phone = network.require_phone(conn)?;
            network.edit(
                &phone,
                str_param(params, "id")?,
                str_param(params, "body")?,
                Some(conn),
            )?;
            Ok(json!({}))
        }
        "revoke" => {
            let phone = network.require_phone(conn)?;
            for id in strings(params, "ids") {
                network.revoke(&phone, &id, Some(conn))?;
            }
            Ok(json!({}))
        }
        "deleteForMe" => {
            network.delete_for_me(conn, &strings(params, "ids"))?;
            Ok(json!({}))
        }
        "star" => {
            let star = params["star"].as_bool().unwrap_or(true);
            network.star(conn, &strings(params, "ids"), star)?;
            Ok(json!({}))
        }
        "chat" => {
            let chat = str_param(params, "chat")?;
            network.update_chat(conn, chat, |state| {
                if let Some(archive) = params["archive"].as_bool() {
                    state.archived = archive;
                }
                // WhatsApp stores the pin time (0 = not pinned); a bool is accepted too.
                if let Some(pin) = params["pin"].as_u64() {
                    state.pinned = pin;
                } else if let Some(pin) = params["pin"].as_bool() {
                    state.pinned = if pin { crate::ids::now_secs() } else { 0 };
                }
                if let Some(expiration) = params["muteExpiration"].as_i64() {
                    state.mute_expiration = expiration;
                }
                if let Some(unread) = params["unreadCount"].as_i64() {
                    state.unread_count = unread;
                }
                if let Some(labels) = params["labels"].as_array() {
                    state.labels = labels
                        .iter()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect();
                }
            })
        }
        "searchMessages" => {
            let (messages, eof) = network.search_messages(
                conn,
                str_param(params, "query")?,
                params["chat"].as_str(),
                params["page"].as_u64().unwrap_or(1).max(1) as usize,
                params["count"].as_u64().unwrap_or(100) as usize,
            )?;
            Ok(json!({"messages": messages, "eof": eof}))
        }
        "historySync" => {
            let messages = network.sync_history(conn, str_param(params, "chat")?)?;
            Ok(json!({"messages": messages}))
        }
        "deviceList" => Ok(json!(network.device_lists(&strings(params, "ids")))),
        "groupInviteInfo" => network.group_invite_info(str_param(params, "code")?),
        "labelChat" => {
            network.label_chat(conn, str_param(params, "chat")?, strings(params, "labels"))
        }
        "clearChat" | "deleteChat" => {
            network.clear_chat(conn, str_param(params, "chat")?, method == "deleteChat")?;
            Ok(json!({}))
        }
        "loadEarlier" => {
            let count = params["count"].as_u64().unwrap_or(50) as usize;
            let messages = network.earlier_messages(
                conn,
                str_param(params, "chat")?,
                params["before"].as_str(),
                count,
            )?;
            Ok(json!({"messages": messages}))
        }
        "createGroup" => {
            let phone = network.require_phone(conn)?;
            let participants: Vec<String> = strings(params, "participants")
                .iter()
                .map(|p| phone_of(p))
                .collect();
            let gid = network.create_group(&phone, str_param(params, "subject")?, &participants)?;
            let group = network.view_group(network.group(&gid)?);
            Ok(group)
        }
        "groupParticipants" => {
            let phone = network.require_phone(conn)?;
            let action = ParticipantAction::parse(str_param(params, "action")?)
                .ok_or_else(|| NetError::Invalid("unknown participant action".into()))?;
            let participants: Vec<String> = strings(params, "participants")
                .iter()
                .map(|p| phone_of(p))
                .collect();
            let results = network.change_participants(
                str_param(params, "group")?,
                &phone,
                action,
                &participants,
            )?;
            Ok(json!(
                results
                    .iter()
                    .map(|(p, code)| json!({"id": user_jid(p), "code": code}))
                    .collect::<Vec<_>>()
            ))
        }
        "groupSubject" => {
            let phone = network.require_phone(conn)?;
            network.set_group_subject(
                str_param(params, "group")?,
                &phone,
                str_param(params, "subject")?,
            )?;
            Ok(json!({}))
        }
        "groupDescription" => {
            let phone = network.require_phone(conn)?;
            network.set_group_description(
                str_param(params, "group")?,
                &phone,
                params["description"].as_str().unwrap_or_default(),
            )?;
            Ok(json!({}))
        }
        "groupProperty" => {
            let phone = network.require_phone(conn)?;
            let property = match str_param(params, "property")? {
                "announce" => GroupProperty::Announce,
                "restrict" => GroupProperty::Restrict,
                "member_add_mode" => GroupProperty::MemberAddMode,
                "membership_approval_mode" => GroupProperty::MembershipApproval,
                other => return Err(NetError::Invalid(format!("unknown property {other}"))),
            };
            let value = params["value"].as_bool().unwrap_or(false);
            network.set_group_property(str_param(params, "group")?, &phone, property, value)?;
            Ok(json!({}))
        }
        "groupInviteCode" => {
            let gid = str_param(params, "group")?;
            let phone = network.require_phone(conn)?;
            if params["reset"].as_bool().unwrap_or(false) {
                Ok(json!({"code": network.reset_invite_code(gid, &phone)?}))
            } else {
                let group = network.group(gid)?;
                if !group.is_admin(&phone) {
                    return Err(NetError::Forbidden("not an admin".into()));
                }
                Ok(json!({"code": group.invite_code}))
            }
        }
        "groupMembershipRequests" => {
            let phone = network.require_phone(conn)?;
            let approve = str_param(params, "action")? == "approve";
            let requesters: Vec<String> = strings(params, "participants")
                .iter()
                .map(|p| phone_of(p))
                .collect();
            let results = network.decide_membership_requests(
                str_param(params, "group")?,
                &phone,
                approve,
                &requesters,
            )?;
            Ok(json!(
                results
                    .iter()
                    .map(|(p, code)| json!({"id": user_jid(p), "code": code}))
                    .collect::<Vec<_>>()
            ))
        }
        "groupPicture" => {
            Ok(json!({"directPath": network.group_picture(str_param(params, "group")?)?}))
        }
        "setGroupPicture" => {
            let phone = network.require_phone(conn)?;
            let path = params["directPath"].as_str().map(str::to_string);
            network.set_group_picture(str_param(params, "group")?, &phone, path)?;
            Ok(json!({}))
        }
        "joinGroupByInvite" => {
            let phone = network.require_phone(conn)?;
            let gid = network.join_by_invite(&phone, str_param(params, "code")?)?;
            Ok(json!({"gid": gid}))
        }
        "commonGroups" => {
            let phone = network.require_phone(conn)?;
            let other = phone_of(str_param(params, "contact")?);
            Ok(json!(network.common_groups(&phone, &other)))
        }
        "contact" => {
            let phone = network.require_phone(conn)?;
            let other = phone_of(str_param(params, "id")?);
            // Only phone numbers can be WhatsApp users.
            if other.is_empty() || !other.chars().all(|c| c.is_ascii_digit()) {
                return Err(NetError::NotFound(format!("no user {other}")));
            }
            network.ensure_account(&other);
            Ok(network.view_contact(&phone, &other))
        }
        "setAbout" => {
            let phone = network.require_phone(conn)?;
            network.set_about(&phone, str_param(params, "about")?);
            Ok(json!({}))
        }
        "setPushname" => {
            let phone = network.require_phone(conn)?;
            network.set_pushname(&phone, str_param(params, "pushname")?);
            Ok(json!({}))
        }
        "block" => {
            let phone = network.require_phone(conn)?;
            let target = phone_of(str_param(params, "id")?);
            network.set_blocked(&phone, &target, params["block"].as_bool().unwrap_or(true));
            Ok(json!({}))
        }
        "saveContact" => {
            let phone = network.require_phone(conn)?;
            let target = phone_of(str_param(params, "id")?);
            network.save_contact(&phone, &target, str_param(params, "name")?);
            Ok(json!({}))
        }
        "setProfilePic" => {
            let phone = network.require_phone(conn)?;
            network.set_profile_pic(&phone, params["directPath"].as_str().map(str::to_string));
            Ok(json!({}))
        }
        "rejectCall" => {
            let phone = network.require_phone(conn)?;
            network.reject_call(&phone, str_param(params, "id")?)?;
            Ok(json!({}))
        }
        "vote" => {
            let phone = network.require_phone(conn)?;
            network.vote(
                &phone,
                str_param(params, "parent")?,
                &strings(params, "options"),
                Some(conn),
            )?;
            Ok(json!({}))
        }
        other => Err(NetError::Invalid(format!("unknown method {other}"))),
    }
}
