//! Live push: `GET /events/stream` (Server-Sent Events) sends every event as
//! it is folded in; a client that reconnects with `Last-Event-ID` (browsers
//! send it themselves) or `?after=` first gets every event after that one.
//! `GET /events` lists the operations events of the record.

use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::incidents::{DrillFilter, param, query_pairs};
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
/// Most events one `GET /events` answers.
pub const MAX_EVENTS: usize = 5_000;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(list))
        .route("/events/stream", web::get().to(stream));
}

/// The event to start after: `?after=`, else `Last-Event-ID`, else `default`.
fn after_param(req: &HttpRequest, pairs: &[(String, String)], default: u64) -> Result<u64, ApiError> {
    let header = req.headers().get("last-event-id").and_then(|v| v.to_str().ok());
    match param(pairs, "after").or(header) {
        None | Some("") => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("the last event id is a whole number, not {v:?}"))),
    }
}

/// One event as an SSE message.
fn message(record: &EventRecord) -> Bytes {
    let data = serde_json::to_string(record).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {data}\n\n",
        record.seq,
        record.event.kind()
    ))
}

struct Stream {
    store: Arc<Store>,
    pending: VecDeque<Bytes>,
    live: tokio::sync::broadcast::Receiver<Arc<EventRecord>>,
    last: u64,
}

impl Stream {
    fn start(store: Arc<Store>, after: u64) -> Self {
        let sub = store.subscribe(after);
        let mut pending = VecDeque::from([Bytes::from_static(b"retry: 2000\n\n")]);
        let mut last = after;
        if !sub.complete {
            // The events asked for are no longer kept: the client reloads.
            pending.push_back(Bytes::from(format!(
                "event: reset\ndata: {}\n\n",
                json!({"after": after, "reason": "events after this id are no longer kept; reload the state"})
            )));
        }
        for r in &sub.backlog {
            pending.push_back(message(r));
            last = r.seq;
        }
        Self {
            store,
            pending,
            live: sub.live,
            last,
        }
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
                        return message(&record);
                    }
                }
                Ok(Err(RecvError::Lagged(_))) => {
                    // Too slow for the channel: resume from the kept events.
                    let sub = self.store.subscribe(self.last);
                    self.live = sub.live;
                    for r in &sub.backlog {
                        self.pending.push_back(message(r));
                        self.last = r.seq;
                    }
                }
                Ok(Err(RecvError::Closed)) => return Bytes::new(),
            }
        }
    }
}

/// `GET /events/stream`
async fn stream(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req)?;
    // A new client (no id) gets new events only; a returning one, all it missed.
    let after = after_param(&req, &pairs, state.store.last_seq())?;
    let s = Stream::start(state.store.clone(), after);
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

/// `GET /events?after=0&limit=500&drill=all`: the operations events of the record.
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req)?;
    let after = after_param(&req, &pairs, 0)?;
    let drill = DrillFilter::parse(param(&pairs, "drill").or(Some("all")))?;
    let limit = match param(&pairs, "limit") {
        None => 500,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_EVENTS).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be a whole number from 1 to {MAX_EVENTS}")))?,
    };
    let ops = state.store.operations();
    let log = ops.log();
    let start = log.partition_point(|r| r.seq <= after);
    let events: Vec<&EventRecord> = log[start..]
        .iter()
        .filter(|r| drill.admits(r.event.drill()))
        .take(limit)
        .map(|r| &**r)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "events": events })))
}
