//! Device linking: page connections, QR refs, scans, pairing codes, restore and logout.

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::{ConnId, Connection, Device, NetError, NetResult, Network, PairingRequest};
use crate::ids;

/// What a page learns when it says hello.
pub enum Hello {
    /// Its stored login is valid: the account snapshot to sync.
    Connected(Value),
    /// It must link: show QR refs (pushed as `ref` events) or ask for a pairing code.
    Unpaired,
}

impl Network {
    pub fn open_connection(&mut self, tx: UnboundedSender<String>) -> ConnId {
        self.next_connection += 1;
        let conn = self.next_connection;
        self.connections.insert(
            conn,
            Connection {
                tx,
                device: None,
                refs: Default::default(),
            },
        );
        conn
    }

    pub fn close_connection(&mut self, conn: ConnId) {
        if let Some(connection) = self.connections.remove(&conn) {
            for r in connection.refs {
                self.qr_refs.remove(&r);
            }
            if let Some(device) = connection.device.and_then(|d| self.devices.get_mut(&d))
                && device.connection == Some(conn)
            {
                device.connection = None;
            }
        }
        self.pairing_codes.retain(|_, p| p.connection != conn);
    }

    /// A page connects with the login it stored (device id, secret, phone) or none.
    /// A device the network does not know but was never unlinked (the simulator restarted)
    /// is re-created, so a restarted simulator keeps restored browsers logged in.
    pub fn hello(&mut self, conn: ConnId, login: &Value) -> Hello {
        let device_id = login["deviceId"].as_str().unwrap_or_default().to_string();
        let secret = login["secret"].as_str().unwrap_or_default().to_string();
        let phone = login["phone"].as_str().unwrap_or_default().to_string();
        if device_id.is_empty() || self.unlinked_devices.contains(&device_id) {
            return Hello::Unpaired;
        }
        match self.devices.get(&device_id) {
            Some(device) if device.secret != secret => return Hello::Unpaired,
            Some(_) => {}
            None if phone.is_empty() => return Hello::Unpaired,
            None => {
                self.devices.insert(
                    device_id.clone(),
                    Device {
                        phone: phone.clone(),
                        secret,
                        connection: None,
                        delivered_through: self.next_seq,
                    },
                );
                let account = self.ensure_account(&phone);
                account.devices.insert(device_id.clone());
                if account.pushname.is_empty() {
                    account.pushname = login["pushname"].as_str().unwrap_or_default().into();
                }
            }
        }
        let next_seq = self.next_seq;
        let device = self.devices.get_mut(&device_id).expect("device exists");
        let previous = device.connection.replace(conn);
        let through = std::mem::replace(&mut device.delivered_through, next_seq);
        let phone = device.phone.clone();
        // One live connection per device: a newer page takes the device over.
        if let Some(old) = previous
            && old != conn
        {
            self.push_to_connection(old, "conflict", json!({}));
            if self.connections.contains_key(&old) {
                self.ensure_account(&phone).conflicts += 1;
            }
        }
        if let Some(connection) = self.connections.get_mut(&conn) {
            connection.device = Some(device_id);
        }
        Hello::Connected(self.snapshot(&phone, through))
    }

    /// Issues a fresh QR ref to an unpaired connection; older refs stop working after
    /// one more rotation, like WhatsApp's server expiring them.
    pub fn rotate_ref(&mut self, conn: ConnId) -> Option<String> {
        let connection = self.connections.get_mut(&conn)?;
        if connection.device.is_some() {
            return None;
        }
        let r = ids::qr_ref();
        connection.refs.push_back(r.clone());
        while connection.refs.len() > 2 {
            if let Some(old) = connection.refs.pop_front() {
                self.qr_refs.remove(&old);
            }
        }
        self.qr_refs.insert(r.clone(), conn);
        Some(r)
    }

    /// The phone scans a QR: `qr` is the whole QR string (or just its ref).
    pub fn scan(&mut self, qr: &str, phone: &str, pushname: Option<&str>) -> NetResult<()> {
        let r = qr.split(',').next().unwrap_or_default().trim();
        let conn = *self
            .qr_refs
            .get(r)
            .ok_or_else(|| NetError::NotFound("QR ref unknown or expired".into()))?;
        self.link(conn, phone, pushname)
    }

    /// The page asked for a pairing code for `phone` (startAltLinkingFlow).
    pub fn request_pairing_code(&mut self, conn: ConnId, phone: &str) -> NetResult<String> {
        let phone = phone.trim_start_matches('+').to_string();
        if phone.is_empty() || !phone.chars().all(|c| c.is_ascii_digit()) {
            return Err(NetError::Invalid("phone number must be digits".into()));
        }
        self.pairing_codes.retain(|_, p| p.connection != conn);
        let code = ids::pairing_code();
        self.pairing_codes.insert(
            code.clone(),
            PairingRequest {
                connection: conn,
                phone,
            },
        );
        Ok(code)
    }

    /// The phone types the code the page showed (dashes and case are ignored).
    pub fn enter_pairing_code(&mut self, phone: &str, code: &str) -> NetResult<()> {
        let code: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_uppercase();
        let request = self
            .pairing_codes
            .get(&code)
            .filter(|p| p.phone == phone)
            .ok_or_else(|| NetError::NotFound("pairing code unknown for this phone".into()))?;
        let conn = request.connection;
        self.pairing_codes.remove(&code);
        self.link(conn, phone, None)
    }

    fn link(&mut self, conn: ConnId, phone: &str, pushname: Option<&str>) -> NetResult<()> {
        let connection = self
            .connections
            .get_mut(&conn)
            .ok_or_else(|| NetError::NotFound("the page that showed this code is gone".into()))?;
        for r in connection.refs.drain(..) {
            self.qr_refs.remove(&r);
        }
        self.pairing_codes.retain(|_, p| p.connection != conn);
        let account = self.ensure_account(phone);
        if let Some(name) = pushname {
            account.pushname = name.to_string();
        }
        if account.pushname.is_empty() {
            account.pushname = phone.to_string();
        }
        let device_id = ids::device_id();
        let secret = ids::random_hex(32);
        account.devices.insert(device_id.clone());
        let pushname = account.pushname.clone();
        self.devices.insert(
            device_id.clone(),
            Device {
                phone: phone.to_string(),
                secret: secret.clone(),
                connection: None,
                delivered_through: self.next_seq,
            },
        );
        self.push_to_connection(
            conn,
            "paired",
            json!({"deviceId": device_id, "secret": secret, "phone": phone, "pushname": pushname}),
        );
        Ok(())
    }

    /// The phone unlinks all its devices; their pages are told and their logins die.
    pub fn logout_phone(&mut self, phone: &str) -> NetResult<usize> {
        let devices: Vec<String> = self.account(phone)?.devices.iter().cloned().collect();
        for device in &devices {
            self.unlink_device(device);
        }
        Ok(devices.len())
    }

    /// The page logs itself out (Socket.logout()).
    pub fn logout_connection(&mut self, conn: ConnId) {
        let device = self.connections.get(&conn).and_then(|c| c.device.clone());
        if let Some(device) = device {
            self.unlink_device(&device);
        }
    }

    fn unlink_device(&mut self, device_id: &str) {
        let Some(device) = self.devices.remove(device_id) else {
            return;
        };
        self.unlinked_devices.insert(device_id.to_string());
        if let Some(account) = self.accounts.get_mut(&device.phone) {
            account.devices.remove(device_id);
        }
        if let Some(conn) = device.connection {
            self.push_to_connection(conn, "loggedOut", json!({}));
            if let Some(connection) = self.connections.get_mut(&conn) {
                connection.device = None;
            }
        }
    }
}
