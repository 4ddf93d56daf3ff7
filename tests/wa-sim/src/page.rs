//! The page at `/`: one self-contained HTML document with the simulated WhatsApp Web
//! modules inlined, so it works however the browser is routed to it (direct URL, local
//! web cache of whatsapp-web.js, host mapping).

use axum::http::header;
use axum::response::IntoResponse;

/// The page's JavaScript, one file per area of WhatsApp Web, in load order. Adding an
/// area is adding a file under `assets/page/` and a line here.
const AREAS: &[(&str, &str)] = &[
    ("core.js", include_str!("../assets/page/core.js")),
    ("socket.js", include_str!("../assets/page/socket.js")),
    ("contacts.js", include_str!("../assets/page/contacts.js")),
    ("chats.js", include_str!("../assets/page/chats.js")),
    ("messages.js", include_str!("../assets/page/messages.js")),
    ("media.js", include_str!("../assets/page/media.js")),
    ("vcards.js", include_str!("../assets/page/vcards.js")),
    ("groups.js", include_str!("../assets/page/groups.js")),
    ("labels.js", include_str!("../assets/page/labels.js")),
    ("history.js", include_str!("../assets/page/history.js")),
    ("channels.js", include_str!("../assets/page/channels.js")),
    ("misc.js", include_str!("../assets/page/misc.js")),
    (
        "ciphertext.js",
        include_str!("../assets/page/ciphertext.js"),
    ),
    (
        "number_change.js",
        include_str!("../assets/page/number_change.js"),
    ),
    ("ui.js", include_str!("../assets/page/ui.js")),
    ("boot.js", include_str!("../assets/page/boot.js")),
];

const SHELL: &str = include_str!("../assets/page/index.html");

pub async fn index() -> impl IntoResponse {
    let mut scripts = String::new();
    for (name, source) in AREAS {
        scripts.push_str(&format!("<script>/* {name} */\n{source}\n</script>\n"));
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SHELL.replace("<!-- AREAS -->", &scripts),
    )
}
