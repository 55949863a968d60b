//! `lookout simulate --mqtt mqtt://host:port --rate N`: publishes realistic
//! readings of the dataset's sensors to the broker (QoS 1, topic
//! `lookout/readings/{sensor_id}`), so that a served map shows a living
//! province: a daily cycle (tank temperature, weather), noise, a slow drift,
//! and dropouts (about 1 % of readings are skipped). Gas detectors read
//! near zero; no value crosses an alarm threshold by itself.

use crate::cli::SimulateArgs;
use anyhow::Context;
use lookout_layers::dataset::{generated_dir, read_layer};
use lookout_layers::model::{Sensor, SensorKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use std::time::{Duration, Instant};

/// One reading's JSON for `sensor` at hour-of-day `hour` (0..24) with its
/// drift, or `None` for a dropout.
pub fn reading(sensor: &Sensor, hour: f64, drift: f64, rng: &mut ChaCha8Rng) -> Option<serde_json::Value> {
    if rng.random_range(0..100) == 0 {
        return None;
    }
    let day = (std::f64::consts::TAU * (hour - 9.0) / 24.0).sin(); // warmest mid-afternoon
    let noise = |rng: &mut ChaCha8Rng, scale: f64| rng.random_range(-scale..scale);
    let [lo, hi] = sensor.range;
    let t = sensor.thresholds;
    let below_high = |v: f64| t.high.map_or(v, |h| v.min(h * 0.9)).clamp(lo, hi);
    let value = match sensor.kind {
        SensorKind::Camera => return None,
        SensorKind::Weather => {
            let wind = (250.0 + 40.0 * day + noise(rng, 20.0)).rem_euclid(360.0);
            return Some(serde_json::json!({
                "wind_from_deg": (wind * 10.0).round() / 10.0,
                "wind_speed_ms": ((2.5 + 1.5 * day + noise(rng, 0.8)).max(0.0) * 10.0).round() / 10.0,
                "temperature_c": ((4.0 + 7.0 * day + noise(rng, 0.5)) * 10.0).round() / 10.0,
                "cloud_cover_oktas": rng.random_range(0..=8),
            }));
        }
        SensorKind::ToxicGas | SensorKind::CombustibleGas => {
            (t.high.unwrap_or(hi) * (0.02 + 0.03 * rng.random::<f64>()) + drift.abs() * 0.01).max(0.0)
        }
        SensorKind::TankTemperature => below_high(18.0 + 8.0 * day + drift + noise(rng, 0.3)),
        SensorKind::TankLevel => below_high(55.0 + 5.0 * drift + noise(rng, 0.2)),
        SensorKind::TankPressure | SensorKind::PipePressure => {
            let mid = match (t.low, t.high) {
                (Some(l), Some(h)) => (l + h) / 2.0,
                (None, Some(h)) => h * 0.6,
                _ => (lo + hi) / 2.0,
            };
            below_high(mid * (1.0 + 0.02 * day + 0.01 * drift) + mid * noise(rng, 0.005))
        }
        SensorKind::Flow => below_high(t.high.unwrap_or(hi) * (0.45 + 0.2 * day) + noise(rng, 1.0)),
    };
    Some(serde_json::json!({ "value": (value * 1000.0).round() / 1000.0 }))
}

/// Runs the simulator until `--seconds` have passed (or for ever).
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let dir = generated_dir(&crate::cli::or_home(&args.data_dir, "data"), args.seed, args.scale);
    let sensors: Vec<_> = read_layer::<Sensor>(&dir)
        .with_context(|| {
            format!(
                "reading the sensors of {} (lookout data generate makes them)",
                dir.display()
            )
        })?
        .into_iter()
        .filter(|s| s.properties.kind != SensorKind::Camera)
        .collect();
    anyhow::ensure!(!sensors.is_empty(), "no sensors in {}", dir.display());
    anyhow::ensure!(args.rate >= 1, "--rate is readings per second, at least 1");
    let (host, port) = crate::mqtt::parse_url(&args.mqtt)?;
    let mut options = MqttOptions::new(format!("lookout-simulate-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(30)).set_inflight(1_000);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (client, mut events) = AsyncClient::new(options, 10_000);
        tokio::spawn(async move {
            loop {
                if let Err(e) = events.poll().await {
                    tracing::warn!(error = %e, "MQTT connection; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
        let mut drift = vec![0.0_f64; sensors.len()];
        let started = Instant::now();
        let tick = Duration::from_millis(100);
        let per_tick = (f64::from(args.rate) * tick.as_secs_f64()).max(1.0);
        let mut owed = 0.0;
        let mut next = 0usize;
        let mut sent = 0u64;
        let mut every = tokio::time::interval(tick);
        tracing::info!(sensors = sensors.len(), rate = args.rate, broker = %args.mqtt, "simulating");
        while args.seconds.is_none_or(|s| started.elapsed().as_secs() < s) {
            every.tick().await;
            owed += per_tick;
            let now = chrono::Utc::now();
            // Hour of the day in China Standard Time (UTC+8).
            let hour = (now.timestamp() + 8 * 3600).rem_euclid(86_400) as f64 / 3600.0;
            while owed >= 1.0 {
                owed -= 1.0;
                let i = next % sensors.len();
                next += 1;
                drift[i] = (drift[i] + rng.random_range(-0.05..0.05)).clamp(-2.0, 2.0);
                let s = &sensors[i];
                if let Some(mut payload) = reading(&s.properties, hour, drift[i], &mut rng) {
                    payload["at"] = serde_json::json!(now.to_rfc3339());
                    if args.drill {
                        payload["drill"] = serde_json::json!(true);
                    }
                    let topic = format!("lookout/readings/{}", s.id);
                    client
                        .publish(topic, QoS::AtLeastOnce, false, payload.to_string())
                        .await
                        .context("publishing")?;
                    sent += 1;
                }
            }
            if sent > 0 && sent.is_multiple_of(u64::from(args.rate) * 10) {
                tracing::info!(sent, "readings published");
            }
        }
        tracing::info!(sent, "done");
        anyhow::Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lookout_layers::model::{SensorSite, Thresholds};

    fn sensor(kind: SensorKind, range: [f64; 2], thresholds: Thresholds) -> Sensor {
        Sensor {
            name: "t".into(),
            kind,
            site: SensorSite::HazardSource,
            site_id: 1,
            site_name: "s".into(),
            hazard_source_id: Some(1),
            substance: None,
            unit: String::new(),
            range,
            thresholds,
            stale_after_min: 5,
            url: None,
            county_id: 1,
            county: String::new(),
            city: String::new(),
        }
    }

    #[test]
    fn simulated_readings_stay_in_range_and_below_the_first_alarm_level() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let high = |h, hh| Thresholds {
            high: Some(h),
            high_high: Some(hh),
            low: None,
            rise_per_min: None,
        };
        let sensors = [
            sensor(SensorKind::CombustibleGas, [0.0, 100.0], high(25.0, 50.0)),
            sensor(SensorKind::ToxicGas, [0.0, 10.0], high(0.33, 0.67)),
            sensor(SensorKind::TankTemperature, [-40.0, 150.0], high(40.0, 50.0)),
            sensor(SensorKind::TankLevel, [0.0, 100.0], high(85.0, 90.0)),
            sensor(SensorKind::TankPressure, [0.0, 4.0], high(1.44, 1.6)),
            sensor(SensorKind::Flow, [0.0, 300.0], high(120.0, 150.0)),
        ];
        let mut dropouts = 0;
        for n in 0..5_000 {
            let s = &sensors[n % sensors.len()];
            let hour = (n % 24) as f64;
            match reading(s, hour, 2.0, &mut rng) {
                None => dropouts += 1,
                Some(r) => {
                    let v = r["value"].as_f64().unwrap();
                    assert!(s.in_range(v), "{:?} {v}", s.kind);
                    assert!(v < s.thresholds.high.unwrap(), "{:?} {v}", s.kind);
                }
            }
        }
        assert!((10..150).contains(&dropouts), "{dropouts} dropouts of 5000");
        let w = reading(
            &sensor(SensorKind::Weather, [-60.0, 360.0], Thresholds::default()),
            15.0,
            0.0,
            &mut rng,
        );
        let w = w
            .or_else(|| {
                reading(
                    &sensor(SensorKind::Weather, [-60.0, 360.0], Thresholds::default()),
                    15.0,
                    0.0,
                    &mut rng,
                )
            })
            .unwrap();
        assert!((0.0..360.0).contains(&w["wind_from_deg"].as_f64().unwrap()));
    }
}
