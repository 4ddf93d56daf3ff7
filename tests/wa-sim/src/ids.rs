//! Identifiers the simulated network hands out: message ids, QR refs, pairing codes,
//! group ids, media paths. Random enough for a test network, not for security.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh pseudo-random u64 (std's per-instance random hash keys plus a counter).
pub fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(now_nanos());
    hasher.finish()
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// Seconds since the epoch, the unit of WhatsApp's `t`.
pub fn now_secs() -> u64 {
    (now_nanos() / 1_000_000_000) as u64
}

pub fn now_millis() -> u64 {
    (now_nanos() / 1_000_000) as u64
}

pub fn random_hex(len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        out.push_str(&format!("{:016X}", random_u64()));
    }
    out.truncate(len);
    out
}

/// A message id as a phone (Android) produces it: 32 upper-case hex digits.
/// whatsapp-web.js derives `deviceType` from the id shape (longer than 25 chars: android).
pub fn phone_message_id() -> String {
    random_hex(32)
}

fn random_from_alphabet(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[(random_u64() % alphabet.len() as u64) as usize] as char)
        .collect()
}

/// A QR ref in the shape WhatsApp's server issues (`2@` + base64-ish text).
pub fn qr_ref() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    format!("2@{}", random_from_alphabet(ALPHABET, 60))
}

/// An 8-character linking code, from the alphabet WhatsApp uses (no 0/O/I/U confusion).
pub fn pairing_code() -> String {
    random_from_alphabet(b"123456789ABCDEFGHJKLMNPQRSTVWXYZ", 8)
}

/// A group id: `1203630` followed by 11 digits, like WhatsApp's group JIDs.
pub fn group_id() -> String {
    format!("1203630{:011}@g.us", random_u64() % 100_000_000_000)
}

/// A stable LID user for a phone number, so every device sees the same one.
pub fn lid_for_phone(phone: &str) -> String {
    let mut hash: u64 = 1469598103934665603;
    for byte in phone.bytes() {
        hash = (hash ^ byte as u64).wrapping_mul(1099511628211);
    }
    format!("{}", 100_000_000_000_000 + hash % 900_000_000_000_000)
}

pub fn device_id() -> String {
    random_hex(24).to_lowercase()
}

pub fn call_id() -> String {
    random_hex(32)
}

pub fn invite_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_from_alphabet(ALPHABET, 22)
}

/// The path media is served under, in the shape of WhatsApp's `directPath`.
pub fn media_direct_path() -> String {
    format!(
        "/v/t62.7118-24/{}_{}?ccb=11-4&oh=01_{}&oe={:X}&_nc_sid=5e03e0",
        random_u64() % 100_000_000,
        random_u64() % 10_000_000_000_000_000,
        random_hex(40),
        now_secs() + 30 * 24 * 3600
    )
}
