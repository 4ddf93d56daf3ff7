//! Group invite links seen from outside: what WhatsApp's servers tell anyone holding a code.

use serde_json::Value;

use super::{NetError, NetResult, Network};

impl Network {
    /// The group an invite code leads to, as its metadata (without the code itself).
    pub fn group_invite_info(&self, code: &str) -> NetResult<Value> {
        let group = self
            .groups
            .values()
            .find(|g| g.invite_code == code)
            .ok_or_else(|| NetError::NotFound("invite code not found".into()))?;
        let mut view = self.view_group(group);
        if let Some(fields) = view.as_object_mut() {
            fields.remove("inviteCode");
            fields.remove("membershipApprovalRequests");
        }
        Ok(view)
    }
}
