#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod boundaries;
pub mod cache;
pub mod catalog;
pub mod collection;
pub mod coverage;
pub mod dataset;
pub mod error;
pub mod event;
pub mod exposure;
pub mod feature;
pub mod filter;
pub mod gas;
pub mod generate;
pub mod geodesy;
pub mod impact;
pub mod import;
pub mod intern;
pub mod layer;
pub mod ledger;
pub mod model;
pub mod monitor;
pub mod ops;
pub mod parallel;
pub mod readings;
pub mod record;
pub mod region;
pub mod risk;
pub mod roads_osm;
pub mod routing;
pub mod row;
pub mod safety;
pub mod scope;
pub mod search;
pub mod store;
pub mod validity;
pub mod webmap_crs;

pub use catalog::{Catalog, Dataset};
pub use collection::{Collection, Page};
pub use error::{Error, Result};
pub use event::{Author, Event, EventRecord, Idempotency, Unit};
pub use feature::{Feature, FeatureId};
pub use filter::Filter;
pub use layer::Layer;
pub use record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
