//! End-to-end tests: the real daemon binary on port 0, real Chromium, the WhatsApp Web
//! simulator, a real webhook receiver on loopback.

mod support;

mod access;
mod channel;
mod chat;
mod client;
mod cluster;
mod cluster_admin;
mod contact;
mod dashboard;
mod demo;
mod events;
mod events_catalog;
mod first_run;
mod group_chat;
mod http_edge;
mod list_robustness;
mod message;
mod outbox;
mod proxy_auth;
mod scoped_keys;
mod session_lifecycle;
mod supervision;
mod wire_order;
