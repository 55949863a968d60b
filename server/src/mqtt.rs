//! MQTT ingest: `serve --mqtt mqtt://host:port` subscribes to
//! `lookout/readings/+` at QoS 1 (rumqttc) and stores each reading the way
//! `POST /readings` does (checked, stored and fsync'd, alarms evaluated).
//!
//! Acknowledgements are manual: a message is acknowledged to the broker
//! only after its reading is stored (or refused for good: a bad reading is
//! counted and acknowledged, since sending it again cannot make it good).
//! If the store fails, nothing is acknowledged and the broker sends the
//! messages again. The session is persistent (clean session off, a fixed
//! client id), so messages published while the server was down are
//! delivered when it is back.

use crate::state::AppState;
use anyhow::{Context, bail};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, Publish, QoS};
use serde::Serialize;
use serde_json::Value as Json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The topic filter: `lookout/readings/{sensor_id}`.
pub const TOPIC: &str = "lookout/readings/+";
/// Most messages stored as one batch (one fsync).
pub const BATCH: usize = 1_000;
/// How long a batch waits for more messages (the baseline loop only).
const GATHER: Duration = Duration::from_millis(5);

/// What `/health` shows of the MQTT ingest.
#[derive(Debug, Default, Serialize)]
pub struct Status {
    /// The broker's address.
    pub broker: String,
    /// Connected now.
    pub connected: AtomicBool,
    /// Messages received.
    pub received: AtomicU64,
    /// Messages acknowledged to the broker.
    pub acknowledged: AtomicU64,
}

/// `mqtt://host:port` (port 1883 by default) → host and port.
pub fn parse_url(url: &str) -> anyhow::Result<(String, u16)> {
    let Some(rest) = url.strip_prefix("mqtt://") else {
        bail!("the broker is mqtt://host:port, not {url:?}");
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().with_context(|| format!("port {p:?} in {url}"))?),
        None => (rest, 1883),
    };
    if host.is_empty() {
        bail!("no host in {url:?}");
    }
    Ok((host.to_owned(), port))
}

/// The reading a message carries: its JSON, with `sensor` from the topic.
fn item(publish: &Publish) -> Result<Json, String> {
    let id: u64 = publish
        .topic
        .strip_prefix("lookout/readings/")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("topic {:?} is not lookout/readings/{{sensor_id}}", publish.topic))?;
    let mut json: Json =
        serde_json::from_slice(&publish.payload).map_err(|e| format!("{}: not JSON: {e}", publish.topic))?;
    let object = json
        .as_object_mut()
        .ok_or_else(|| format!("{}: a reading is a JSON object", publish.topic))?;
    match object.get("sensor") {
        None => {
            object.insert("sensor".into(), id.into());
        }
        Some(s) if s.as_u64() == Some(id) => {}
        Some(s) => return Err(format!("{}: the payload names sensor {s}", publish.topic)),
    }
    Ok(json)
}

/// Starts the subscriber on its own thread; it reconnects by itself.
pub fn start(url: &str, client_id: &str, state: AppState) -> anyhow::Result<Arc<Status>> {
    let (host, port) = parse_url(url)?;
    let mut options = MqttOptions::new(client_id, host, port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_session(false)
        .set_manual_acks(true)
        .set_inflight(1_000);
    let status = Arc::new(Status {
        broker: url.to_owned(),
        ..Status::default()
    });
    let shown = status.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("the MQTT runtime")?;
    std::thread::Builder::new()
        .name("mqtt".into())
        .spawn(move || runtime.block_on(run(options, state, status)))
        .context("the MQTT thread")?;
    Ok(shown)
}

/// A message as the poll task hands it on: the connection it came on (its
/// packet id means something only there) and the publish.
struct Incoming {
    connection: u64,
    publish: Publish,
}

/// How the event loop is driven (`LOOKOUT_MQTT_POLL`): `task` (the default)
/// or `timeout`, the former loop, kept only as the baseline of
/// scripts/bench-readings.
fn baseline_poll() -> bool {
    std::env::var("LOOKOUT_MQTT_POLL").is_ok_and(|v| v == "timeout")
}

async fn run(options: MqttOptions, state: AppState, status: Arc<Status>) {
    if baseline_poll() {
        tracing::warn!("LOOKOUT_MQTT_POLL=timeout: the benchmark baseline's MQTT loop (a timeout around poll)");
        return run_with_timeout(options, state, status).await;
    }
    let (client, events) = AsyncClient::new(options, 4 * BATCH);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Incoming>(4 * BATCH);
    let connection = Arc::new(AtomicU64::new(0));
    tokio::spawn(poll(client.clone(), events, tx, status.clone(), connection.clone()));
    let mut batch: Vec<Incoming> = Vec::with_capacity(BATCH);
    // Wait for a message without limit; then take whatever else has come
    // (never waiting: the poll task keeps reading meanwhile), store the
    // batch, acknowledge it, and start again.
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let items: Vec<Result<Json, String>> = batch.iter().map(|m| item(&m.publish)).collect();
        let s = state.clone();
        let stored =
            tokio::task::spawn_blocking(move || s.monitor.ingest(&s.store, &s.readings, items, chrono::Utc::now()))
                .await;
        match stored {
            Ok(Ok((report, _))) => {
                if report.rejected > 0 {
                    tracing::debug!(rejected = report.rejected, "MQTT readings refused");
                }
                let now = connection.load(Ordering::Acquire);
                for m in batch.drain(..) {
                    // A message of a connection since lost comes again on the
                    // persistent session (and is stored twice, as documented):
                    // its packet id is not to be acknowledged on this one.
                    if m.connection == now && client.ack(&m.publish).await.is_ok() {
                        status.acknowledged.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "MQTT readings could not be stored; not acknowledged, the broker sends them again");
                batch.clear();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "MQTT ingest task");
                batch.clear();
            }
        }
    }
}

/// Drives the event loop without pause (its `poll` is never cancelled), so
/// the connection is read, pinged and acknowledged while a batch is being
/// stored; hands each publish on to the storing loop.
async fn poll(
    client: AsyncClient,
    mut events: rumqttc::EventLoop,
    tx: tokio::sync::mpsc::Sender<Incoming>,
    status: Arc<Status>,
    connection: Arc<AtomicU64>,
) {
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                connection.fetch_add(1, Ordering::AcqRel);
                status.connected.store(true, Ordering::Relaxed);
                tracing::info!(broker = %status.broker, topic = TOPIC, "MQTT connected");
                // A persistent session keeps the subscription; subscribing again is harmless.
                let client = client.clone();
                tokio::spawn(async move {
                    if let Err(e) = client.subscribe(TOPIC, QoS::AtLeastOnce).await {
                        tracing::error!(error = %e, "MQTT subscribe");
                    }
                });
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                status.received.fetch_add(1, Ordering::Relaxed);
                let connection = connection.load(Ordering::Acquire);
                if tx.send(Incoming { connection, publish }).await.is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                if status.connected.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %e, broker = %status.broker, "MQTT connection lost; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The former loop: a 5 ms timeout around `poll()` (which is not
/// cancel-safe) and no polling while a batch is stored. Kept only as the
/// baseline of scripts/bench-readings (`LOOKOUT_MQTT_POLL=timeout`).
async fn run_with_timeout(options: MqttOptions, state: AppState, status: Arc<Status>) {
    let (client, mut events) = AsyncClient::new(options, 2 * BATCH);
    let mut batch: Vec<Publish> = Vec::new();
    loop {
        // Wait for a message (or anything) without limit while nothing is
        // pending; then gather more for a few milliseconds.
        let next = if batch.is_empty() {
            Some(events.poll().await)
        } else {
            tokio::time::timeout(GATHER, events.poll()).await.ok()
        };
        match next {
            Some(Ok(Event::Incoming(Packet::ConnAck(_)))) => {
                status.connected.store(true, Ordering::Relaxed);
                tracing::info!(broker = %status.broker, topic = TOPIC, "MQTT connected");
                // A persistent session keeps the subscription; subscribing again is harmless.
                if let Err(e) = client.subscribe(TOPIC, QoS::AtLeastOnce).await {
                    tracing::error!(error = %e, "MQTT subscribe");
                }
            }
            Some(Ok(Event::Incoming(Packet::Publish(p)))) => {
                status.received.fetch_add(1, Ordering::Relaxed);
                batch.push(p);
                if batch.len() < BATCH {
                    continue;
                }
            }
            // Other packets (acks, pings): keep gathering.
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                if status.connected.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %e, broker = %status.broker, "MQTT connection lost; reconnecting");
                }
                // Unacknowledged messages will come again on the persistent session.
                batch.clear();
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            None => {}
        }
        if batch.is_empty() {
            continue;
        }
        let items: Vec<Result<Json, String>> = batch.iter().map(item).collect();
        let s = state.clone();
        let stored =
            tokio::task::spawn_blocking(move || s.monitor.ingest(&s.store, &s.readings, items, chrono::Utc::now()))
                .await;
        match stored {
            Ok(Ok((report, _))) => {
                if report.rejected > 0 {
                    tracing::debug!(rejected = report.rejected, "MQTT readings refused");
                }
                for p in batch.drain(..) {
                    if client.ack(&p).await.is_ok() {
                        status.acknowledged.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "MQTT readings could not be stored; not acknowledged, the broker sends them again");
                batch.clear();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "MQTT ingest task");
                batch.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broker_url_is_mqtt_host_and_port() {
        assert_eq!(
            parse_url("mqtt://127.0.0.1:18830").unwrap(),
            ("127.0.0.1".into(), 18830)
        );
        assert_eq!(parse_url("mqtt://broker").unwrap(), ("broker".into(), 1883));
        assert!(parse_url("http://broker:1883").is_err());
        assert!(parse_url("mqtt://:1883").is_err());
        assert!(parse_url("mqtt://h:port").is_err());
    }

    #[test]
    fn the_sensor_comes_from_the_topic_and_must_agree_with_the_payload() {
        let publish = |topic: &str, payload: &str| Publish::new(topic, QoS::AtLeastOnce, payload.as_bytes().to_vec());
        let j = item(&publish("lookout/readings/12", r#"{"value": 3}"#)).unwrap();
        assert_eq!(j["sensor"], 12);
        assert!(item(&publish("lookout/readings/12", r#"{"sensor": 13, "value": 3}"#)).is_err());
        assert!(item(&publish("lookout/readings/x", r#"{"value": 3}"#)).is_err());
        assert!(item(&publish("lookout/readings/12", "{")).is_err());
    }
}
