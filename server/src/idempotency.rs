//! `Idempotency-Key` on every POST: a retried request with the same key gets
//! the first answer and stores nothing new; the same key with another
//! request (method, path or body) is a 422.
//!
//! - The key and a hash of the request are stored *with* the events the
//!   request made (one journal record, or one PostGIS transaction), so they
//!   survive a restart and reach every replica: a client whose answer was
//!   lost after the commit finds its request stored when it retries.
//! - Recent answers (2xx only: a refused or failed request stored nothing,
//!   so its retry runs again) are kept in memory, [`KEEP`] of them, and
//!   returned as they were. An older one is rebuilt from the state: an
//!   incident's current record with the original status, or a reference to
//!   the events and the resource the request made.
//! - The store call picks the key up with [`take`]: the middleware runs the
//!   handler inside a task-local scope that holds it. A retry that reaches
//!   the store before its key is in the index here (it raced the first, or
//!   another replica stored it) gets the first request's events back from
//!   the store, so the handler answers as the first did.
//!
//! A replayed answer carries `Idempotent-Replayed: true`.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use lookout_layers::Idempotency;
use lookout_layers::store::StoredKey;
use parking_lot::Mutex;
use serde_json::json;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// Longest key accepted.
pub const MAX_KEY_CHARS: usize = 255;
/// Answers kept in memory.
pub const KEEP: usize = 4_096;

tokio::task_local! {
    static KEY: RefCell<Option<Idempotency>>;
}

/// The key of the request being handled, for the store call that makes its
/// events; taken once, so a handler that stores twice keys only its first unit.
pub fn take() -> Option<Idempotency> {
    KEY.try_with(|k| k.borrow_mut().take()).ok().flatten()
}

/// A first answer, as sent.
#[derive(Debug, Clone)]
struct Answer {
    request: String,
    status: StatusCode,
    location: Option<HeaderValue>,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

/// The recent answers, by key; the oldest goes first.
#[derive(Debug, Default)]
pub struct Answers {
    inner: Mutex<(HashMap<String, Answer>, VecDeque<String>)>,
}

impl Answers {
    fn get(&self, key: &str) -> Option<Answer> {
        self.inner.lock().0.get(key).cloned()
    }

    fn put(&self, key: String, answer: Answer) {
        let mut inner = self.inner.lock();
        let (map, order) = &mut *inner;
        if map.insert(key.clone(), answer).is_none() {
            order.push_back(key);
        }
        while order.len() > KEEP {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }
}

fn answers() -> &'static Answers {
    static ANSWERS: std::sync::OnceLock<Answers> = std::sync::OnceLock::new();
    ANSWERS.get_or_init(Answers::default)
}

fn reused(key: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        format!(
            "Idempotency-Key {key:?} was used for a different request (another method, path or body); nothing was stored: use a new key for a new request"
        ),
    )
}

fn replayed(answer: &Answer) -> HttpResponse {
    let mut response = HttpResponse::build(answer.status);
    response.insert_header((HeaderName::from_static(REPLAYED), "true"));
    if let Some(l) = &answer.location {
        response.insert_header((header::LOCATION, l.clone()));
    }
    if let Some(c) = &answer.content_type {
        response.insert_header((header::CONTENT_TYPE, c.clone()));
    }
    response.body(answer.body.clone())
}

/// The answer to a request whose first answer is no longer kept, from what
/// it stored and the state now.
fn rebuilt(state: &AppState, key: &str, stored: &StoredKey) -> HttpResponse {
    let mut response = HttpResponse::build(match stored.kind.as_str() {
        "incident_opened" | "feature_created" | "note_added" => StatusCode::CREATED,
        _ => StatusCode::OK,
    });
    response.insert_header((HeaderName::from_static(REPLAYED), "true"));
    if stored.collection == "incidents"
        && let Some(id) = stored.feature
        && let Ok(incident) = crate::view::current(state, id)
    {
        if stored.kind == "incident_opened" {
            response.insert_header((header::LOCATION, format!("/incidents/{id}")));
        }
        return response.json(incident);
    }
    let location = stored
        .feature
        .map(|id| format!("/collections/{}/items/{id}", stored.collection));
    if let Some(l) = &location {
        response.insert_header((header::LOCATION, l.clone()));
    }
    response.json(json!({
        "replayed": true,
        "message": format!(
            "the request with Idempotency-Key {key:?} was stored already as events {}–{}; nothing new was stored",
            stored.first_seq, stored.last_seq
        ),
        "first_seq": stored.first_seq,
        "last_seq": stored.last_seq,
        "type": stored.kind,
        "collection": stored.collection,
        "id": stored.feature,
        "location": location,
    }))
}

/// The middleware: see the module documentation.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let raw = req.headers().get(HEADER).cloned();
    let (Method::POST, Some(raw)) = (req.method().clone(), raw) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match raw.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= MAX_KEY_CHARS => k.to_owned(),
        _ => {
            return Ok(req.error_response(ApiError::bad_request(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
            ))));
        }
    };
    let body = req.extract::<web::Bytes>().await?;
    let path = req.uri().path_and_query().map_or("", |p| p.as_str()).to_owned();
    let idempotency = Idempotency::for_request(&key, "POST", &path, &body);
    req.set_payload(Payload::from(body));

    let state = req.app_data::<web::Data<AppState>>().cloned();
    // A stored answer goes only to whom the route would answer.
    if let Some(state) = &state
        && req.match_pattern().is_some()
        && let Err(e) = crate::auth::check(req.request(), state)
    {
        return Ok(req.error_response(e));
    }
    // Answers are kept per store (tests run several in one process).
    let slot = format!(
        "{:p}/{key}",
        state
            .as_ref()
            .map_or(std::ptr::null(), |s| std::sync::Arc::as_ptr(&s.store))
    );
    if let Some(answer) = answers().get(&slot) {
        if answer.request != idempotency.request {
            return Ok(req.error_response(reused(&key)));
        }
        let response = replayed(&answer);
        return Ok(req.into_response(response));
    }
    if let Some(stored) = state.as_ref().and_then(|s| s.store.idempotent(&key)) {
        if stored.request != idempotency.request {
            return Ok(req.error_response(reused(&key)));
        }
        let response = state
            .as_ref()
            .map_or_else(|| HttpResponse::Ok().finish(), |state| rebuilt(state, &key, &stored));
        return Ok(req.into_response(response));
    }

    let request = idempotency.request.clone();
    let response = KEY.scope(RefCell::new(Some(idempotency)), next.call(req)).await?;
    if !response.status().is_success() {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::internal("reading an answer to keep"))?;
    let answer = Answer {
        request,
        status: head.status(),
        location: head.headers().get(header::LOCATION).cloned(),
        content_type: head.headers().get(header::CONTENT_TYPE).cloned(),
        body: body.clone(),
    };
    answers().put(slot, answer);
    let response = head.set_body(body).map_into_boxed_body();
    Ok(ServiceResponse::new(req, response))
}
