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
        let mut values: Vec<Option<T>> = Vec::new();
        values.resize_with(self.len(), || None);
        let found = self.column_into(&column, &mut values)?;
        let mut used = column;
        if found == 0 && !name::has_crun(name) {
            if let Some(derived) = used.as_derived() {
                self.column_into(&derived, &mut values)?;
                used = derived;
            }
        }
        Ok(Column {
            pattern: used.pattern(),
            values,
        })
    }

    /// Fills `values` with `column`'s leaf of each run the store holds it
    /// for, converted as each row comes (nothing else is kept), then with
    /// what memory holds and the store does not (loaded or added and not
    /// stored yet); returns how many runs had it.
    fn column_into<T: FromValue>(
        &self,
        column: &ColumnPath,
        values: &mut [Option<T>],
    ) -> Result<usize> {
        // The pattern ends in the leaf's name, as every run's path does: the
        // run's own path is made only for an error.
        let pattern = column.pattern();
        let mut found = 0;
        let mut put = |i: usize, data: &LeafData| -> Result<()> {
            let Some(slot) = values.get_mut(i) else {
                return Ok(());
            };
            let v = match data.value_at(&pattern) {
                Some(v) => v,
                None => data.single_value(&column.path_of(i))?,
            };
            *slot = Some(match T::from_value(v) {
                Some(t) => t,
                None => T::from_value_at(v, &column.path_of(i))?,
            });
            found += 1;
            Ok(())
        };
        if let Some(store) = &self.store {
            store.read_column_each(&self.info.name, column, &mut |i, d| put(i, &d))?;
        }
        // Loaded nodes hold what the store holds: only changes not stored
        // yet are added (every node when there is no store).
        let prefix = format!("{}.", column.group);
        let mut memory = |p: &String| -> Result<()> {
            match (
                column.run_of(p),
                self.nodes.get(p).and_then(|n| n.data.as_ref()),
            ) {
                (Some(i), Some(d)) => put(i, d),
                _ => Ok(()),
            }
        };
        if self.store.is_some() {
            self.dirty
                .range(prefix.clone()..)
                .take_while(|p| p.starts_with(&prefix))
                .try_for_each(&mut memory)?;
        } else {
            self.nodes
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .try_for_each(|(p, _)| memory(p))?;
        }
        Ok(found)
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
}
