//! What the fuzz tests share (also used by `server/tests/fuzz_query.rs`):
//! a property run for a time budget with a fixed seed.
//!
//! There is no nightly toolchain for `cargo fuzz`, so each parser of outside
//! input is fuzzed with proptest: batches of cases from a ChaCha generator
//! seeded with the test's name and the batch number (the same inputs on
//! every machine, in the same order), until the budget is spent. The budget
//! is `LOOKOUT_FUZZ_SECS` per test file (default 5 s, so `cargo test` stays
//! quick; `scripts/test` gives 60 s each, in release), shared by the file's
//! tests. A failing case is shrunk and reported with the batch that found it.

#![allow(dead_code, reason = "each test binary uses a different part")]

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::time::{Duration, Instant};

/// The fixed seed all fuzz runs start from.
pub const SEED: u64 = 0x4c6f_6f6b_6f75_7431; // "Lookout1"

/// Cases per batch: a new generator (seeded by batch number) each time.
const BATCH: u32 = 128;

/// The whole budget of a test file: `LOOKOUT_FUZZ_SECS`, default 5 s.
pub fn budget() -> Duration {
    let secs = std::env::var("LOOKOUT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(5.0);
    Duration::from_secs_f64(secs)
}

fn seed_for(name: &str, batch: u64) -> [u8; 32] {
    // FNV-1a of the name, so two targets do not walk the same inputs.
    let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        fnv = (fnv ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&SEED.to_le_bytes());
    seed[8..16].copy_from_slice(&fnv.to_le_bytes());
    seed[16..24].copy_from_slice(&batch.to_le_bytes());
    seed
}

/// Runs `test` on values of `strategy` for `share` of the file's budget (at
/// least one batch). A panic inside `test` is a failure too: proptest
/// catches it, shrinks the input and this panics with both.
pub fn fuzz<S: Strategy>(name: &str, share: f64, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let started = Instant::now();
    let budget = budget().mul_f64(share);
    let mut batch = 0u64;
    loop {
        let config = Config {
            cases: BATCH,
            failure_persistence: None,
            rng_algorithm: RngAlgorithm::ChaCha,
            max_shrink_iters: 2048,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_for(name, batch));
        let mut runner = TestRunner::new_with_rng(config, rng);
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("fuzz {name}: batch {batch} (seed {SEED:#x}) found: {e}");
        }
        batch += 1;
        if started.elapsed() >= budget {
            break;
        }
    }
    eprintln!(
        "fuzz {name}: {} cases in {:.1} s, none failing",
        batch * u64::from(BATCH),
        started.elapsed().as_secs_f64()
    );
}

/// Fails the case with a message (for use with `?`).
pub fn fail(message: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(message.into())
}
