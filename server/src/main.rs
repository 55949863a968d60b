//! `lookout`: the command-line entry point. Parses arguments, starts logging,
//! hands over to the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = lookout_server::cli::Cli::parse();
    // Held to the end: dropping it writes out the log lines still queued.
    let _log = lookout_server::telemetry::init(cli.verbose);
    match lookout_server::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("lookout: {e:#}");
            ExitCode::FAILURE
        }
    }
}
