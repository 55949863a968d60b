//! Progress of long work (the CLI shows it as bars).

/// Reports progress of long work (the CLI shows it as bars).
pub trait Progress: Sync {
    /// A stage begins, with this many steps.
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}
