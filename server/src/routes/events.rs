//! Live push: `GET /events/stream` (Server-Sent Events) sends every event as
//! it is folded in; a client that reconnects with `Last-Event-ID` (browsers
//! send it themselves) or `?after=` first gets every event after that one.
//! `GET /events` lists the operations events of the record.

use crate::error::ApiError;
use crate::extract::{DrillFilter, EventsQuery, LastEventId, Query, StreamQuery};
use crate::limits::{DEFAULT_EVENTS, MAX_EVENTS};
use crate::scope::RequestScope;
use crate::state::AppState;
use crate::view;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_ENCODING};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use lookout_layers::EventRecord;
use lookout_layers::store::Store;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// A comment line this often keeps proxies from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Registers the routes.
pub fn configure(r: &mut super::Routes<'_>) {
    r.add(super::Endpoint::at("/events").get(list))
        .add(super::Endpoint::at("/events/stream").get(stream));
}

/// One event as an SSE message: the record, with the collections it changes.
fn message(record: &EventRecord) -> Bytes {
    let data = serde_json::to_string(&view::event(record)).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {data}\n\n",
        record.seq,
        record.event.kind()
    ))
}

struct Stream {
    store: Arc<Store>,
    /// A scoped caller's scope: events outside it are not sent.
    scope: RequestScope,
    pending: VecDeque<Bytes>,
    live: tokio::sync::broadcast::Receiver<Arc<EventRecord>>,
    last: u64,
    _client: SseClient,
}

/// Counts the open streams (`lookout_sse_clients`) while it lives.
struct SseClient;

impl SseClient {
    fn new() -> Self {
        metrics::gauge!("lookout_sse_clients").increment(1.0);
        Self
    }
}

impl Drop for SseClient {
    fn drop(&mut self) {
        metrics::gauge!("lookout_sse_clients").decrement(1.0);
    }
}

impl Stream {
    /// The message of `record`, or `None` if the caller does not see it.
    fn message(&self, record: &EventRecord) -> Option<Bytes> {
        if self.scope.get().is_some() {
            let ops = self.store.operations();
            if !self.scope.sees_event(self.store.catalog(), &ops, &record.event) {
                return None;
            }
        }
        Some(message(record))
    }

    fn start(store: Arc<Store>, scope: RequestScope, after: u64) -> Self {
        let sub = store.subscribe(after);
        // First the number of the last stored event, so a client knows where
        // the record stands without asking (and before any backlog).
        let hello = format!(
            "retry: 2000\nevent: hello\ndata: {}\n\n",
            json!({ "seq": store.last_seq() })
        );
        let mut pending = VecDeque::from([Bytes::from(hello)]);
        let last = after;
        if !sub.complete {
            // The events asked for are no longer kept: the client reloads.
            pending.push_back(Bytes::from(format!(
                "event: reset\ndata: {}\n\n",
                json!({"after": after, "reason": "events after this id are no longer kept; reload the state"})
            )));
        }
        let mut s = Self {
            store,
            scope,
            pending,
            live: sub.live,
            last,
            _client: SseClient::new(),
        };
        for r in &sub.backlog {
            if let Some(m) = s.message(r) {
                s.pending.push_back(m);
            }
            s.last = r.seq;
        }
        s
    }

    async fn next(&mut self) -> Bytes {
        loop {
            if let Some(b) = self.pending.pop_front() {
                return b;
            }
            let received = tokio::time::timeout(KEEP_ALIVE, self.live.recv()).await;
            match received {
                Err(_) => return Bytes::from_static(b": keep-alive\n\n"),
                Ok(Ok(record)) => {
                    if record.seq > self.last {
                        self.last = record.seq;
                        if let Some(m) = self.message(&record) {
                            return m;
                        }
                    }
                }
                Ok(Err(RecvError::Lagged(_))) => {
                    // Too slow for the channel: resume from the kept events.
                    let sub = self.store.subscribe(self.last);
                    self.live = sub.live;
                    for r in &sub.backlog {
                        if let Some(m) = self.message(r) {
                            self.pending.push_back(m);
                        }
                        self.last = r.seq;
                    }
                }
                Ok(Err(RecvError::Closed)) => return Bytes::new(),
            }
        }
    }
}

/// `GET /events/stream`
async fn stream(
    state: web::Data<AppState>,
    scope: RequestScope,
    query: Query<StreamQuery>,
    last: LastEventId,
) -> Result<HttpResponse, ApiError> {
    // A new client (no id) gets new events only; a returning one, all it missed.
    let after = query.after.or(last.0).unwrap_or_else(|| state.store.last_seq());
    let s = Stream::start(state.store.clone(), scope, after);
    let body = futures_util::stream::unfold(s, |mut s| async move {
        let b = s.next().await;
        if b.is_empty() {
            None
        } else {
            Some((Ok::<_, actix_web::Error>(b), s))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((CACHE_CONTROL, "no-cache"))
        // Compressing would hold events back in the encoder's buffer.
        .insert_header((CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// `GET /events?after=0&limit=500&drill=all`: the operations events of the
/// record after `after` (or `Last-Event-ID`), oldest first, each with the
/// collections it changes. A cursor list: `next` continues after the last
/// event of this page, and is null when the page reached the end.
async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    scope: RequestScope,
    query: Query<EventsQuery>,
    last: LastEventId,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let after = q.after.or(last.0).unwrap_or(0);
    let drill = q.drill.unwrap_or(DrillFilter::All);
    let limit = q.limit.unwrap_or(DEFAULT_EVENTS);
    if !(1..=MAX_EVENTS).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be a whole number from 1 to {MAX_EVENTS}"
        )));
    }
    let ops = state.store.operations();
    let log = ops.log();
    let start = log.partition_point(|r| r.seq <= after);
    let catalog = state.store.catalog();
    let mut admitted = log[start..]
        .iter()
        .filter(|r| drill.admits(r.event.drill()))
        .filter(|r| scope.sees_event(catalog, &ops, &r.event));
    let events: Vec<serde_json::Value> = admitted.by_ref().take(limit).map(|r| view::event(r)).collect();
    let more = admitted.next().is_some();
    let last_seq = events.last().and_then(|e| e["seq"].as_u64()).unwrap_or(after);
    let next = more.then(|| crate::paging::url_with(&req, &[("after", last_seq.to_string())]));
    let mut links =
        vec![json!({"href": crate::paging::url_with(&req, &[]), "rel": "self", "type": "application/json"})];
    if let Some(n) = &next {
        links.push(json!({"href": n, "rel": "next", "type": "application/json"}));
    }
    Ok(HttpResponse::Ok().json(json!({
        "events": events,
        "numberReturned": events.len(),
        "last_seq": state.store.last_seq(),
        "next": next,
        "links": links,
    })))
}
