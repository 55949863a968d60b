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
    /// Work with the dataset.
    Data {
        /// What to do with it.
        #[command(subcommand)]
        command: DataCommand,
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
    /// TOML file with any of the options above (command-line flags win).
    #[arg(long)]
    pub config: Option<PathBuf>,
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
