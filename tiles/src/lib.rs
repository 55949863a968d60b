#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod cache;
pub mod clip;
pub mod cluster;
pub mod grid;
pub mod mvt;
pub mod precut;
pub mod pyramid;

pub use cache::{CachedTile, TileCache, TileKey};
pub use clip::TileSpec;
pub use cluster::{Cluster, Clusterer};
pub use grid::{TileCoord, TileError};
pub use mvt::{LayerBuilder, PropertyValue, TileBuilder, TileGeometry};
pub use precut::Precut;
pub use pyramid::ClusterPyramid;
