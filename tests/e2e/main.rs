//! End-to-end tests: the real daemon binary on port 0, real Chromium, the WhatsApp Web
//! simulator, a real webhook receiver on loopback.

mod support;

mod channel;
mod chat;
mod client;
mod cluster;
mod contact;
mod dashboard;
mod events;
mod events_catalog;
mod group_chat;
mod http_edge;
mod message;
mod outbox;
mod session_lifecycle;
mod supervision;
mod wire_order;
