//! End-to-end tests: the real daemon binary on port 0, real Chromium, the WhatsApp Web
//! simulator, a real webhook receiver on loopback.

mod support;

mod http_edge;
mod message;
mod session_lifecycle;
mod chat;
mod client;
mod contact;
mod group_chat;
mod channel;
