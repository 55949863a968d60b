//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Lookout: GIS-centred emergency command and situational map server.
#[derive(Debug, Parser)]
#[command(name = "lookout", version, about)]
pub struct Cli {
    /// More detailed logs (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The data home: datasets in HOME/data, journals and readings in HOME/state
    /// [default: $XDG_DATA_HOME/lookout, or ~/.local/share/lookout].
    #[arg(long, global = true, env = "LOOKOUT_HOME", value_name = "HOME")]
    pub home: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the map (embedded store: data/ in memory, changes journalled).
    Serve(ServeArgs),
    /// Load the dataset (generated if missing) into PostGIS, replacing the layer tables;
    /// with --layer, a bureau's register (GeoJSON, CSV, XLSX, Shapefile, GeoPackage) into one layer.
    Import(ImportArgs),
    /// Write every collection as it is now to GeoJSON files (from PostGIS, or data/ plus the journal).
    Export(ExportArgs),
    /// Work with the PostGIS database.
    Db {
        /// What to do.
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Work with the dataset.
    Data {
        /// What to do with it.
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Add, change, disable and list users (embedded store: only while no server runs on it).
    User {
        /// What to do.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create, revoke and list API tokens (embedded store: only while no server runs on it).
    Token {
        /// What to do.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Publish realistic readings of the dataset's sensors to an MQTT broker.
    Simulate(SimulateArgs),
    /// Take a snapshot of the embedded store now (a server takes them by itself; only while none runs on it).
    Snapshot(StateArgs),
    /// Back up the embedded store to one checksummed file (safe while a server runs).
    Backup {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Which store.
        #[command(flatten)]
        at: StateArgs,
    },
    /// Restore a backup into an empty state folder (a damaged file, or one of another dataset, is refused).
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Where to, and which dataset it must be.
        #[command(flatten)]
        at: StateArgs,
    },
}

/// An embedded store's folders and dataset.
#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    /// Journal folder [default: HOME/state].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Dataset folder [default: HOME/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Dataset seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Dataset scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// The region: an id or a folder [default: the built-in shanxi].
    #[arg(long, env = "LOOKOUT_REGION")]
    pub region: Option<String>,
}

/// Options of `lookout simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The broker (mqtt://host:port) a `lookout serve --mqtt` listens to.
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    pub mqtt: String,
    /// Readings per second, spread over the sensors in turn.
    #[arg(long, default_value_t = 100)]
    pub rate: u32,
    /// Stop after this many seconds [default: never].
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Dataset seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Dataset scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Dataset folder [default: HOME/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Mark every reading a drill reading (`"drill": true`): judged apart,
    /// its alarms drill alarms (docs/monitoring.md).
    #[arg(long)]
    pub drill: bool,
}

/// Where `lookout user` and `lookout token` keep their changes: PostGIS,
/// or the embedded store's journal (which a running server holds).
#[derive(Debug, Clone, Args)]
pub struct UserStoreArgs {
    /// PostGIS (postgres://…); without it, the embedded store's journal.
    #[arg(long, env = "LOOKOUT_STORE")]
    pub store: Option<String>,
    /// Embedded store: the journal folder [default: HOME/state].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Embedded store: dataset seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Embedded store: dataset scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Embedded store: the dataset folder [default: HOME/data] (for the dataset's identity).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Embedded store: the region, an id or a folder [default: the built-in shanxi].
    #[arg(long, env = "LOOKOUT_REGION")]
    pub region: Option<String>,
}

/// `lookout user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is asked for (or read from stdin with --password-stdin).
    Add {
        /// Sign-in name.
        username: String,
        /// admin, commander, dispatcher, planner, inspector, viewer or sensor.
        #[arg(long)]
        role: String,
        /// Limit to these counties (ids, comma-separated).
        #[arg(long, value_delimiter = ',')]
        counties: Vec<u32>,
        /// Limit to these prefecture-level cities (names, comma-separated).
        #[arg(long, value_delimiter = ',')]
        cities: Vec<String>,
        /// Read the password from the first line of stdin instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
    /// Set a user's password (their sessions end).
    Passwd {
        /// Sign-in name.
        username: String,
        /// Read the password from the first line of stdin instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
    /// Disable a user: they cannot sign in, their sessions and tokens end.
    Disable {
        /// Sign-in name.
        username: String,
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
    /// List users.
    List {
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
}

/// `lookout token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it (once; only its hash is kept).
    Create {
        /// Its name, recorded with every change made through it.
        #[arg(long)]
        name: String,
        /// What it may do (a sensor gateway: sensor).
        #[arg(long)]
        role: String,
        /// Who it acts for, as recorded in the log [default: cli].
        #[arg(long, default_value = "cli")]
        user: String,
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
    /// Revoke a token by its id (tok_…).
    Revoke {
        /// The token's id.
        id: String,
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
    /// List tokens (without secrets).
    List {
        /// Where.
        #[command(flatten)]
        at: UserStoreArgs,
    },
}

/// `lookout data ...`
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Generate the (fictional) Shanxi dataset into DATA_DIR/generated/seed-N-scale-K.
    Generate(GenerateArgs),
}

/// Options of `lookout serve`; each may also come from the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Folder of generated datasets (and scenarios/ or shanxi-counties.geojson
    /// replacing the built-in ones) [default: HOME/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Folder for the journal of changes [default: HOME/state].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Serve the web map from this folder, read live (development)
    /// [default: the copy built into the program].
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
    /// Dataset seed [default: 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Dataset scale: 1 = 12,000 enterprises, 100 = 1.2 million [default: 1].
    #[arg(long)]
    pub scale: Option<u32>,
    /// The region: an id (DATA_DIR/regions/ID/) or a folder with a region.toml
    /// [default: the built-in shanxi] (docs/regions.md).
    #[arg(long, env = "LOOKOUT_REGION")]
    pub region: Option<String>,
    /// Open the map in a browser once serving.
    #[arg(long)]
    pub open: bool,
    /// Keep the situation in PostGIS instead of data/ and a journal
    /// (postgres://user@host:port/db; run `lookout db migrate` and `lookout import` first).
    #[arg(long, env = "LOOKOUT_STORE")]
    pub store: Option<String>,
    /// Which encoder makes tiles unless a request says `source=`: memory or postgis [default: memory].
    #[arg(long)]
    pub tile_source: Option<crate::config::TileSource>,
    /// Subscribe to sensor readings on this MQTT broker (mqtt://host:port),
    /// topic lookout/readings/{sensor_id}, QoS 1 [default: none].
    #[arg(long, value_name = "URL")]
    pub mqtt: Option<String>,
    /// The MQTT client id; the broker keeps this session's messages while
    /// the server is down [default: lookout].
    #[arg(long, value_name = "ID")]
    pub mqtt_client_id: Option<String>,
    /// Days sensor readings are kept (whole days are deleted) [default: 90].
    #[arg(long, value_name = "DAYS")]
    pub readings_retention_days: Option<u32>,
    /// Days before a hidden danger's deadline that reminders go out,
    /// comma-separated (docs/ledger.md) [default: 7,1].
    #[arg(long, value_name = "DAYS", value_delimiter = ',')]
    pub reminder_days: Vec<u32>,
    /// Seconds between two looks at the ledger's deadlines [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub ledger_tick_secs: Option<u64>,
    /// An origin (https://host[:port]) whose pages may call the API from a browser (CORS);
    /// repeat for more [default: none but the server's own].
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
    /// Serve HTTPS: the certificate chain (PEM, leaf first); needs --tls-key.
    #[arg(long, value_name = "PATH")]
    pub tls_cert: Option<PathBuf>,
    /// Serve HTTPS: the certificate's private key (PEM); needs --tls-cert.
    #[arg(long, value_name = "PATH")]
    pub tls_key: Option<PathBuf>,
    /// Run without sign-in for a single desk: everyone is admin (as `dev`).
    /// Only on a loopback address; says so loudly in the log and on the map.
    #[arg(long)]
    pub dev_open: bool,
    /// A fresh store takes the generated dataset's year of (fictional)
    /// ledger history as its first events (config file: `history = true`;
    /// `scripts/run` passes it). Only generated datasets have one.
    #[arg(long, conflicts_with = "no_history")]
    pub history: bool,
    /// Leave the generated history out (the default; explicit for scripts).
    #[arg(long)]
    pub no_history: bool,
    /// TOML file with any of the options above (command-line flags win).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `lookout db ...`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create or update the schema (versioned SQL migrations).
    Migrate(StoreArg),
}

/// The PostGIS database to work on.
#[derive(Debug, Clone, Args)]
pub struct StoreArg {
    /// postgres://user@host:port/db
    #[arg(long, env = "LOOKOUT_STORE")]
    pub store: String,
}

/// Options of `lookout import`: without `--layer`, the generated dataset
/// into PostGIS; with it, a bureau's register into one layer (docs/data.md).
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// PostGIS (postgres://…, migrated first if needed). Needed to copy the
    /// generated dataset; with --layer, without it: the embedded store
    /// (`--layer roads` writes the region's road network instead).
    #[arg(long, env = "LOOKOUT_STORE")]
    pub store: Option<String>,
    /// The region the layer belongs to: an id or a folder [default: the built-in shanxi].
    #[arg(long, env = "LOOKOUT_REGION")]
    pub region: Option<String>,
    /// The dataset: generated with this seed...
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also store the generated dataset's year of (fictional) ledger
    /// history, when the database holds no events yet.
    #[arg(long, conflicts_with = "no_history")]
    pub history: bool,
    /// Leave the generated history out (the default; explicit for scripts).
    #[arg(long)]
    pub no_history: bool,
    /// ... and scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Folder of generated datasets [default: HOME/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Embedded store: the journal folder [default: HOME/state].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Import a register into this layer: enterprises, hazard_sources,
    /// rescue_teams, warehouses, shelters, gas_pipes, gas_valves,
    /// gas_stations, disaster_zones (with --mapping); or `roads` from an
    /// OpenStreetMap extract (`--from region.osm.pbf`), replacing the
    /// region's generated road network.
    #[arg(long, requires = "from")]
    pub layer: Option<String>,
    /// The register: .geojson, .csv, .xlsx, .shp or .gpkg (roads: .osm.pbf).
    #[arg(long, value_name = "FILE", requires = "layer")]
    pub from: Option<PathBuf>,
    /// The mapping file (TOML; examples in data/mappings/); every layer but roads.
    #[arg(long, value_name = "FILE", requires = "layer")]
    pub mapping: Option<PathBuf>,
    /// The register's coordinates: EPSG:4326, EPSG:4490, gcj02, bd09 or
    /// EPSG:<code> (CGCS2000 Gauss–Krüger: EPSG:4491–4554)
    /// [default: the mapping's, else the file's own, else EPSG:4326].
    #[arg(long, requires = "layer")]
    pub crs: Option<String>,
    /// Check and report only; store nothing.
    #[arg(long, requires = "layer")]
    pub dry_run: bool,
    /// Remove the features imported before whose external id the file no longer has.
    #[arg(long, requires = "layer")]
    pub delete_missing: bool,
    /// Store nothing when any row is refused [default: refused rows are
    /// skipped, the good ones stored].
    #[arg(long, requires = "layer")]
    pub strict: bool,
    /// Where to write the report of refused rows (CSV: row, field, reason)
    /// [default: FILE.report.csv beside the register].
    #[arg(long, value_name = "FILE", requires = "layer")]
    pub report: Option<PathBuf>,
    /// Who the events are recorded as made by.
    #[arg(long, default_value = "cli", requires = "layer")]
    pub user: String,
}

/// Options of `lookout export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Export from PostGIS; without it, from the embedded store (data/ and the journal).
    #[arg(long, env = "LOOKOUT_STORE")]
    pub store: Option<String>,
    /// Folder to write the .geojson files and metadata.json into (replaced whole).
    #[arg(long)]
    pub out: PathBuf,
    /// Embedded store: dataset seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Embedded store: dataset scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Embedded store: dataset folder [default: HOME/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Embedded store: journal folder [default: HOME/state].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
}

/// Options of `lookout data generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Random seed: the same seed gives the same dataset.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplies enterprises and rescue assets (100 → 1.2 million enterprises).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Output goes to its generated/ (its shanxi-counties.geojson, if any,
    /// replaces the built-in boundaries) [default: HOME/data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The region: an id (DATA_DIR/regions/ID/) or a folder [default: the built-in shanxi].
    #[arg(long, env = "LOOKOUT_REGION")]
    pub region: Option<String>,
    /// Write it again even if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `--home` (or `LOOKOUT_HOME`), once `run` has read it.
static HOME: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// Sets the data home the commands' folders default to (first call wins).
pub fn set_home(home: Option<PathBuf>) {
    let _ = HOME.set(home);
}

/// `--home` as given (`None`: not given).
pub fn home_flag() -> Option<PathBuf> {
    HOME.get().cloned().flatten()
}

/// The data home: `--home`, else `$XDG_DATA_HOME/lookout`, else
/// `~/.local/share/lookout`, else `./lookout`.
pub fn home() -> PathBuf {
    home_flag().unwrap_or_else(default_home)
}

/// The data home when none is given.
pub fn default_home() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("lookout")
}

/// `dir`, else `HOME/sub`.
pub fn or_home(dir: &Option<PathBuf>, sub: &str) -> PathBuf {
    dir.clone().unwrap_or_else(|| home().join(sub))
}
