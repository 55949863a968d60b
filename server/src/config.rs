//! Settings: command-line flags over an optional TOML file over defaults.

use crate::cli::ServeArgs;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The options a config file may set (unknown keys are refused).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    bind: Option<SocketAddr>,
    home: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    web_dir: Option<PathBuf>,
    seed: Option<u64>,
    scale: Option<u32>,
    region: Option<String>,
    store: Option<String>,
    tile_source: Option<TileSource>,
    cors_origins: Option<Vec<String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    readings_retention_days: Option<u32>,
    mqtt: Option<String>,
    mqtt_client_id: Option<String>,
    history: Option<bool>,
    reminder_days: Option<Vec<u32>>,
    ledger_tick_secs: Option<u64>,
    snapshot_every_events: Option<u64>,
    snapshot_every_mb: Option<u64>,
    snapshots_kept: Option<usize>,
    /// The risk grid's method (`[risk]`, docs/risk-method.md): any weight
    /// left out keeps its default.
    risk: Option<lookout_layers::risk::RiskMethod>,
}

/// Which encoder makes vector tiles by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TileSource {
    /// Lookout's own, from the in-memory R-trees (clustered, cached).
    #[default]
    Memory,
    /// PostGIS's `ST_AsMVT` (PostGIS store only; unclustered zooms).
    Postgis,
}

impl std::str::FromStr for TileSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "memory" => Ok(Self::Memory),
            "postgis" => Ok(Self::Postgis),
            other => Err(format!("tile source must be memory or postgis, not {other:?}")),
        }
    }
}

/// What the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub bind: SocketAddr,
    /// Dataset folder.
    pub data_dir: PathBuf,
    /// Journal folder.
    pub state_dir: PathBuf,
    /// Web map folder, read live; `None`: the copy built into the program.
    pub web_dir: Option<PathBuf>,
    /// Dataset seed.
    pub seed: u64,
    /// Dataset scale.
    pub scale: u32,
    /// The region (`--region ID|PATH`, `LOOKOUT_REGION`; the built-in Shanxi by default).
    pub region: std::sync::Arc<lookout_layers::region::Region>,
    /// Open a browser on start.
    pub open: bool,
    /// PostGIS URL; `None`: the embedded store.
    pub store: Option<String>,
    /// Default tile encoder.
    pub tile_source: TileSource,
    /// TLS and cross-origin settings.
    pub edge: Edge,
    /// Days sensor readings are kept.
    pub readings_retention_days: u32,
    /// The MQTT broker to take readings from (`mqtt://host:port`).
    pub mqtt: Option<String>,
    /// The MQTT client id (its persistent session).
    pub mqtt_client_id: String,
    /// Embedded store: a fresh store takes the generated ledger history
    /// (`--history` or `history = true`; off by default).
    pub history: bool,
    /// Embedded store: when to take snapshots, how many to keep (config file only).
    pub snapshots: lookout_layers::store::snapshot::Policy,
    /// The supervision ledger's clock (docs/ledger.md).
    pub ledger: LedgerSettings,
    /// How the risk grid and choropleth score (config file `[risk]`, docs/risk-method.md).
    pub risk: lookout_layers::risk::RiskMethod,
}

/// How the ledger's deadlines act by themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSettings {
    /// Reminder days before a deadline.
    pub schedule: lookout_layers::ledger::schedule::Schedule,
    /// How often the clock looks at the deadlines.
    pub tick: std::time::Duration,
}

/// Seconds between two looks at the ledger's deadlines, by default.
pub const DEFAULT_LEDGER_TICK_SECS: u64 = 60;

impl Default for LedgerSettings {
    fn default() -> Self {
        Self {
            schedule: lookout_layers::ledger::schedule::Schedule::default(),
            tick: std::time::Duration::from_secs(DEFAULT_LEDGER_TICK_SECS),
        }
    }
}

/// The edge's settings: TLS and the origins allowed to call from a browser.
#[derive(Debug, Clone, Default)]
pub struct Edge {
    /// Origins (`https://host[:port]`) whose pages may call the API (CORS);
    /// empty: none but the server's own.
    pub cors_origins: Vec<String>,
    /// Serve HTTPS with this certificate chain and key; `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
}

/// PEM files for HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl Edge {
    fn resolve(args: &ServeArgs, file: &mut RawConfig) -> anyhow::Result<Self> {
        let raw = if args.cors_origin.is_empty() {
            file.cors_origins.take().unwrap_or_default()
        } else {
            args.cors_origin.clone()
        };
        let cors_origins = raw
            .iter()
            .map(|o| crate::edge::parse_origin(o).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cert = args.tls_cert.clone().or(file.tls_cert.take());
        let key = args.tls_key.clone().or(file.tls_key.take());
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => bail!("--tls-cert needs --tls-key (the certificate's private key)"),
            (None, Some(_)) => bail!("--tls-key needs --tls-cert (the certificate chain)"),
        };
        Ok(Self { cors_origins, tls })
    }
}

impl Settings {
    /// Flags win over the config file, which wins over defaults that work on a fresh machine.
    pub fn resolve(args: &ServeArgs) -> anyhow::Result<Self> {
        let mut file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str::<RawConfig>(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => RawConfig::default(),
        };
        let edge = Edge::resolve(args, &mut file)?;
        let scale = args.scale.or(file.scale).unwrap_or(1);
        if !(1..=1000).contains(&scale) {
            bail!("scale must be 1..=1000, not {scale}");
        }
        let readings_retention_days = args
            .readings_retention_days
            .or(file.readings_retention_days)
            .unwrap_or(lookout_layers::readings::DEFAULT_RETENTION_DAYS);
        if !(1..=3660).contains(&readings_retention_days) {
            bail!("readings retention must be 1..=3660 days, not {readings_retention_days}");
        }
        let reminder_days = if args.reminder_days.is_empty() {
            file.reminder_days.take()
        } else {
            Some(args.reminder_days.clone())
        };
        let schedule = match reminder_days {
            Some(days) => lookout_layers::ledger::schedule::Schedule::new(days)?,
            None => lookout_layers::ledger::schedule::Schedule::default(),
        };
        let tick = args
            .ledger_tick_secs
            .or(file.ledger_tick_secs)
            .unwrap_or(DEFAULT_LEDGER_TICK_SECS);
        if !(1..=3600).contains(&tick) {
            bail!("the ledger's tick must be 1..=3600 seconds, not {tick}");
        }
        let ledger = LedgerSettings {
            schedule,
            tick: std::time::Duration::from_secs(tick),
        };
        let risk = file.risk.take().unwrap_or_default();
        risk.validate().map_err(|e| anyhow::anyhow!(e))?;
        let home = crate::cli::home_flag()
            .or(file.home.take())
            .unwrap_or_else(crate::cli::default_home);
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir.take())
            .unwrap_or_else(|| home.join("data"));
        let region_spec = args.region.clone().or(file.region.take());
        let region = lookout_layers::region::Region::resolve(region_spec.as_deref(), &data_dir)?;
        Ok(Self {
            region: std::sync::Arc::new(region),
            ledger,
            risk,
            bind: args
                .bind
                .or(file.bind)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            state_dir: args
                .state_dir
                .clone()
                .or(file.state_dir)
                .unwrap_or_else(|| home.join("state")),
            web_dir: args.web_dir.clone().or(file.web_dir),
            seed: args.seed.or(file.seed).unwrap_or(1),
            scale,
            open: args.open,
            store: args.store.clone().or(file.store).filter(|s| !s.is_empty()),
            tile_source: args.tile_source.or(file.tile_source).unwrap_or_default(),
            edge,
            readings_retention_days,
            mqtt: args.mqtt.clone().or(file.mqtt).filter(|s| !s.is_empty()),
            mqtt_client_id: args
                .mqtt_client_id
                .clone()
                .or(file.mqtt_client_id)
                .unwrap_or_else(|| "lookout".into()),
            history: !args.no_history && (args.history || file.history.unwrap_or(false)),
            snapshots: {
                let d = lookout_layers::store::snapshot::Policy::default();
                lookout_layers::store::snapshot::Policy {
                    every_events: file.snapshot_every_events.unwrap_or(d.every_events),
                    every_bytes: file.snapshot_every_mb.map_or(d.every_bytes, |mb| mb << 20),
                    keep: file.snapshots_kept.unwrap_or(d.keep).max(1),
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_file_sets_risk_weights_and_refuses_bad_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lookout.toml");
        std::fs::write(
            &path,
            "[risk]\nhazard_level = [50, 30, 15, 8]\n[risk.industry]\nfireworks = 2.0\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.risk.hazard_level, [50.0, 30.0, 15.0, 8.0]);
        assert_eq!(s.risk.industry.get("fireworks"), Some(&2.0));
        assert_eq!(
            s.risk.enterprise,
            lookout_layers::risk::RiskMethod::default().enterprise
        );
        std::fs::write(&path, "[risk]\nclass_breaks = [80, 50, 20]\n").unwrap();
        let e = Settings::resolve(&args).unwrap_err();
        assert!(format!("{e:#}").contains("class_breaks"), "{e:#}");
        std::fs::write(&path, "[risk]\nweight_of_cats = 1\n").unwrap();
        assert!(Settings::resolve(&args).is_err(), "unknown keys are refused");
    }

    #[test]
    fn defaults_work_on_a_fresh_machine() {
        let s = Settings::resolve(&ServeArgs::default()).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!((s.seed, s.scale), (1, 1));
        assert_eq!(s.web_dir, None, "the built-in map");
        assert!(s.state_dir.ends_with("lookout/state"), "{}", s.state_dir.display());
    }

    #[test]
    fn the_config_file_names_the_data_home() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lookout.toml");
        std::fs::write(&path, "home = \"/var/lib/lookout\"\n").unwrap();
        let args = ServeArgs {
            config: Some(path),
            ..Default::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/var/lib/lookout/data"));
        assert_eq!(s.state_dir, PathBuf::from("/var/lib/lookout/state"));
    }

    #[test]
    fn flags_win_over_the_file_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lookout.toml");
        std::fs::write(&path, "scale = 5\nseed = 9\n").unwrap();
        let args = ServeArgs {
            config: Some(path.clone()),
            seed: Some(3),
            ..Default::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!((s.seed, s.scale), (3, 5));
        std::fs::write(&path, "colour = \"red\"\n").unwrap();
        assert!(Settings::resolve(&args).is_err());
    }

    #[test]
    fn cors_origins_and_tls_files_come_from_the_file_or_the_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lookout.toml");
        std::fs::write(
            &path,
            "cors_origins = [\"https://Ops.example/\"]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.edge.cors_origins, ["https://ops.example"]);
        assert_eq!(s.edge.tls.as_ref().map(|t| t.cert.clone()), Some("c.pem".into()));
        let args = ServeArgs {
            cors_origin: vec!["http://127.0.0.1:9000".into()],
            ..args
        };
        assert_eq!(
            Settings::resolve(&args).unwrap().edge.cors_origins,
            ["http://127.0.0.1:9000"]
        );
        let defaults = Settings::resolve(&ServeArgs::default()).unwrap();
        assert!(defaults.edge.cors_origins.is_empty() && defaults.edge.tls.is_none());
        let half = ServeArgs {
            tls_cert: Some("c.pem".into()),
            ..Default::default()
        };
        assert!(Settings::resolve(&half).is_err());
        let bad = ServeArgs {
            cors_origin: vec!["ops.example".into()],
            ..Default::default()
        };
        assert!(Settings::resolve(&bad).is_err());
    }
}
