//! What each operation needs from a scoped API key: read access (getters, which neither send
//! nor change anything), write access (everything else), or the admin key (operations on all
//! sessions at once and key management). Decided by the route template, from one table.

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Read,
    Write,
    /// No session in the path: the operation concerns every session, or the keys themselves.
    Admin,
}

/// The read operations, as `METHOD /template`. Everything with a session that is not listed
/// here is a write: starting, stopping, sending, marking seen, changing settings, runMethod,
/// and the QR code too: whoever scans it links their own WhatsApp account to the session.
const READS: &[&str] = &[
    "GET /session/status/{sessionId}",
    "GET /session/getPageScreenshot/{sessionId}",
    "GET /client/getChannels/{sessionId}",
    "GET /client/getChats/{sessionId}",
    "GET /client/getClassInfo/{sessionId}",
    "GET /client/getContacts/{sessionId}",
    "GET /client/getState/{sessionId}",
    "GET /client/getWWebVersion/{sessionId}",
    "POST /client/getBlockedContacts/{sessionId}",
    "POST /client/getChannelByInviteCode/{sessionId}",
    "POST /client/getChatById/{sessionId}",
    "POST /client/getChatLabels/{sessionId}",
    "POST /client/getChats/{sessionId}",
    "POST /client/getChatsByLabelId/{sessionId}",
    "POST /client/getCommonGroups/{sessionId}",
    "POST /client/getContactById/{sessionId}",
    "POST /client/getContactDeviceCount/{sessionId}",
    "POST /client/getContactLidAndPhone/{sessionId}",
    "POST /client/getCountryCode/{sessionId}",
    "POST /client/getFormattedNumber/{sessionId}",
    "POST /client/getInviteInfo/{sessionId}",
    "POST /client/getLabelById/{sessionId}",
    "POST /client/getLabels/{sessionId}",
    "POST /client/getNumberId/{sessionId}",
    "POST /client/getProfilePicUrl/{sessionId}",
    "POST /client/isRegisteredUser/{sessionId}",
    "POST /client/searchChannels/{sessionId}",
    "POST /client/searchMessages/{sessionId}",
    "POST /chat/fetchMessages/{sessionId}",
    "POST /chat/getClassInfo/{sessionId}",
    "POST /chat/getContact/{sessionId}",
    "POST /chat/getLabels/{sessionId}",
    "POST /groupChat/getClassInfo/{sessionId}",
    "POST /groupChat/getGroupMembershipRequests/{sessionId}",
    "POST /groupChat/getInviteCode/{sessionId}",
    "POST /message/downloadMedia/{sessionId}",
    "POST /message/downloadMediaAsData/{sessionId}",
    "POST /message/getClassInfo/{sessionId}",
    "POST /message/getContact/{sessionId}",
    "POST /message/getGroupMentions/{sessionId}",
    "POST /message/getInfo/{sessionId}",
    "POST /message/getMentions/{sessionId}",
    "POST /message/getOrder/{sessionId}",
    "POST /message/getPayment/{sessionId}",
    "POST /message/getPollVotes/{sessionId}",
    "POST /message/getQuotedMessage/{sessionId}",
    "POST /message/getReactions/{sessionId}",
    "POST /contact/getAbout/{sessionId}",
    "POST /contact/getChat/{sessionId}",
    "POST /contact/getClassInfo/{sessionId}",
    "POST /contact/getCommonGroups/{sessionId}",
    "POST /contact/getCountryCode/{sessionId}",
    "POST /contact/getFormattedNumber/{sessionId}",
    "POST /contact/getProfilePicUrl/{sessionId}",
    "POST /channel/fetchMessages/{sessionId}",
    "POST /channel/getClassInfo/{sessionId}",
    "POST /channel/getSubscribers/{sessionId}",
    // The event stream of one session.
    "GET /ws/{sessionId}",
    // Its webhook setting and delivery figures (setting, clearing and replaying are writes).
    "GET /session/webhook/{sessionId}",
    "GET /session/webhookStatus/{sessionId}",
    "GET /session/deadLetters/{sessionId}",
];

/// What `method` on the route `template` (e.g. `/client/getChats/{sessionId}`) needs.
pub fn needs(method: &str, template: &str) -> Needs {
    if !template.contains("{sessionId}") {
        return Needs::Admin;
    }
    let operation = format!("{} {template}", method.to_ascii_uppercase());
    if READS.contains(&operation.as_str()) {
        Needs::Read
    } else {
        Needs::Write
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_names_a_real_operation() {
        let reference = include_str!("../../tests/fixtures/wwebjs-api-operations.txt");
        for read in READS.iter().filter(|r| {
            !r.contains("/ws/")
                && !r.contains("/session/webhook")
                && !r.contains("/session/deadLetters")
        }) {
            assert!(
                reference.lines().any(|l| l == *read),
                "{read} is not an operation"
            );
        }
    }

    #[test]
    fn sending_and_lifecycle_are_writes() {
        assert_eq!(
            needs("POST", "/client/sendMessage/{sessionId}"),
            Needs::Write
        );
        assert_eq!(needs("GET", "/session/start/{sessionId}"), Needs::Write);
        assert_eq!(needs("GET", "/session/qr/{sessionId}/image"), Needs::Write);
        assert_eq!(needs("POST", "/chat/runMethod/{sessionId}"), Needs::Write);
        assert_eq!(needs("POST", "/client/getChats/{sessionId}"), Needs::Read);
        assert_eq!(needs("GET", "/client/getChats/{sessionId}"), Needs::Read);
        assert_eq!(needs("GET", "/session/getSessions"), Needs::Admin);
        assert_eq!(needs("POST", "/apiKeys"), Needs::Admin);
    }
}
