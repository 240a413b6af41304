//! The errors of building tables and charts.

use crate::expr::ExprError;

/// What went wrong showing a trajectory.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The store failed or holds something unexpected.
    #[error(transparent)]
    Store(#[from] pet_core::PetError),
    /// A `--where` expression that does not parse or evaluate.
    #[error("bad --where expression: {0}")]
    Expr(#[from] ExprError),
    /// A name that is not a column of the runs table.
    #[error("'{name}' is not a column of the runs table; columns: {known}")]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The columns there are, comma-separated.
        known: String,
    },
    /// A request the chart cannot draw (no numbers, too large, wrong shape).
    #[error("{0}")]
    Unplottable(String),
    /// A size outside the limits.
    #[error("{0}")]
    TooLarge(String),
    /// The drawing library failed.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// Writing the chart file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, ViewError>;

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for ViewError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        ViewError::Draw(e.to_string())
    }
}
