//! Logging with `tracing`: `RUST_LOG` wins; otherwise info, or debug with `-v`.

use tracing_subscriber::EnvFilter;

/// Starts the log subscriber (to stderr).
pub fn init(verbose: bool) {
    let default = if verbose {
        "debug,actix_server=info,tokio_postgres=info"
    } else {
        "info,tokio_postgres=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: log files and pipes get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
