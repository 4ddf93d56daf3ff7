//! Success answers in wwebjs-api's shape: `{"success": true, "<key>": value}`.

use axum::Json;
use serde_json::{Map, Value};

/// `{"success": true, key: value}`; the key is left out when the value is null, as
/// JSON.stringify drops the `undefined` wwebjs-api passes there.
pub fn success(key: &str, value: Value) -> Json<Value> {
    let mut body = Map::new();
    body.insert("success".into(), Value::Bool(true));
    if !value.is_null() {
        body.insert(key.into(), value);
    }
    Json(Value::Object(body))
}

/// `{"success": true, key: value}`, keeping a null value (where the library returns null).
pub fn success_nullable(key: &str, value: Value) -> Json<Value> {
    let mut body = Map::new();
    body.insert("success".into(), Value::Bool(true));
    body.insert(key.into(), value);
    Json(Value::Object(body))
}

/// `{"success": true}`.
pub fn done() -> Json<Value> {
    Json(serde_json::json!({ "success": true }))
}
