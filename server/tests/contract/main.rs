//! The HTTP contract of `lookout-server`, without a socket: one test binary
//! (one link of the whole server instead of one per file), one module per
//! concern.

#[macro_use]
mod common;

mod alarms;
mod api;
mod assigned;
mod attachments;
mod avoid;
mod cache;
mod clusters;
mod coverage;
mod edge;
mod field;
mod gas;
mod geometry;
mod http;
mod idempotency;
mod import;
mod incidents;
mod inspections;
mod ledger;
mod ledger_reports;
mod metrics;
mod monitoring;
mod obligations;
mod permissions;
mod region;
mod region_config;
mod risk;
mod safety;
mod scope;
mod search;
mod situation;
mod tile_budget;
