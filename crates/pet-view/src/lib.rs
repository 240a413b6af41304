//! What pet shows of a trajectory: the runs table (explored parameters and
//! scalar results, one row per run), the `--where` language that filters it, and
//! charts drawn from it (line, scatter, heatmap, array images) as PNG or SVG.
//! `pet runs`, `pet export`, `pet plot` and `pet serve` all build on it.

pub mod cell;
pub mod error;
pub mod expr;
pub mod font;
pub mod leaves;
pub mod palette;
pub mod panels;
pub mod plot;
pub mod provenance;
pub mod render;
pub mod table;

pub use cell::Cell;
pub use error::{Result, ViewError};
pub use panels::{Panel, Panels};
pub use plot::{Chart, PlotSpec, Style};
pub use render::{render, Format, Rendered};
pub use table::{ColumnInfo, ColumnKind, Order, Query, RunTable};
