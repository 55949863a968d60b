//! The edge: what every request passes before it reaches a route, and what
//! every answer carries (docs/security.md, "The edge").
//!
//! - **Security headers** on every answer: a `Content-Security-Policy` with
//!   no inline script and no remote origin, `X-Content-Type-Options:
//!   nosniff`, `Referrer-Policy: same-origin` and `X-Frame-Options: DENY`
//!   (for browsers that predate `frame-ancestors`). The map gets [`MAP_CSP`];
//!   the HTML pages the server writes itself (`/docs/…`, the after-action
//!   report) keep their style inline and run no script at all, so they get
//!   [`DOCUMENT_CSP`].
//! - **Cross-origin writes are refused**: a POST, PUT, PATCH or DELETE whose
//!   `Sec-Fetch-Site` is `cross-site` or `same-site`, or whose `Origin` is not
//!   the server's own origin, is 403 `cross_origin`, unless the origin is in
//!   the configured CORS allow-list. A request without `Origin` (curl, a
//!   script with a token) is not a browser's cross-origin request and passes.
//! - **JSON bodies are JSON**: a state-changing request with a body must say
//!   `Content-Type: application/json` (or `application/geo+json`,
//!   `application/merge-patch+json`); any other type, or none, is 415
//!   `unsupported_media_type`. A browser sends `text/plain`, a form type or no
//!   type from another origin without asking first (a CORS "simple request"),
//!   so refusing them closes that door even where `Origin` is missing.
//! - **CORS** is closed unless `cors_origins` names origins: [`cors`] answers
//!   their preflights and marks their answers; any other origin gets no CORS
//!   header (its preflight is refused).

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;

/// The policy of the map and of every answer that is not a server-written
/// page. MapLibre GL JS makes its workers from `blob:` URLs and its canvas
/// snapshots are `data:`/`blob:` images; it needs no `eval`. The page's
/// `<base>` names its own origin's versioned folder (`/map/~{version}/`):
/// `base-uri 'self'`.
pub const MAP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The policy of the HTML pages the server writes (`/docs/{name}`, the
/// after-action report): their one `<style>` block is inline, and they run no
/// script of any kind.
pub const DOCUMENT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The media types a JSON body may be sent as (NDJSON: a batch of
/// readings, `POST /readings`). None is a type a cross-origin form can send.
pub const JSON_TYPES: [&str; 4] = [
    "application/json",
    "application/geo+json",
    "application/merge-patch+json",
    "application/x-ndjson",
];

/// The spreadsheets `POST /dangers/import` takes (docs/ledger.md): not
/// CORS-safelisted types, so a cross-origin page cannot send them unasked.
pub const SHEET_TYPES: [&str; 2] = [
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

/// Request headers a configured origin may send (answered to its preflight).
pub const CORS_REQUEST_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "accept",
    "idempotency-key",
    "x-csrf-token",
    "last-event-id",
    "if-none-match",
];

/// Answer headers a configured origin's script may read.
pub const CORS_EXPOSED_HEADERS: [&str; 4] = ["location", "etag", "retry-after", "idempotent-replayed"];

/// The middleware: see the module documentation. Registered in [`crate::app::build`].
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Err(refusal) = admit(&req) {
        let mut response = req.error_response(refusal);
        secure(response.headers_mut(), false);
        return Ok(response.map_into_right_body());
    }
    let mut response = next.call(req).await?;
    let document = is_server_page(response.request().path(), response.headers());
    secure(response.headers_mut(), document);
    // The mark `plain_small_bodies` left for the compressor is not sent.
    if response.headers().get(header::CONTENT_ENCODING) == Some(&IDENTITY) {
        response.headers_mut().remove(header::CONTENT_ENCODING);
    }
    Ok(response.map_into_left_body())
}

/// Bodies shorter than this are sent as they are, not compressed: gzip
/// would save a few hundred bytes of one packet at the cost of setting up
/// a compressor (hundreds of kilobytes zeroed) for every answer.
pub const COMPRESS_FROM_BYTES: u64 = 1024;

const IDENTITY: HeaderValue = HeaderValue::from_static("identity");

/// Inside the compressor: marks a body shorter than
/// [`COMPRESS_FROM_BYTES`] `Content-Encoding: identity`, which the
/// compressor leaves alone; [`middleware`], outside it, removes the mark.
pub async fn plain_small_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let small =
        matches!(response.response().body().size(), actix_web::body::BodySize::Sized(n) if n < COMPRESS_FROM_BYTES);
    if small && !response.headers().contains_key(header::CONTENT_ENCODING) {
        response.headers_mut().insert(header::CONTENT_ENCODING, IDENTITY);
    }
    Ok(response)
}

/// Refuses a cross-origin write (403) or a body that is not JSON (415).
fn admit(req: &ServiceRequest) -> Result<(), ApiError> {
    if !changes_state(req.method()) {
        return Ok(());
    }
    let allowed = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.edge.cors_origins.as_slice())
        .unwrap_or_default();
    let info = req.connection_info();
    check_origin(req.headers(), info.scheme(), info.host(), allowed)?;
    if req.path().starts_with("/import/") && is_multipart(req.headers()) {
        // A register and its mapping (docs/data.md). A cross-origin form could
        // send this type, but not the X-CSRF-Token a cookie session needs
        // (auth::guard), nor a bearer token; the origin was checked above.
        return Ok(());
    }
    if is_attachment_upload(req.path()) {
        // A photo or document as the body (docs/ledger.md, "Attachments"):
        // its type is checked by its content in the route, with a reason.
        // As for an import, a cross-origin form cannot send the
        // X-CSRF-Token a cookie session needs, nor a bearer token; the
        // origin was checked above.
        return Ok(());
    }
    check_body_type(req.headers())
}

/// Whether `path` is `/dangers/{id}/attachments`.
pub fn is_attachment_upload(path: &str) -> bool {
    path.strip_prefix("/dangers/")
        .and_then(|rest| rest.strip_suffix("/attachments"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split(';').next())
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// POST, PUT, PATCH and DELETE change the situation.
pub fn changes_state(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

/// The cross-origin rule for a state-changing request to a server at
/// `scheme://host` (the request's own scheme and `Host`).
pub fn check_origin(headers: &HeaderMap, scheme: &str, host: &str, allowed: &[String]) -> Result<(), ApiError> {
    let origin = headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("(not text)"));
    let listed = origin.is_some_and(|o| allowed.iter().any(|a| a.eq_ignore_ascii_case(o)));
    if listed {
        return Ok(());
    }
    let site = headers
        .get(HeaderName::from_static("sec-fetch-site"))
        .and_then(|v| v.to_str().ok());
    if let Some(site @ ("cross-site" | "same-site")) = site {
        return Err(cross_origin(format!(
            "a {site} request may not change anything here (Sec-Fetch-Site: {site}); \
             open the map on this server, or add the calling origin to cors_origins"
        )));
    }
    match origin {
        Some(o) if same_origin(o, scheme, host) => Ok(()),
        Some(o) => Err(cross_origin(format!(
            "a request from {o} may not change anything on {scheme}://{host}; \
             open the map on this server, or add {o} to cors_origins"
        ))),
        None => Ok(()),
    }
}

fn cross_origin(message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "cross_origin", message)
}

/// Whether `origin` (`scheme://host[:port]`) is the server at `scheme://host`;
/// a default port (80, 443) is the same as none.
pub fn same_origin(origin: &str, scheme: &str, host: &str) -> bool {
    let Some((o_scheme, o_authority)) = origin.split_once("://") else {
        return false;
    };
    o_scheme.eq_ignore_ascii_case(scheme)
        && without_default_port(o_authority, scheme).eq_ignore_ascii_case(without_default_port(host, scheme))
}

fn without_default_port<'a>(authority: &'a str, scheme: &str) -> &'a str {
    let default = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    authority.strip_suffix(default).unwrap_or(authority)
}

/// A request with a body must send it as JSON.
pub fn check_body_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let has_body = length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING);
    if !has_body {
        return Ok(());
    }
    let given = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    let essence = given.map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    if essence
        .as_deref()
        .is_some_and(|e| JSON_TYPES.contains(&e) || SHEET_TYPES.contains(&e))
    {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "the body must be sent as Content-Type: application/json (or {}), not {}",
            JSON_TYPES[1..].join(", "),
            given.map_or_else(|| "without a Content-Type".to_owned(), |t| format!("{t:?}"))
        ),
    ))
}

/// An HTML page written by the server rather than served from `web/`.
fn is_server_page(path: &str, headers: &HeaderMap) -> bool {
    !path.starts_with("/map")
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
}

/// Adds the security headers an answer does not set itself.
fn secure(headers: &mut HeaderMap, document: bool) {
    let csp = if document { DOCUMENT_CSP } else { MAP_CSP };
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// CORS for the configured origins only (none by default): their preflights
/// are answered with the methods and [`CORS_REQUEST_HEADERS`]; no credentials
/// (a cross-origin client signs in with a bearer token, and the session cookie
/// is `SameSite=Strict`).
pub fn cors(allowed: &[String]) -> actix_cors::Cors {
    let cors = allowed
        .iter()
        .fold(actix_cors::Cors::default(), |c, o| c.allowed_origin(o));
    cors.allowed_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers(CORS_REQUEST_HEADERS)
        .expose_headers(CORS_EXPOSED_HEADERS)
        .max_age(600)
        .block_on_origin_mismatch(false)
}

/// Checks a configured CORS origin and writes it as browsers send it:
/// `scheme://host[:port]`, lower case, no path and no trailing slash.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let (scheme, authority) = trimmed
        .split_once("://")
        .ok_or_else(|| format!("CORS origin {raw:?} must look like https://host[:port]"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("CORS origin {raw:?} must be http:// or https://"));
    }
    let valid = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid {
        return Err(format!(
            "CORS origin {raw:?} must be scheme://host[:port] with no path, query or user"
        ));
    }
    Ok(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_ignores_case_and_default_ports() {
        assert!(same_origin("http://127.0.0.1:8080", "http", "127.0.0.1:8080"));
        assert!(same_origin("https://Lookout.example", "https", "lookout.example:443"));
        assert!(same_origin("http://lookout.example:80", "http", "lookout.example"));
        assert!(!same_origin("http://lookout.example", "https", "lookout.example"));
        assert!(!same_origin("http://127.0.0.1:8081", "http", "127.0.0.1:8080"));
        assert!(!same_origin("null", "http", "127.0.0.1:8080"));
    }

    #[test]
    fn a_write_from_another_site_is_refused_unless_its_origin_is_listed() {
        let allowed = vec!["https://ops.example".to_owned()];
        let host = "127.0.0.1:8080";
        assert!(check_origin(&headers(&[]), "http", host, &allowed).is_ok());
        assert!(check_origin(&headers(&[("origin", "http://127.0.0.1:8080")]), "http", host, &allowed).is_ok());
        assert!(check_origin(&headers(&[("origin", "https://evil.example")]), "http", host, &allowed).is_err());
        assert!(check_origin(&headers(&[("origin", "null")]), "http", host, &allowed).is_err());
        assert!(check_origin(&headers(&[("sec-fetch-site", "cross-site")]), "http", host, &allowed).is_err());
        assert!(check_origin(&headers(&[("sec-fetch-site", "same-site")]), "http", host, &allowed).is_err());
        assert!(check_origin(&headers(&[("sec-fetch-site", "same-origin")]), "http", host, &allowed).is_ok());
        let listed = headers(&[("origin", "https://ops.example"), ("sec-fetch-site", "cross-site")]);
        assert!(check_origin(&listed, "http", host, &allowed).is_ok());
    }

    #[test]
    fn a_body_must_be_json() {
        assert!(check_body_type(&headers(&[])).is_ok());
        assert!(check_body_type(&headers(&[("content-length", "0"), ("content-type", "text/plain")])).is_ok());
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
            "application/geo+json",
        ] {
            let h = headers(&[("content-length", "2"), ("content-type", ok)]);
            assert!(check_body_type(&h).is_ok(), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let h = headers(&[("content-length", "2"), ("content-type", bad)]);
            assert_eq!(
                check_body_type(&h).unwrap_err().to_string().split(':').next(),
                Some("unsupported_media_type")
            );
        }
        assert!(check_body_type(&headers(&[("content-length", "2")])).is_err());
        assert!(check_body_type(&headers(&[("transfer-encoding", "chunked")])).is_err());
    }

    #[test]
    fn configured_origins_are_checked_and_normalised() {
        assert_eq!(parse_origin("https://Ops.Example/").unwrap(), "https://ops.example");
        assert_eq!(parse_origin("http://10.0.0.5:8080").unwrap(), "http://10.0.0.5:8080");
        for bad in [
            "ops.example",
            "ftp://ops.example",
            "https://ops.example/path",
            "https://",
            "https://u@h",
            "*",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
