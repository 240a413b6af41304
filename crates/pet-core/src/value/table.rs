//! Tables: named, typed columns of equal length (a DataFrame analogue).

use serde::{Deserialize, Serialize};

use super::array::Array;
use crate::name::validate_part;
use crate::{PetError, Result};

/// Checks that `column` may follow `existing` in a table.
fn check_column(existing: &[(String, Array)], name: &str, column: &Array) -> Result<()> {
    validate_part(name)?;
    if column.shape().len() != 1 {
        return Err(PetError::invalid(format!(
            "table column '{name}' must be 1-d, it has shape {:?}",
            column.shape()
        )));
    }
    if existing.iter().any(|(n, _)| n == name) {
        return Err(PetError::invalid(format!(
            "table has two columns named '{name}'"
        )));
    }
    if let Some((_, first)) = existing.first() {
        if column.len() != first.len() {
            return Err(PetError::invalid(format!(
                "table column '{name}' has {} rows, the others have {}",
                column.len(),
                first.len()
            )));
        }
    }
    Ok(())
}

/// Named 1-d columns of equal length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Table {
    columns: Vec<(String, Array)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a table from columns, checking names, dimensionality and lengths.
    pub fn from_columns(columns: Vec<(String, Array)>) -> Result<Self> {
        let mut t = Table::new();
        for (name, col) in columns {
            t.push(name, col)?;
        }
        Ok(t)
    }

    /// Appends a column; it must be 1-d, uniquely named and as long as the others.
    pub fn push(&mut self, name: impl Into<String>, column: Array) -> Result<()> {
        let name = name.into();
        check_column(&self.columns, &name, &column)?;
        self.columns.push((name, column));
        Ok(())
    }

    /// Checks the rules [`Table::push`] enforces on a table that was decoded
    /// rather than built: valid unique names, 1-d columns of equal length.
    pub fn validate(&self) -> Result<()> {
        for (i, (name, column)) in self.columns.iter().enumerate() {
            check_column(&self.columns[..i], name, column)?;
        }
        Ok(())
    }

    /// Number of rows (`None` for a table without columns).
    pub fn rows(&self) -> Option<usize> {
        self.columns.first().map(|(_, c)| c.len())
    }

    /// The columns in order.
    pub fn columns(&self) -> &[(String, Array)] {
        &self.columns
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&Array> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// `table[a:f64, b:str] rows=10`.
    pub fn type_info(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(n, c)| format!("{n}:{}", c.dtype()))
            .collect();
        format!(
            "table[{}] rows={}",
            cols.join(", "),
            self.rows().unwrap_or(0)
        )
    }
}
