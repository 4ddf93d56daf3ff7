//! Connectivity: a phone's linked devices losing their connection to WhatsApp's servers (a
//! network outage) and getting it back. While cut off, their sockets are closed and their
//! reconnects refused; what arrives meanwhile waits as their offline backlog, delivered
//! when they reconnect.

use serde_json::Value;

use super::{ConnId, NetResult, Network};

impl Network {
    /// Cuts `phone`'s linked devices off the network, or lets them back (`online`).
    /// Returns how many live connections were closed.
    pub fn set_devices_online(&mut self, phone: &str, online: bool) -> NetResult<usize> {
        let devices = self.account(phone)?.devices.clone();
        if online {
            self.unreachable_phones.remove(phone);
            return Ok(0);
        }
        self.unreachable_phones.insert(phone.to_string());
        let connections: Vec<ConnId> = devices
            .iter()
            .filter_map(|d| self.devices.get(d).and_then(|d| d.connection))
            .collect();
        // Dropping a connection drops its sender, which ends the device's socket.
        for conn in &connections {
            self.close_connection(*conn);
        }
        Ok(connections.len())
    }

    /// Whether a page saying hello with this stored login belongs to a device that is cut off.
    pub fn is_cut_off(&self, login: &Value) -> bool {
        login["deviceId"]
            .as_str()
            .and_then(|id| self.devices.get(id))
            .is_some_and(|device| self.unreachable_phones.contains(&device.phone))
    }
}
