//! Who is asking, and may they (`docs/security.md`): the [`Principal`] of a
//! request (session cookie `lookout_session`, or `Authorization: Bearer
//! lk_…`, or everyone as `dev` under `--dev-open`), the permission each
//! route needs ([`access`], the one table), and [`guard`], the middleware
//! every endpoint of the route table runs before its handler: 401 when not
//! signed in, 403 naming the role and the permission, 403 for a
//! state-changing request signed in by cookie without its `X-CSRF-Token`.
//!
//! The guard puts the principal into the request's extensions as
//! `Arc<Principal>` (and, for a scoped user, its `Arc<ScopeSpec>`, which
//! [`crate::scope`] reads); the [`crate::extract::Actor`] extractor signs
//! events with it.

pub mod commands;

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use chrono::Utc;
use lookout_layers::auth::{Permission, Role, token};
use lookout_layers::scope::ScopeSpec;
use lookout_layers::{Author, Event};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The session cookie.
pub const COOKIE: &str = "lookout_session";
/// The header a cookie-signed state-changing request carries.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The user everyone is under `--dev-open`.
pub const DEV_USER: &str = "dev";
/// The prefix of a session id.
pub const SESSION_PREFIX: &str = "ls_";
/// The prefix of the one-time set-up token.
pub const SETUP_PREFIX: &str = "lk_setup_";

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A role with this permission.
    Need(Permission),
    /// Writing features of the `{collection}` in the path: `edit_boundaries`
    /// for counties, else `edit_registers` (an inspector: enterprises and
    /// hazard sources only).
    EditCollection,
}

/// The permission table of `docs/security.md`: what `method` on the route
/// pattern `path` needs. Every route of the table is checked against it
/// before its handler runs; a write not named here needs `administer`, so
/// a new route is closed until it is given its permission.
pub fn access(path: &str, method: &Method) -> Access {
    use Permission as P;
    let get = method == Method::GET || method == Method::HEAD;
    match (path, get) {
        ("/health" | "/ready" | "/openapi.json" | "/docs/{name}", true) => Access::Public,
        ("/auth/login" | "/auth/setup", false) => Access::Public,
        ("/users" | "/users/{username}" | "/tokens" | "/tokens/{id}" | "/audit", _) => Access::Need(P::Administer),
        // Counts only, nothing a reader cannot see: a scraper uses a viewer token.
        ("/metrics", true) => Access::Need(P::Read),
        (_, true) => Access::Need(P::Read),
        ("/auth/logout", false) => Access::Need(P::Read),
        ("/impact" | "/exposure" | "/gas/isolate" | "/hazard_sources/{id}/what-if", false) => Access::Need(P::Analyse),
        (
            "/incidents"
            | "/incidents/{id}"
            | "/incidents/{id}/close"
            | "/incidents/{id}/notes"
            | "/incidents/{id}/acknowledge"
            | "/incidents/{id}/valves"
            | "/incidents/{id}/dispatch"
            | "/teams/{id}/status",
            false,
        ) => Access::Need(P::Respond),
        ("/scenarios/{id}/start" | "/incidents/{id}/injects/next", false) => Access::Need(P::Drill),
        ("/alarms/{id}/acknowledge" | "/alarms/{id}/incident", false) => Access::Need(P::Respond),
        ("/collections/{collection}/items" | "/collections/{collection}/items/{id}", false) => Access::EditCollection,
        ("/readings" | "/monitoring/readings", false) => Access::Need(P::Ingest),
        ("/dangers" | "/dangers/{id}/transitions" | "/dangers/import" | "/dangers/{id}/attachments", false) => {
            Access::Need(P::Supervise)
        }
        ("/obligations" | "/obligations/{id}" | "/obligations/{id}/fulfil", false) => Access::Need(P::Supervise),
        ("/inspections" | "/inspections/plans" | "/experts" | "/experts/{id}", false) => Access::Need(P::Supervise),
        // A register replaces what the bureau's own lists say: admins only (docs/data.md).
        ("/import/{layer}", false) => Access::Need(P::Administer),
        (_, false) => Access::Need(P::Administer),
    }
}

/// Whether `role` may use a route of `access` (for [`Access::EditCollection`], on `collection`).
pub fn allowed(role: Role, access: Access, collection: Option<&str>) -> bool {
    match access {
        Access::Public => true,
        Access::Need(p) => role.allows(p),
        Access::EditCollection => role.may_edit(collection.unwrap_or_default()),
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The user (for a token: the user who created it).
    pub username: String,
    /// What they may do (for a token: the token's role).
    pub role: Role,
    /// The API token's name, if the request came with one.
    pub token: Option<String>,
    /// The area they are limited to; `None`: the whole region.
    pub scope: Option<ScopeSpec>,
    /// How the request was signed in.
    pub via: Via,
}

/// How a request was signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The session cookie: SHA-256 of the session id, and the CSRF token
    /// state-changing requests must carry.
    Session {
        /// The session's hash, as stored.
        hash: String,
        /// The `X-CSRF-Token` of this session (made only for a change or
        /// `/auth/me`, where it is needed).
        csrf: Option<String>,
    },
    /// A bearer token (its id).
    Token(String),
    /// `--dev-open`.
    DevOpen,
}

impl Principal {
    /// Who signs the events this principal makes.
    pub fn author(&self) -> Author {
        Author {
            name: self.username.clone(),
            token: self.token.clone(),
        }
    }

    /// The CSRF token of a cookie session.
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => csrf.as_deref(),
            _ => None,
        }
    }
}

/// The CSRF token of a session: derived from its id, so every replica
/// knows it without storing it, and a page that cannot read the HttpOnly
/// cookie cannot make it.
pub fn csrf_of(session_id: &str) -> String {
    token::digest(&format!("csrf:{session_id}"))
}

/// What the server keeps about sign-in beside the store: `--dev-open`, the
/// one-time set-up token and when each token's use was last recorded. Per
/// replica. (Failed sign-ins are events: the store's users fold counts them.)
#[derive(Debug, Default)]
pub struct Gate {
    dev_open: AtomicBool,
    setup: Mutex<Option<String>>,
    token_uses: Mutex<HashMap<String, Instant>>,
}

impl Gate {
    /// Runs without sign-in: everyone is `admin` as `dev` (loopback only; `serve` checks).
    pub fn set_dev_open(&self, open: bool) {
        self.dev_open.store(open, Ordering::Release);
    }

    /// Whether the server runs open.
    pub fn dev_open(&self) -> bool {
        self.dev_open.load(Ordering::Acquire)
    }

    /// A new one-time set-up token (only its hash is kept), replacing any before.
    pub fn new_setup_token(&self) -> String {
        let secret = token::generate(SETUP_PREFIX);
        *self.setup.lock() = Some(token::digest(&secret));
        secret
    }

    /// Uses the set-up token: true once, for the right one.
    pub fn take_setup_token(&self, secret: &str) -> bool {
        let mut setup = self.setup.lock();
        let matches = token::well_formed(secret, SETUP_PREFIX)
            && setup.as_deref().is_some_and(|h| constant_eq(h, &token::digest(secret)));
        if matches {
            *setup = None;
        }
        matches
    }

    /// Whether a use of token `id` is to be recorded now (at most once an
    /// hour per token; `last` is when the store last recorded one).
    fn record_token_use(&self, id: &str, last: Option<chrono::DateTime<Utc>>) -> bool {
        let every = Duration::from_secs(3600);
        if last.is_some_and(|t| Utc::now() - t < lookout_layers::auth::TOKEN_USE_EVERY) {
            return false;
        }
        let mut uses = self.token_uses.lock();
        let now = Instant::now();
        match uses.get(id) {
            Some(t) if now.duration_since(*t) < every => false,
            _ => {
                uses.insert(id.to_owned(), now);
                true
            }
        }
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

fn forbidden(message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// The session id in the request's cookie, if any.
pub fn session_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE).map(|c| c.value().to_owned())
}

/// Who makes the request: a bearer token (refused when unknown or
/// revoked), else the session cookie (ignored when it names no live
/// session), else `dev` under `--dev-open`; `None`: nobody is signed in.
pub fn authenticate(req: &HttpRequest, state: &AppState) -> Result<Option<Principal>, ApiError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthorized("Authorization must be 'Bearer lk_…'"))?;
        if !token::well_formed(secret, token::PREFIX) {
            return Err(unauthorized("that is not a Lookout API token (lk_ and 64 hex digits)"));
        }
        let users = state.store.users();
        let t = users
            .token_by_hash(&token::digest(secret))
            .ok_or_else(|| unauthorized("the token is unknown or revoked"))?;
        let principal = Principal {
            username: t.created_by.clone(),
            role: t.role,
            token: Some(t.name.clone()),
            scope: t.scope.clone(),
            via: Via::Token(t.id.clone()),
        };
        let record = state.auth.record_token_use(&t.id, t.last_used);
        drop(users);
        if record {
            note_token_use(state, &principal);
        }
        return Ok(Some(principal));
    }
    if let Some(secret) = session_cookie(req).filter(|s| token::well_formed(s, SESSION_PREFIX)) {
        let hash = token::digest(&secret);
        let users = state.store.users();
        if let Some((_, user)) = users.session(&hash, Utc::now()) {
            return Ok(Some(Principal {
                username: user.username.clone(),
                role: user.role,
                token: None,
                scope: user.scope.clone(),
                via: Via::Session {
                    hash,
                    csrf: (!safe(req.method()) || req.path() == "/auth/me").then(|| csrf_of(&secret)),
                },
            }));
        }
    }
    if state.auth.dev_open() {
        return Ok(Some(Principal {
            username: DEV_USER.into(),
            role: Role::Admin,
            token: None,
            scope: None,
            via: Via::DevOpen,
        }));
    }
    Ok(None)
}

/// Records (in the background) that a token was used.
fn note_token_use(state: &AppState, principal: &Principal) {
    let Via::Token(id) = &principal.via else { return };
    let store = state.store.clone();
    let author = principal.author();
    let id = id.clone();
    actix_web::rt::spawn(async move {
        let stored = web::block(move || store.submit(author, Event::TokenUsed { id })).await;
        if let Ok(Err(e)) = stored {
            tracing::debug!(error = %e, "a token's use could not be recorded");
        }
    });
}

/// Checks a request against the permission table before its handler.
pub fn check(req: &HttpRequest, state: &AppState) -> Result<Option<Principal>, ApiError> {
    let path = req.match_pattern().unwrap_or_default();
    let method = req.method();
    let needed = access(&path, method);
    if needed == Access::Public {
        // Public routes use no principal: no lookup.
        return Ok(None);
    }
    let principal = authenticate(req, state)?;
    let Some(principal) = principal else {
        return Err(unauthorized(
            "sign in first (POST /auth/login), or send 'Authorization: Bearer lk_…'",
        ));
    };
    let matched = req.match_info().get("collection").map(str::to_owned);
    // Before routing (the Idempotency-Key middleware asks too) the path's
    // parameters are not parsed yet: read the segment the pattern names.
    let collection = matched.or_else(|| segment(&path, req.path(), "{collection}"));
    let collection = collection.as_deref();
    if !allowed(principal.role, needed, collection) {
        let permission = match needed {
            Access::EditCollection => Permission::for_collection(collection.unwrap_or_default()),
            Access::Need(p) => p,
            Access::Public => Permission::Read,
        };
        let what = match (needed, collection) {
            (Access::EditCollection, Some(c)) if principal.role.allows(permission) => {
                format!("role {} may not change {c}", principal.role)
            }
            _ => format!("role {} lacks the permission {permission}", principal.role),
        };
        return Err(forbidden(format!("{what} ({method} {path})")));
    }
    if !safe(method)
        && let Via::Session { csrf, .. } = &principal.via
    {
        let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !sent.zip(csrf.as_deref()).is_some_and(|(s, c)| constant_eq(s, c)) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "a change signed in by cookie must carry the session's X-CSRF-Token (from POST /auth/login or GET /auth/me)",
            ));
        }
    }
    Ok(Some(principal))
}

/// Whether a method changes nothing (no CSRF token needed).
fn safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The segment of `path` where `pattern` has `name`.
fn segment(pattern: &str, path: &str, name: &str) -> Option<String> {
    let index = pattern.split('/').position(|s| s == name)?;
    path.split('/').nth(index).map(str::to_owned)
}

/// The middleware of every endpoint in the route table: [`check`], then the
/// principal into the request's extensions, then the handler.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(ApiError::internal("no application state").into());
    };
    match check(req.request(), &state) {
        Ok(Some(principal)) => {
            if let Some(scope) = &principal.scope {
                req.extensions_mut().insert(Arc::new(scope.clone()));
            }
            req.extensions_mut().insert(Arc::new(principal));
        }
        Ok(None) => {}
        Err(e) => {
            let response = actix_web::ResponseError::error_response(&e);
            return Ok(req.into_response(response));
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

/// The principal the guard found, if any.
pub fn principal(req: &HttpRequest) -> Option<Arc<Principal>> {
    req.extensions().get::<Arc<Principal>>().cloned()
}

/// The session cookie's `Set-Cookie` value (`Secure` over TLS); an empty
/// id with `max_age` 0 clears it.
pub fn cookie(id: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}
