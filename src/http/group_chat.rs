//! The `/groupChat` operations of wwebjs-api: participants, invites, settings, picture and
//! membership requests of a group. A chat that is not a group answers 500 'The chat is not a
//! group'; an unknown one 404 'Chat not Found' (wwebjs-api crashes with a TypeError there).

use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::bodies::{ChatIdBody, OneOrMany, RunMethodBody};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ReadySession};
use super::reply::success;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_class_info))
        .routes(routes!(add_participants))
        .routes(routes!(demote_participants))
        .routes(routes!(get_invite_code))
        .routes(routes!(leave))
        .routes(routes!(promote_participants))
        .routes(routes!(remove_participants))
        .routes(routes!(revoke_invite))
        .routes(routes!(set_description))
        .routes(routes!(set_info_admins_only))
        .routes(routes!(set_messages_admins_only))
        .routes(routes!(set_subject))
        .routes(routes!(set_picture))
        .routes(routes!(delete_picture))
        .routes(routes!(get_group_membership_requests))
        .routes(routes!(approve_group_membership_requests))
        .routes(routes!(reject_group_membership_requests))
        .routes(routes!(run_method))
}

/// Milliseconds to wait between two participants: a number, `[ms]` or `[min, max]`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Sleep {
    Fixed(f64),
    Range(Vec<f64>),
}

/// `options` of addParticipants.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantsOptions {
    /// Default `[250, 500]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep: Option<Sleep>,
    /// Send a private invitation to those who cannot be added directly (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_send_invite_v4: Option<bool>,
    /// Comment of that invitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `{chatId, participantIds | contactIds, options?}`: `participantIds` wins over the legacy
/// `contactIds`; each is one id or a list.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantsBody {
    #[schema(example = "120363025555555555@g.us")]
    pub chat_id: String,
    #[serde(default)]
    #[schema(example = json!(["15550002222@c.us"]))]
    pub participant_ids: Option<OneOrMany>,
    #[serde(default)]
    pub contact_ids: Option<OneOrMany>,
    #[serde(default)]
    pub options: AddParticipantsOptions,
}

impl ParticipantsBody {
    /// The bridge arguments: `{chatId, participantIds: [..], options}`.
    fn bridge_args(self) -> ApiResult<Value> {
        let ids = self.participant_ids.or(self.contact_ids).ok_or_else(|| {
            ApiError::bad_request(
                "Invalid body field participantIds: missing field `participantIds`",
            )
        })?;
        Ok(
            json!({ "chatId": self.chat_id, "participantIds": ids.into_vec(), "options": self.options }),
        )
    }
}

/// `{chatId, description}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescriptionBody {
    #[schema(example = "120363025555555555@g.us")]
    pub chat_id: String,
    #[schema(example = "Weekly planning")]
    pub description: String,
}

/// `{chatId, subject}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectBody {
    #[schema(example = "120363025555555555@g.us")]
    pub chat_id: String,
    #[schema(example = "Team")]
    pub subject: String,
}

fn yes() -> bool {
    true
}

/// `{chatId, adminsOnly = true}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminsOnlyBody {
    #[schema(example = "120363025555555555@g.us")]
    pub chat_id: String,
    #[serde(default = "yes")]
    pub admins_only: bool,
}

/// `{chatId, pictureMimeType, pictureData}` (capital T, as in wwebjs-api)
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PictureBody {
    #[schema(example = "120363025555555555@g.us")]
    pub chat_id: String,
    #[schema(example = "image/jpeg")]
    pub picture_mime_type: String,
    /// Base64 of the image.
    pub picture_data: String,
}

/// `options` of the membership request actions.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRequestOptions {
    /// Whose requests; all pending ones when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_ids: Option<OneOrMany>,
    /// Default `[250, 500]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep: Option<Sleep>,
}

/// `{chatId, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRequestsBody {
    #[schema(example = "120363025555555555@g.us")]
    pub chat_id: String,
    #[serde(default)]
    pub options: MembershipRequestOptions,
}

async fn call(session: &ReadySession, name: &str, body: impl Serialize) -> ApiResult<Value> {
    Ok(session.0.call(name, &json!(body)).await?)
}

/// Get the group chat
#[utoipa::path(post, path = "/groupChat/getClassInfo/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "chat": {"isGroup": true, "name": "Team", "groupMetadata": {"subject": "Team", "participants": []}}})),
              (status = 400, body = Value), (status = 404, body = Value, example = json!({"success": false, "error": "Chat not Found"})),
              (status = 500, body = Value, example = json!({"success": false, "error": "The chat is not a group"}))))]
pub async fn get_class_info(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "chat",
        call(&session, "group.getClassInfo", body).await?,
    ))
}

/// Add participants; per participant a code and message (200 added, 403 invite only, 409 member, ...)
#[utoipa::path(post, path = "/groupChat/addParticipants/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ParticipantsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"15550002222@c.us": {"code": 200, "message": "The participant was added successfully", "isInviteV4Sent": false}}})),
              (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn add_participants(
    session: ReadySession,
    ApiJson(body): ApiJson<ParticipantsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.addParticipants", body.bridge_args()?).await?,
    ))
}

/// Demote admins to participants
#[utoipa::path(post, path = "/groupChat/demoteParticipants/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ParticipantsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"status": 200}})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn demote_participants(
    session: ReadySession,
    ApiJson(body): ApiJson<ParticipantsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.demoteParticipants", body.bridge_args()?).await?,
    ))
}

/// The group's invite code (admins only)
#[utoipa::path(post, path = "/groupChat/getInviteCode/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "inviteCode": "KxW3mHn7aBcD1eFgHiJkLm"})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn get_invite_code(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "inviteCode",
        call(&session, "group.getInviteCode", body).await?,
    ))
}

/// Leave the group
#[utoipa::path(post, path = "/groupChat/leave/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn leave(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.leave", body).await?,
    ))
}

/// Promote participants to admins
#[utoipa::path(post, path = "/groupChat/promoteParticipants/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ParticipantsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"status": 200}})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn promote_participants(
    session: ReadySession,
    ApiJson(body): ApiJson<ParticipantsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.promoteParticipants", body.bridge_args()?).await?,
    ))
}

/// Remove participants from the group
#[utoipa::path(post, path = "/groupChat/removeParticipants/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ParticipantsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"status": 200}})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn remove_participants(
    session: ReadySession,
    ApiJson(body): ApiJson<ParticipantsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.removeParticipants", body.bridge_args()?).await?,
    ))
}

/// Revoke the invite link; the answer is the new invite code
#[utoipa::path(post, path = "/groupChat/revokeInvite/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "Lm4nOp5qRsTu6vWxYz7aBc"})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn revoke_invite(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.revokeInvite", body).await?,
    ))
}

/// Set the group description
#[utoipa::path(post, path = "/groupChat/setDescription/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = DescriptionBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn set_description(
    session: ReadySession,
    ApiJson(body): ApiJson<DescriptionBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.setDescription", body).await?,
    ))
}

/// Only admins may edit the group info (or everyone, with adminsOnly false)
#[utoipa::path(post, path = "/groupChat/setInfoAdminsOnly/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = AdminsOnlyBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn set_info_admins_only(
    session: ReadySession,
    ApiJson(body): ApiJson<AdminsOnlyBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.setInfoAdminsOnly", body).await?,
    ))
}

/// Only admins may send messages (or everyone, with adminsOnly false)
#[utoipa::path(post, path = "/groupChat/setMessagesAdminsOnly/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = AdminsOnlyBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn set_messages_admins_only(
    session: ReadySession,
    ApiJson(body): ApiJson<AdminsOnlyBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.setMessagesAdminsOnly", body).await?,
    ))
}

/// Set the group subject
#[utoipa::path(post, path = "/groupChat/setSubject/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = SubjectBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn set_subject(
    session: ReadySession,
    ApiJson(body): ApiJson<SubjectBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.setSubject", body).await?,
    ))
}

/// Set the group picture (cropped to a square, as WhatsApp Web does)
#[utoipa::path(post, path = "/groupChat/setPicture/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = PictureBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn set_picture(
    session: ReadySession,
    ApiJson(body): ApiJson<PictureBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.setPicture", body).await?,
    ))
}

/// Delete the group picture
#[utoipa::path(post, path = "/groupChat/deletePicture/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn delete_picture(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.deletePicture", body).await?,
    ))
}

/// Pending requests to join the group
#[utoipa::path(post, path = "/groupChat/getGroupMembershipRequests/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"id": {"server": "c.us", "user": "15550003333", "_serialized": "15550003333@c.us"}, "requestMethod": "InviteLink", "t": 1732752000}]})),
              (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn get_group_membership_requests(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "group.getGroupMembershipRequests", body).await?,
    ))
}

/// Approve requests to join (all pending ones unless options.requesterIds)
#[utoipa::path(post, path = "/groupChat/approveGroupMembershipRequests/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = MembershipRequestsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"requesterId": "15550003333@c.us", "message": "Approved successfully"}]})),
              (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn approve_group_membership_requests(
    session: ReadySession,
    ApiJson(body): ApiJson<MembershipRequestsBody>,
) -> ApiResult<Json<Value>> {
    let args = json!({ "chatId": body.chat_id, "action": "Approve", "options": body.options });
    Ok(success(
        "result",
        call(&session, "group.membershipRequestAction", args).await?,
    ))
}

/// Reject requests to join (all pending ones unless options.requesterIds)
#[utoipa::path(post, path = "/groupChat/rejectGroupMembershipRequests/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = MembershipRequestsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"requesterId": "15550003333@c.us", "message": "Rejected successfully"}]})),
              (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn reject_group_membership_requests(
    session: ReadySession,
    ApiJson(body): ApiJson<MembershipRequestsBody>,
) -> ApiResult<Json<Value>> {
    let args = json!({ "chatId": body.chat_id, "action": "Reject", "options": body.options });
    Ok(success(
        "result",
        call(&session, "group.membershipRequestAction", args).await?,
    ))
}

/// How runMethod's one argument reaches the bridge function of a whatsapp-web.js method.
enum Argument {
    None,
    /// The argument becomes this body field.
    Field(&'static str),
    /// The argument is a participant id or a list of them.
    Participants,
    /// Membership request options, with the action.
    MembershipRequests(&'static str),
}

/// The whatsapp-web.js GroupChat methods runMethod accepts, with the bridge function behind each.
const RUNNABLE_METHODS: &[(&str, &str, Argument)] = &[
    (
        "addParticipants",
        "group.addParticipants",
        Argument::Participants,
    ),
    (
        "removeParticipants",
        "group.removeParticipants",
        Argument::Participants,
    ),
    (
        "promoteParticipants",
        "group.promoteParticipants",
        Argument::Participants,
    ),
    (
        "demoteParticipants",
        "group.demoteParticipants",
        Argument::Participants,
    ),
    ("getInviteCode", "group.getInviteCode", Argument::None),
    ("revokeInvite", "group.revokeInvite", Argument::None),
    ("leave", "group.leave", Argument::None),
    ("setSubject", "group.setSubject", Argument::Field("subject")),
    (
        "setDescription",
        "group.setDescription",
        Argument::Field("description"),
    ),
    (
        "setInfoAdminsOnly",
        "group.setInfoAdminsOnly",
        Argument::Field("adminsOnly"),
    ),
    (
        "setMessagesAdminsOnly",
        "group.setMessagesAdminsOnly",
        Argument::Field("adminsOnly"),
    ),
    ("deletePicture", "group.deletePicture", Argument::None),
    (
        "getGroupMembershipRequests",
        "group.getGroupMembershipRequests",
        Argument::None,
    ),
    (
        "approveGroupMembershipRequests",
        "group.membershipRequestAction",
        Argument::MembershipRequests("Approve"),
    ),
    (
        "rejectGroupMembershipRequests",
        "group.membershipRequestAction",
        Argument::MembershipRequests("Reject"),
    ),
];

/// Run a whatsapp-web.js GroupChat method by name (only the ones listed in the docs)
#[utoipa::path(post, path = "/groupChat/runMethod/{sessionId}", tag = "Group Chat", params(("sessionId" = String, Path)), request_body = RunMethodBody,
    responses((status = 200, body = Value, example = json!({"success": true, "data": "KxW3mHn7aBcD1eFgHiJkLm"})), (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "Method is not implemented"}))))]
pub async fn run_method(
    session: ReadySession,
    ApiJson(body): ApiJson<RunMethodBody>,
) -> ApiResult<Json<Value>> {
    let chat_id = body.chat_id.ok_or_else(|| {
        ApiError::bad_request("Invalid body field chatId: missing field `chatId`")
    })?;
    let Some((_, function, argument)) = RUNNABLE_METHODS
        .iter()
        .find(|(name, ..)| *name == body.method)
    else {
        // As wwebjs-api: the group is looked up before the method.
        call(&session, "group.find", json!({ "chatId": chat_id })).await?;
        return Err(ApiError::internal("Method is not implemented"));
    };
    let mut args = json!({ "chatId": chat_id });
    match (argument, body.options) {
        (Argument::None, _) => {}
        (Argument::Field(field), options) => {
            if let Some(options) = options {
                args[*field] = options;
            }
        }
        (Argument::Participants, options) => {
            let ids: OneOrMany =
                serde_json::from_value(options.unwrap_or(Value::Null)).map_err(|_| {
                    ApiError::bad_request("Invalid body field options: participant ids expected")
                })?;
            args["participantIds"] = json!(ids.into_vec());
        }
        (Argument::MembershipRequests(action), options) => {
            args["action"] = json!(action);
            args["options"] = options.unwrap_or_else(|| json!({}));
        }
    }
    Ok(success("data", call(&session, function, args).await?))
}
