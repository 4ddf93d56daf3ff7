//! `MessageMediaFromURL`: the server downloads a URL into a MessageMedia (wwebjs-api's
//! `MessageMedia.fromUrl`), with the guards wwebjs-api lacks: a size cap (MAX_ATTACHMENT_SIZE),
//! a deadline (MEDIA_FETCH_TIMEOUT_MS), and no way into the host's own network: loopback,
//! private, link-local and unspecified addresses are refused, for IP literals, after DNS
//! resolution (the resolver below decides the address actually connected to) and on every
//! redirect, unless MEDIA_FETCH_ALLOW_PRIVATE=true.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Client, Url, redirect};
use serde::Serialize;

use super::error::ApiError;
use crate::config::Config;

/// Redirects followed before giving up (browsers and Node's fetch use 20; 10 is plenty).
const MAX_REDIRECTS: usize = 10;

/// A downloaded file in whatsapp-web.js MessageMedia's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchedMedia {
    pub mimetype: String,
    /// base64
    pub data: String,
    pub filename: String,
    pub filesize: u64,
}

/// What may go wrong; each maps to an HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// Not an absolute http(s) URL, or no MIME type while `unsafeMime` is false.
    Invalid(String),
    /// The URL leads to an address that is not allowed.
    Refused(IpAddr),
    /// Larger than the cap.
    TooLarge(u64),
    /// Network error, timeout or a non-2xx answer.
    Failed(String),
}

impl From<FetchError> for ApiError {
    fn from(err: FetchError) -> Self {
        match err {
            FetchError::Invalid(why) => ApiError::bad_request(why),
            FetchError::Refused(ip) => ApiError::bad_request(format!(
                "refusing to fetch media from the non-public address {ip} (MEDIA_FETCH_ALLOW_PRIVATE=true allows it)"
            )),
            FetchError::TooLarge(cap) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("media is larger than MAX_ATTACHMENT_SIZE ({cap} bytes)"),
            ),
            FetchError::Failed(why) => ApiError::internal(why),
        }
    }
}

/// Options of `MessageMedia.fromUrl` that are honoured (`reqOptions` is not: a caller must not
/// pick the method or headers of a request the server makes).
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Fall back on the answer's Content-Type when the URL has no known extension.
    pub unsafe_mime: bool,
    /// Overrides the file name.
    pub filename: Option<String>,
}

/// Downloads media for MessageMediaFromURL under the configured limits.
pub struct MediaFetcher {
    client: Client,
    max_size: u64,
    allow_private: bool,
}

impl MediaFetcher {
    pub fn new(config: &Config) -> Result<Self, FetchError> {
        Self::with_limits(
            config.max_attachment_size,
            config.media_fetch_timeout,
            config.media_fetch_allow_private,
        )
    }

    pub fn with_limits(
        max_size: u64,
        timeout: Duration,
        allow_private: bool,
    ) -> Result<Self, FetchError> {
        // A proxy would resolve names itself, out of the resolver's sight.
        let mut builder = Client::builder().timeout(timeout).no_proxy();
        builder = if allow_private {
            builder.redirect(redirect::Policy::limited(MAX_REDIRECTS))
        } else {
            builder
                .dns_resolver(PublicOnlyResolver)
                .redirect(redirect::Policy::custom(|attempt| {
                    if attempt.previous().len() >= MAX_REDIRECTS {
                        return attempt.error("too many redirects");
                    }
                    match refused_literal(attempt.url()) {
                        Some(ip) => attempt.error(NonPublicAddress(ip)),
                        None => attempt.follow(),
                    }
                }))
        };
        let client = builder
            .build()
            .map_err(|err| FetchError::Failed(format!("cannot build the HTTP client: {err}")))?;
        Ok(MediaFetcher {
            client,
            max_size,
            allow_private,
        })
    }

    /// Downloads `url` (at most the cap, within the deadline).
    pub async fn fetch(
        &self,
        url: &str,
        options: &FetchOptions,
    ) -> Result<FetchedMedia, FetchError> {
        let url =
            Url::parse(url).map_err(|err| FetchError::Invalid(format!("invalid URL: {err}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Invalid(
                "only http and https URLs can be fetched".into(),
            ));
        }
        let mimetype_from_url = mimetype_of_path(url.path());
        if mimetype_from_url.is_none() && !options.unsafe_mime {
            return Err(FetchError::Invalid(
                "Unable to determine MIME type using URL. Set unsafeMime to true to download it anyway."
                    .into(),
            ));
        }
        if let Some(ip) = refused_literal(&url).filter(|_| !self.allow_private) {
            return Err(FetchError::Refused(ip));
        }
        let mut response = self
            .client
            .get(url.clone())
            .header("accept", "image/* video/* text/* audio/*")
            .send()
            .await
            .map_err(classify)?;
        if !response.status().is_success() {
            return Err(FetchError::Failed(format!(
                "fetching the media failed: HTTP {}",
                response.status()
            )));
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_size)
        {
            return Err(FetchError::TooLarge(self.max_size));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let disposition = header("content-disposition");
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if (bytes.len() + chunk.len()) as u64 > self.max_size {
                return Err(FetchError::TooLarge(self.max_size));
            }
            bytes.extend_from_slice(&chunk);
        }
        // The URL's extension first, then the answer's header, as whatsapp-web.js.
        let mimetype = mimetype_from_url
            .map(str::to_owned)
            .or(content_type)
            .unwrap_or_else(|| "application/octet-stream".into());
        let filename = options
            .filename
            .clone()
            .or_else(|| disposition.as_deref().and_then(disposition_filename))
            .unwrap_or_else(|| last_path_segment(&url));
        Ok(FetchedMedia {
            mimetype,
            data: base64::engine::general_purpose::STANDARD.encode(&bytes),
            filename,
            filesize: bytes.len() as u64,
        })
    }
}

/// The error a refused address travels in through reqwest, found again by [`classify`].
#[derive(Debug)]
struct NonPublicAddress(IpAddr);

impl std::fmt::Display for NonPublicAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "non-public address {}", self.0)
    }
}

impl std::error::Error for NonPublicAddress {}

/// Resolves names like the system does, but refuses a name if any of its addresses is not
/// public (so a name cannot pair a public address with a private one).
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(blocked) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(Box::new(NonPublicAddress(blocked.ip())) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Turns a reqwest error into a [`FetchError`], recognising a refused address in its chain.
fn classify(err: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(current) = source {
        if let Some(NonPublicAddress(ip)) = current.downcast_ref::<NonPublicAddress>() {
            return FetchError::Refused(*ip);
        }
        source = current.source();
    }
    if err.is_timeout() {
        FetchError::Failed("fetching the media timed out (MEDIA_FETCH_TIMEOUT_MS)".into())
    } else {
        FetchError::Failed(format!("fetching the media failed: {err}"))
    }
}

/// The URL's host when it is a non-public IP address (IP hosts never reach the resolver).
fn refused_literal(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    (!is_public(ip)).then_some(ip)
}

/// False for addresses inside the host or its networks: loopback, private, link-local,
/// unspecified, shared (CGNAT), benchmarking, IETF protocol, reserved (240/4), broadcast and
/// multicast, in IPv4 and IPv6 (also IPv4-mapped), and the IPv6 ranges that carry an IPv4
/// address a gateway or the kernel may route to (NAT64, 6to4, IPv4-compatible).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let this_network = a == 0;
    let shared = a == 100 && (64..128).contains(&b);
    let benchmarking = a == 198 && (b == 18 || b == 19);
    let ietf_protocol = a == 192 && b == 0 && ip.octets()[2] == 0;
    let reserved = a >= 240; // 240.0.0.0/4, broadcast included
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || this_network
        || shared
        || benchmarking
        || ietf_protocol
        || reserved)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let segments = ip.segments();
    // 64:ff9b::/96 and the local-use 64:ff9b:1::/48: a NAT64 gateway reaches the embedded IPv4.
    let nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[..3] == [0x64, 0xff9b, 1];
    let six_to_four = first == 0x2002;
    // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 are caught above.
    let ipv4_compatible = segments[..6] == [0; 6];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || nat64
        || six_to_four
        || ipv4_compatible)
}

/// `filename="..."` of a Content-Disposition header.
fn disposition_filename(header: &str) -> Option<String> {
    let start = header.find("filename=\"")? + "filename=\"".len();
    let rest = &header[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_owned()).filter(|name| !name.is_empty())
}

fn last_path_segment(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .filter(|s| !s.is_empty())
        .unwrap_or("file")
        .to_owned()
}

/// The MIME type of a path's extension, for the common media types.
fn mimetype_of_path(path: &str) -> Option<&'static str> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let (_, extension) = file.rsplit_once('.')?;
    let mimetype = match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "svg" => "image/svg+xml",
        "mp4" => "video/mp4",
        "3gp" => "video/3gpp",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "wav" => "audio/wav",
        "amr" => "audio/amr",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => return None,
    };
    Some(mimetype)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::http::header;
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "240.0.0.1",
            "250.1.2.3",
            "198.18.0.1",
            "198.19.255.255",
            "192.0.0.8",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2002:808:808::1",
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
        ] {
            assert!(!is_public(ip(internal)), "{internal} must be refused");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "198.20.0.1",
            "192.0.1.1",
            "223.255.255.254",
            "2001:4860:4860::8888",
            "64:ff9c::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public} is public");
        }
    }

    #[test]
    fn literal_hosts_in_any_spelling_are_checked() {
        let refused = |url: &str| refused_literal(&Url::parse(url).unwrap());
        assert_eq!(refused("http://127.0.0.1/a.png"), Some(ip("127.0.0.1")));
        assert_eq!(
            refused("http://2130706433/a.png"),
            Some(ip("127.0.0.1")),
            "decimal IPv4"
        );
        assert_eq!(
            refused("http://0x7f.1/a.png"),
            Some(ip("127.0.0.1")),
            "hex IPv4"
        );
        assert_eq!(refused("http://[::1]:8080/a.png"), Some(ip("::1")));
        assert!(
            refused("http://[::ffff:192.168.0.1]/").is_some(),
            "IPv4-mapped IPv6"
        );
        assert_eq!(refused("http://8.8.8.8/a.png"), None);
        assert_eq!(
            refused("http://example.com/a.png"),
            None,
            "names go through the resolver"
        );
    }

    #[test]
    fn names_and_types() {
        assert_eq!(mimetype_of_path("/x/photo.JPG"), Some("image/jpeg"));
        assert_eq!(mimetype_of_path("/x/noext"), None);
        assert_eq!(
            disposition_filename(r#"attachment; filename="r.pdf""#),
            Some("r.pdf".into())
        );
        assert_eq!(disposition_filename("inline"), None);
        assert_eq!(
            last_path_segment(&Url::parse("http://h/a/b.png?x=1").unwrap()),
            "b.png"
        );
        assert_eq!(last_path_segment(&Url::parse("http://h/").unwrap()), "file");
    }

    /// A loopback server: /pic.png (5 bytes), /big.bin (2000 bytes), /slow.png (never answers),
    /// /hop.png (redirects to /pic.png), /named (a PDF named by Content-Disposition).
    async fn serve() -> String {
        let app = Router::new()
            .route(
                "/pic.png",
                get(|| async { ([(header::CONTENT_TYPE, "image/png")], b"\x89PNG!".to_vec()) }),
            )
            .route("/big.bin", get(|| async { vec![7u8; 2000] }))
            .route(
                "/slow.png",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "late"
                }),
            )
            .route(
                "/hop.png",
                get(|| async { Redirect::temporary("/pic.png") }),
            )
            .route(
                "/named",
                get(|| async {
                    (
                        [
                            (header::CONTENT_TYPE, "application/pdf"),
                            (
                                header::CONTENT_DISPOSITION,
                                "attachment; filename=\"report.pdf\"",
                            ),
                        ],
                        "%PDF",
                    )
                        .into_response()
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    fn fetcher(allow_private: bool) -> MediaFetcher {
        MediaFetcher::with_limits(1000, Duration::from_millis(500), allow_private).unwrap()
    }

    fn unsafe_mime() -> FetchOptions {
        FetchOptions {
            unsafe_mime: true,
            filename: None,
        }
    }

    #[tokio::test]
    async fn private_addresses_are_refused_by_default() {
        let base = serve().await;
        let refused = fetcher(false)
            .fetch(&format!("{base}/pic.png"), &unsafe_mime())
            .await;
        assert_eq!(refused, Err(FetchError::Refused(ip("127.0.0.1"))));
        let port = base.rsplit(':').next().unwrap();
        match fetcher(false)
            .fetch(&format!("http://localhost:{port}/pic.png"), &unsafe_mime())
            .await
        {
            Err(FetchError::Refused(found)) => assert!(found.is_loopback(), "{found}"),
            other => panic!("a name resolving to loopback is refused: {other:?}"),
        }
    }

    #[tokio::test]
    async fn downloads_within_the_limits_when_private_is_allowed() {
        let base = serve().await;
        let fetch = fetcher(true);
        let media = fetch
            .fetch(&format!("{base}/pic.png"), &unsafe_mime())
            .await
            .unwrap();
        assert_eq!(
            media,
            FetchedMedia {
                mimetype: "image/png".into(),
                data: base64::engine::general_purpose::STANDARD.encode(b"\x89PNG!"),
                filename: "pic.png".into(),
                filesize: 5,
            }
        );
        let hopped = fetch
            .fetch(&format!("{base}/hop.png"), &unsafe_mime())
            .await
            .unwrap();
        assert_eq!(hopped.filesize, 5, "redirects are followed");
        let named = fetch
            .fetch(&format!("{base}/named"), &unsafe_mime())
            .await
            .unwrap();
        assert_eq!(
            (named.mimetype.as_str(), named.filename.as_str()),
            ("application/pdf", "report.pdf")
        );
        let renamed = fetch
            .fetch(
                &format!("{base}/pic.png"),
                &FetchOptions {
                    unsafe_mime: false,
                    filename: Some("x.png".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(renamed.filename, "x.png");
        assert_eq!(
            fetch
                .fetch(&format!("{base}/big.bin"), &unsafe_mime())
                .await,
            Err(FetchError::TooLarge(1000))
        );
        assert!(
            matches!(fetch.fetch(&format!("{base}/slow.png"), &unsafe_mime()).await, Err(FetchError::Failed(why)) if why.contains("timed out"))
        );
        assert!(
            matches!(fetch.fetch(&format!("{base}/missing.png"), &unsafe_mime()).await, Err(FetchError::Failed(why)) if why.contains("404"))
        );
        assert!(
            matches!(
                fetch
                    .fetch(&format!("{base}/named"), &FetchOptions::default())
                    .await,
                Err(FetchError::Invalid(_))
            ),
            "no MIME from the URL"
        );
        assert!(matches!(
            fetch.fetch("file:///etc/passwd", &unsafe_mime()).await,
            Err(FetchError::Invalid(_))
        ));
        assert!(matches!(
            fetch.fetch("not a url", &unsafe_mime()).await,
            Err(FetchError::Invalid(_))
        ));
    }
}
