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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the map (embedded store: data/ in memory, changes journalled).
    Serve(ServeArgs),
    /// Load the dataset (generated if missing) into PostGIS, replacing the layer tables.
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
    /// Dataset folder.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
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
    /// Embedded store: the journal folder.
    #[arg(long, default_value = "state")]
    pub state_dir: PathBuf,
    /// Embedded store: dataset seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Embedded store: dataset scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
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
    /// Folder with shanxi-counties.geojson and generated datasets [default: data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Folder for the journal of changes [default: state].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Folder of the web map [default: web].
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
    /// Dataset seed [default: 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Dataset scale: 1 = 12,000 enterprises, 100 = 1.2 million [default: 1].
    #[arg(long)]
    pub scale: Option<u32>,
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

/// Options of `lookout import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The PostGIS database (migrated first if needed).
    #[command(flatten)]
    pub store: StoreArg,
    /// The dataset: generated with this seed...
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// ... and scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Folder with shanxi-counties.geojson and generated datasets.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
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
    /// Embedded store: dataset folder.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Embedded store: journal folder.
    #[arg(long, default_value = "state")]
    pub state_dir: PathBuf,
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
    /// Folder with shanxi-counties.geojson; output goes to its generated/.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Write it again even if it exists.
    #[arg(long)]
    pub force: bool,
}
