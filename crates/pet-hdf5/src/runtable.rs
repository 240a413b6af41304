//! The run table of a trajectory: one HDF5 group `run_table` with one column
//! dataset per field, indexed by run. pet keeps it in memory and writes the
//! changed range at each checkpoint.

use hdf5::types::VarLenUnicode;
use hdf5::{Dataset, Group, H5Type};
use ndarray::Array1;
use pet_core::bounds::{self, MAX_RUN_INDEX};
use pet_core::{PetError, Result, RunInfo};

use crate::error::h5;
use crate::layout::G_RUN_TABLE;
use crate::sizes;

const CHUNK: usize = 4096;
/// Most empty slots one call may open between the table's end and a new run.
pub const MAX_GAP: usize = 1 << 24;
/// `completed` value of a slot that holds no run.
const ABSENT: i8 = -1;

/// The in-memory copy of one trajectory's run table.
#[derive(Default)]
pub struct RunTable {
    runs: Vec<Option<RunInfo>>,
    dirty: Option<(usize, usize)>,
}

impl RunTable {
    /// Refuses runs whose index lies so far beyond the table's end that the
    /// dense table would need more than [`MAX_GAP`] empty slots; called before
    /// an operation is journalled.
    pub fn check<'a>(&self, runs: impl IntoIterator<Item = &'a RunInfo>) -> Result<()> {
        check_from(self.runs.len(), runs).map(|_| ())
    }

    /// Number of slots (the highest run index plus one).
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Inserts or replaces runs, after [`RunTable::check`]; a run held as
    /// completed is left as it is (the multi-writer rule, for every caller).
    pub fn put<'a>(&mut self, runs: impl IntoIterator<Item = &'a RunInfo> + Clone) -> Result<()> {
        self.check(runs.clone())?;
        for r in runs {
            if self.is_completed(r.index) {
                // No writer undoes another's completed run.
                continue;
            }
            // Slots between the old end and a new run must reach the file as "absent".
            let lo = r.index.min(self.runs.len());
            if self.runs.len() <= r.index {
                self.runs.resize(r.index + 1, None);
            }
            self.runs[r.index] = Some(r.clone());
            self.dirty = Some(match self.dirty {
                Some((a, b)) => (a.min(lo), b.max(r.index + 1)),
                None => (lo, r.index + 1),
            });
        }
        Ok(())
    }

    /// True when run `index` is present and completed.
    pub fn is_completed(&self, index: usize) -> bool {
        self.runs
            .get(index)
            .is_some_and(|r| r.as_ref().is_some_and(|r| r.completed))
    }

    /// Indices of the runs present and not completed, in order.
    pub fn pending(&self) -> impl Iterator<Item = usize> + '_ {
        self.runs
            .iter()
            .flatten()
            .filter(|r| !r.completed)
            .map(|r| r.index)
    }

    /// Runs present and completed runs.
    pub fn counts(&self) -> pet_core::RunCounts {
        let present = self.runs.iter().flatten();
        pet_core::RunCounts {
            runs: present.clone().count(),
            completed: present.filter(|r| r.completed).count(),
        }
    }

    /// Every run present, by index.
    pub fn list(&self) -> Vec<RunInfo> {
        let mut out = Vec::with_capacity(self.runs.len());
        out.extend(self.runs.iter().flatten().cloned());
        out
    }

    /// True when changes wait for the next checkpoint.
    pub fn is_dirty(&self) -> bool {
        self.dirty.is_some()
    }

    /// Reads the table of trajectory group `tg` (empty when it has none).
    pub fn load(tg: &Group) -> Result<RunTable> {
        if !tg.link_exists(G_RUN_TABLE) {
            return Ok(RunTable::default());
        }
        let g = tg
            .group(G_RUN_TABLE)
            .map_err(h5("cannot open the run table"))?;
        let at = format!("{}/{G_RUN_TABLE}", tg.name());
        let column = |name: &str| {
            g.dataset(name)
                .map_err(h5("cannot read the run table"))
                .and_then(|d| {
                    let n = d.shape().first().copied().unwrap_or(0);
                    if n > MAX_RUN_INDEX + 1 {
                        return Err(PetError::Format {
                            location: at.clone(),
                            reason: format!(
                                "column '{name}' claims {n} runs, more than pet allows"
                            ),
                        });
                    }
                    Ok(d)
                })
        };
        let completed = sizes::read_raw::<i8>(&column("completed")?, &at)?;
        let started = sizes::read_raw::<f64>(&column("started")?, &at)?;
        let finished = sizes::read_raw::<f64>(&column("finished")?, &at)?;
        let summary = sizes::read_raw::<VarLenUnicode>(&column("summary")?, &at)?;
        let n = completed.len();
        if started.len() != n || finished.len() != n || summary.len() != n {
            return Err(PetError::Format {
                location: tg.name(),
                reason: "the run table columns have different lengths".into(),
            });
        }
        let opt = |x: f64| if x.is_nan() { None } else { Some(x) };
        let runs = (0..n)
            .map(|i| {
                (completed[i] != ABSENT).then(|| RunInfo {
                    index: i,
                    completed: completed[i] == 1,
                    started: opt(started[i]),
                    finished: opt(finished[i]),
                    summary: summary[i].as_str().to_string(),
                })
            })
            .collect();
        Ok(RunTable { runs, dirty: None })
    }

    /// Writes the changed range into trajectory group `tg`.
    pub fn save(&mut self, tg: &Group) -> Result<()> {
        let Some((lo, hi)) = self.dirty else {
            return Ok(());
        };
        let n = self.runs.len();
        let err = h5("cannot write the run table");
        let g = if tg.link_exists(G_RUN_TABLE) {
            tg.group(G_RUN_TABLE).map_err(&err)?
        } else {
            tg.create_group(G_RUN_TABLE).map_err(&err)?
        };
        let slots = &self.runs[lo..hi];
        let completed: Array1<i8> = slots
            .iter()
            .map(|r| r.as_ref().map_or(ABSENT, |r| i8::from(r.completed)))
            .collect();
        let started: Array1<f64> = slots
            .iter()
            .map(|r| r.as_ref().and_then(|r| r.started).unwrap_or(f64::NAN))
            .collect();
        let finished: Array1<f64> = slots
            .iter()
            .map(|r| r.as_ref().and_then(|r| r.finished).unwrap_or(f64::NAN))
            .collect();
        let summary: Array1<VarLenUnicode> = slots
            .iter()
            .map(|r| {
                r.as_ref()
                    .map_or("", |r| r.summary.as_str())
                    .parse::<VarLenUnicode>()
                    .unwrap_or_default()
            })
            .collect();
        column(&g, "completed", n, lo, &completed)?;
        column(&g, "started", n, lo, &started)?;
        column(&g, "finished", n, lo, &finished)?;
        column(&g, "summary", n, lo, &summary)?;
        self.dirty = None;
        Ok(())
    }
}

/// [`RunTable::check`] for a table that ends at `end`; returns the new end.
pub fn check_from<'a>(end: usize, runs: impl IntoIterator<Item = &'a RunInfo>) -> Result<usize> {
    let mut end = end;
    for r in runs {
        bounds::run_index(r.index)?;
        if r.index > end.saturating_add(MAX_GAP) {
            return Err(PetError::invalid(format!(
                "run index {} lies {} slots beyond the end of the HDF5 run table (at most {MAX_GAP}); \
                 the HDF5 store keeps runs numbered densely",
                r.index,
                r.index - end
            )));
        }
        end = end.max(r.index + 1);
    }
    Ok(end)
}

fn column<T: H5Type>(g: &Group, name: &str, n: usize, lo: usize, data: &Array1<T>) -> Result<()> {
    let err = h5("cannot write the run table");
    let ds: Dataset = if g.link_exists(name) {
        g.dataset(name).map_err(&err)?
    } else {
        g.new_dataset::<T>()
            .chunk(CHUNK)
            .shape(0..)
            .create(name)
            .map_err(&err)?
    };
    if ds.shape().first().copied().unwrap_or(0) < n {
        ds.resize(n).map_err(&err)?;
    }
    ds.write_slice(data, lo..lo + data.len()).map_err(err)
}
