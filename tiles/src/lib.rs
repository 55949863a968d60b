#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod grid;

pub use grid::{TileCoord, TileError};
