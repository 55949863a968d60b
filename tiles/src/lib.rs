#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod clip;
pub mod grid;
pub mod mvt;

pub use clip::TileSpec;
pub use grid::{TileCoord, TileError};
pub use mvt::{LayerBuilder, PropertyValue, TileBuilder, TileGeometry};
