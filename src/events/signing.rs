//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): `webhook-signature` is
//! `v1,<base64 of HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>`.
//!
//! `WEBHOOK_SECRET` is accepted in the spec's form `whsec_<base64 key>` (the key is the decoded
//! bytes, as the Standard Webhooks libraries read it), or as any other string, whose UTF-8 bytes
//! are then the key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HMAC key from a `WEBHOOK_SECRET` value.
pub fn parse_secret(raw: &str) -> Result<Vec<u8>, String> {
    let key = match raw.strip_prefix("whsec_") {
        Some(encoded) => STANDARD
            .decode(encoded.trim())
            .map_err(|e| format!("the part after whsec_ is not base64 ({e})"))?,
        None => raw.as_bytes().to_vec(),
    };
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    Ok(key)
}

/// The `webhook-signature` header value for one delivery attempt.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_both_forms() {
        assert_eq!(
            parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
            STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        );
        assert_eq!(parse_secret("plain").unwrap(), b"plain");
        assert!(parse_secret("whsec_%%%").is_err());
        assert!(parse_secret("whsec_").is_err());
    }

    #[test]
    fn signature_matches_the_spec_example() {
        // The example of the Standard Webhooks reference implementations.
        let key = parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
