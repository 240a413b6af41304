//! Columns: one result, derived parameter or parameter across all runs in one
//! call ([`Trajectory::column`]), typed and aligned with run indices, read
//! from the store in one query (pypet's `f_get_from_runs`, without loading
//! any run's subtree).

use super::access::PARAM_BRANCHES;
use super::Trajectory;
use crate::name;
use crate::storage::ColumnPath;
use crate::tree::LeafData;
use crate::value::FromValue;
use crate::Result;

/// One value per run, by run index; `None` where a run lacks it (pending,
/// failed, or it stored no such leaf).
#[derive(Clone, Debug, PartialEq)]
pub struct Column<T> {
    pattern: String,
    values: Vec<Option<T>>,
}

impl<T> Column<T> {
    /// The leaf read, with `crun` for the run (`results.runs.crun.z`), or the
    /// parameter's path.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Number of runs (present or not).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the trajectory has no run.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of run `index`, if it has one.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.values.get(index)?.as_ref()
    }

    /// True for each run that has a value.
    pub fn mask(&self) -> Vec<bool> {
        self.values.iter().map(Option::is_some).collect()
    }

    /// How many runs have a value.
    pub fn count(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }

    /// `(run index, value)` of every run that has one, by index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((i, v.as_ref()?)))
    }

    /// The values by run index, `None` where missing.
    pub fn as_slice(&self) -> &[Option<T>] {
        &self.values
    }

    /// The values by run index, `None` where missing.
    pub fn into_vec(self) -> Vec<Option<T>> {
        self.values
    }

    /// The same column with only runs `keep` (the others become missing):
    /// filter with [`Trajectory::find_runs`].
    pub fn only(mut self, keep: &[usize]) -> Self {
        let mut wanted = vec![false; self.values.len()];
        for &i in keep {
            if let Some(w) = wanted.get_mut(i) {
                *w = true;
            }
        }
        for (v, w) in self.values.iter_mut().zip(wanted) {
            if !w {
                *v = None;
            }
        }
        self
    }
}

impl<T: Clone> Column<T> {
    /// One value per run, `fill` where missing (pair it with [`Column::mask`]).
    pub fn filled(&self, fill: T) -> Vec<T> {
        self.values
            .iter()
            .map(|v| v.clone().unwrap_or_else(|| fill.clone()))
            .collect()
    }

    /// [`Column::filled`] as a one-dimensional array.
    pub fn to_array(&self, fill: T) -> ndarray::Array1<T> {
        ndarray::Array1::from_vec(self.filled(fill))
    }
}

impl Trajectory {
    /// One leaf of every run, strictly typed, in one read: `column::<f64>("z")`
    /// gives `results.runs.run_N.z` of each run N (a bare name that no run
    /// holds as a result is looked up below `derived_parameters` too); a
    /// pattern names any per-run leaf (`results.runs.crun.stats.rate`); the
    /// name of a parameter gives its value in each run. The store answers
    /// with one query (SQLite, HDF5); results added in memory and not stored
    /// yet are included. A run whose leaf has another type is an error.
    ///
    /// ```
    /// use pet_core::{vals, Trajectory};
    /// let mut t = Trajectory::new("col")?;
    /// t.add_parameter("x", 0.0, "")?;
    /// t.explore([("x", vals([1.0, 2.0, 3.0]))])?;
    /// for i in [0, 2] {
    ///     let mut run = t.run(i)?;
    ///     let x: f64 = run.param("x")?;
    ///     run.add_result("z", x * 10.0)?;
    ///     let record = run.finish();
    ///     t.store_run(&record)?; // no store: kept in memory
    /// }
    /// let z = t.column::<f64>("z")?;
    /// assert_eq!(z.as_slice(), &[Some(10.0), None, Some(30.0)]);
    /// assert_eq!(t.column::<f64>("x")?.filled(0.0), vec![1.0, 2.0, 3.0]);
    /// # Ok::<(), pet_core::PetError>(())
    /// ```
    pub fn column<T: FromValue>(&self, name: &str) -> Result<Column<T>> {
        if !name::has_crun(name) {
            if let Some(path) = self.parameter_path(name) {
                return self.parameter_column(path);
            }
        }
        let column = ColumnPath::of_name(name)?;
        let mut rows = self.column_rows(&column)?;
        let mut used = column.clone();
        if rows.is_empty() && !name::has_crun(name) {
            if let Some(derived) = column.as_derived() {
                rows = self.column_rows(&derived)?;
                used = derived;
            }
        }
        let mut values: Vec<Option<T>> = Vec::new();
        values.resize_with(self.len(), || None);
        // The pattern ends in the leaf's name, as every run's path does: the
        // run's own path is made only for an error.
        let pattern = used.pattern();
        for (i, data) in rows {
            let Some(slot) = values.get_mut(i) else {
                continue;
            };
            let v = match data.value_at(&pattern) {
                Some(v) => v,
                None => data.single_value(&used.path_of(i))?,
            };
            *slot = Some(match T::from_value(v) {
                Some(t) => t,
                None => T::from_value_at(v, &used.path_of(i))?,
            });
        }
        Ok(Column {
            pattern: used.pattern(),
            values,
        })
    }

    /// The path of a parameter-like leaf that is not a single run's, if `name` is one.
    fn parameter_path(&self, name: &str) -> Option<String> {
        let path = self.resolve_in(name, &PARAM_BRANCHES).ok()?;
        let leaf = self.nodes.get(&path)?.is_leaf();
        (leaf && name::run_of_path(&path).is_none()).then_some(path)
    }

    fn parameter_column<T: FromValue>(&self, path: String) -> Result<Column<T>> {
        let values = (0..self.len())
            .map(|i| {
                let v = self.param_value_of(path.clone(), i)?;
                T::from_value_at(v, &path).map(Some)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Column {
            pattern: path,
            values,
        })
    }

    /// The column's rows from the store, overlaid with what memory holds
    /// (loaded or added and not stored yet), by run index.
    fn column_rows(&self, column: &ColumnPath) -> Result<Vec<(usize, LeafData)>> {
        let mut rows = match &self.store {
            Some(store) => store.read_column(&self.info.name, column)?,
            None => Vec::new(),
        };
        // Loaded nodes hold what the store holds: only changes not stored
        // yet are added (every node when there is no store).
        let prefix = format!("{}.", column.group);
        let in_memory = |p: &String| Some((column.run_of(p)?, self.nodes.get(p)?.data.clone()?));
        let memory: Vec<(usize, LeafData)> = if self.store.is_some() {
            self.dirty
                .range(prefix.clone()..)
                .take_while(|p| p.starts_with(&prefix))
                .filter_map(in_memory)
                .collect()
        } else {
            self.nodes
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .filter_map(|(p, _)| in_memory(p))
                .collect()
        };
        if !memory.is_empty() {
            let mut merged: std::collections::BTreeMap<usize, LeafData> =
                rows.into_iter().collect();
            merged.extend(memory);
            rows = merged.into_iter().collect();
        }
        Ok(rows)
    }
}
