//! Progress bars for long work (generation, loading), drawn only on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use lookout_layers::generate::Progress;
use std::sync::Mutex;

/// One bar, reused stage by stage.
#[derive(Debug)]
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Bars {
    /// No bar yet; each stage draws its own.
    pub fn new() -> Self {
        Self { bar: Mutex::new(None) }
    }

    /// Clears the last bar.
    pub fn finish(&self) {
        if let Ok(mut bar) = self.bar.lock()
            && let Some(b) = bar.take()
        {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64) {
        let style = ProgressStyle::with_template("{spinner} {msg:<40} [{bar:30}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let b = ProgressBar::new(total).with_style(style).with_message(name.to_owned());
        if let Ok(mut bar) = self.bar.lock()
            && let Some(old) = bar.replace(b)
        {
            old.finish_and_clear();
        }
        tracing::debug!(stage = name, total, "stage");
    }

    fn advance(&self, n: u64) {
        if let Ok(bar) = self.bar.lock()
            && let Some(b) = bar.as_ref()
        {
            b.inc(n);
        }
    }
}
