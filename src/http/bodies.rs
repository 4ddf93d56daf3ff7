//! Request bodies shared by several modules. Fields are camelCase on the wire, as in
//! wwebjs-api; a missing or mistyped field is a 400 naming it (see `extract::ApiJson`).
//! Bodies used by one operation only live beside their handler.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{chatId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatIdBody {
    /// e.g. 15550001111@c.us, 123456789-1234@g.us or 1203630...@newsletter
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
}

/// `{chatId, messageId}`: `messageId` is the short id (`id.id`), as in wwebjs-api.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = "3EB0C767D26A1D3B3F2A")]
    pub message_id: String,
}

/// `{contactId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactIdBody {
    #[schema(example = "15550001111@c.us")]
    pub contact_id: String,
}

/// `{number}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NumberBody {
    #[schema(example = "15550001111")]
    pub number: String,
}

/// `{flag}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagBody {
    pub flag: bool,
}

/// `{chatId, method, options?}` for the runMethod operations.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunMethodBody {
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub message_id: Option<String>,
    pub method: String,
    #[serde(default)]
    pub options: Option<serde_json::Value>,
}

/// `{inviteCode}`: a group's (what follows `https://chat.whatsapp.com/`) or a channel's (what
/// follows `https://whatsapp.com/channel/`).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteCodeBody {
    #[schema(example = "D2bJ8Z1x3qV5K7m9P0aB4c")]
    pub invite_code: String,
}

/// A label id, a number or a string as WhatsApp Business shows it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LabelId {
    Number(i64),
    Text(String),
}

/// One id or a list of ids (wwebjs-api passes either to the library).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Default for OneOrMany {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl OneOrMany {
    /// The ids as a list.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(id) => vec![id],
            OneOrMany::Many(ids) => ids,
        }
    }
}
