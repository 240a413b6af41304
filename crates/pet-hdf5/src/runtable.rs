//! The run table of a trajectory: one HDF5 group `run_table` with one column
//! dataset per field, indexed by run. pet keeps the status and times in
//! memory (17 bytes a run), the summaries only until the next checkpoint
//! writes them (the file holds the others), and writes the changed range at
//! each checkpoint.

use std::collections::BTreeMap;

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
/// Summaries read from the file at once.
const SUMMARY_SLICE: usize = 1 << 16;

/// The in-memory copy of one trajectory's run table.
#[derive(Default)]
pub struct RunTable {
    /// Per slot: [`ABSENT`], 0 (pending) or 1 (completed).
    completed: Vec<i8>,
    /// Start times, NaN where none.
    started: Vec<f64>,
    /// Finish times, NaN where none.
    finished: Vec<f64>,
    /// Summaries put since the last checkpoint; the file holds the others.
    summaries: BTreeMap<usize, String>,
    /// Length of the file's summary column.
    in_file: usize,
    /// No run below this is pending (claims look from here, so a sweep's
    /// claims do not walk its completed runs again each time).
    first_pending: usize,
    dirty: Option<(usize, usize)>,
}

fn time(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

impl RunTable {
    /// Refuses runs whose index lies so far beyond the table's end that the
    /// dense table would need more than [`MAX_GAP`] empty slots; called before
    /// an operation is journalled.
    pub fn check<'a>(&self, runs: impl IntoIterator<Item = &'a RunInfo>) -> Result<()> {
        check_from(self.len(), runs).map(|_| ())
    }

    /// Number of slots (the highest run index plus one).
    pub fn len(&self) -> usize {
        self.completed.len()
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
            let lo = r.index.min(self.len());
            if self.len() <= r.index {
                self.completed.resize(r.index + 1, ABSENT);
                self.started.resize(r.index + 1, f64::NAN);
                self.finished.resize(r.index + 1, f64::NAN);
            }
            self.completed[r.index] = i8::from(r.completed);
            if !r.completed {
                self.first_pending = self.first_pending.min(r.index);
            }
            self.started[r.index] = r.started.unwrap_or(f64::NAN);
            self.finished[r.index] = r.finished.unwrap_or(f64::NAN);
            self.summaries.insert(r.index, r.summary.clone());
            self.dirty = Some(match self.dirty {
                Some((a, b)) => (a.min(lo), b.max(r.index + 1)),
                None => (lo, r.index + 1),
            });
        }
        Ok(())
    }

    /// True when run `index` is present and completed.
    pub fn is_completed(&self, index: usize) -> bool {
        self.completed.get(index) == Some(&1)
    }

    /// Indices of the runs present and not completed, in order.
    pub fn pending(&mut self) -> impl Iterator<Item = usize> + '_ {
        let from = self.first_pending.min(self.len());
        self.first_pending = self.completed[from..]
            .iter()
            .position(|&c| c == 0)
            .map_or(self.len(), |p| from + p);
        let from = self.first_pending;
        self.completed[from..]
            .iter()
            .enumerate()
            .filter(|(_, &c)| c == 0)
            .map(move |(i, _)| from + i)
    }

    /// Runs present and completed runs.
    pub fn counts(&self) -> pet_core::RunCounts {
        pet_core::RunCounts {
            runs: self.completed.iter().filter(|&&c| c != ABSENT).count(),
            completed: self.completed.iter().filter(|&&c| c == 1).count(),
        }
    }

    /// Every run present, by index, with the summaries of trajectory group
    /// `tg`'s file column (read a slice at a time) under those put since.
    pub fn list(&self, tg: &Group) -> Result<Vec<RunInfo>> {
        let present = self.completed.iter().filter(|&&c| c != ABSENT).count();
        let mut out = Vec::with_capacity(present);
        let summary = self.summary_column(tg)?;
        let mut lo = 0;
        while lo < self.len() {
            let hi = (lo + SUMMARY_SLICE).min(self.len());
            let stored = self.file_summaries(summary.as_ref(), lo, hi)?;
            for i in lo..hi {
                if self.completed[i] == ABSENT {
                    continue;
                }
                let summary = match self.summaries.get(&i) {
                    Some(s) => s.clone(),
                    None => stored
                        .get(i - lo)
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                };
                out.push(RunInfo {
                    index: i,
                    completed: self.completed[i] == 1,
                    started: time(self.started[i]),
                    finished: time(self.finished[i]),
                    summary,
                });
            }
            lo = hi;
        }
        Ok(out)
    }

    /// True when changes wait for the next checkpoint.
    pub fn is_dirty(&self) -> bool {
        self.dirty.is_some()
    }

    /// The file's summary column, if the table has one.
    fn summary_column(&self, tg: &Group) -> Result<Option<Dataset>> {
        if self.in_file == 0 || !tg.link_exists(G_RUN_TABLE) {
            return Ok(None);
        }
        let g = tg
            .group(G_RUN_TABLE)
            .map_err(h5("cannot open the run table"))?;
        g.dataset("summary")
            .map(Some)
            .map_err(h5("cannot read the run table"))
    }

    /// Summaries `lo..hi` of the file's column (as far as it reaches).
    fn file_summaries(
        &self,
        ds: Option<&Dataset>,
        lo: usize,
        hi: usize,
    ) -> Result<Array1<VarLenUnicode>> {
        let hi = hi.min(self.in_file);
        match ds {
            Some(ds) if lo < hi => ds
                .read_slice_1d::<VarLenUnicode, _>(lo..hi)
                .map_err(h5("cannot read the run table's summaries")),
            _ => Ok(Array1::from_vec(Vec::new())),
        }
    }

    /// Reads the table of trajectory group `tg` (empty when it has none):
    /// status and times whole, the summaries' length only.
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
        let mut completed = sizes::read_raw::<i8>(&column("completed")?, &at)?;
        let started = sizes::read_raw::<f64>(&column("started")?, &at)?;
        let finished = sizes::read_raw::<f64>(&column("finished")?, &at)?;
        let summary = column("summary")?;
        sizes::check_dataset(&summary, &at)?;
        let n = completed.len();
        let summaries = summary.shape().first().copied().unwrap_or(0);
        if started.len() != n || finished.len() != n || summaries != n {
            return Err(PetError::Format {
                location: tg.name(),
                reason: "the run table columns have different lengths".into(),
            });
        }
        // Any status but "absent" and "completed" is a pending run.
        for c in completed.iter_mut().filter(|c| ![ABSENT, 1].contains(*c)) {
            *c = 0;
        }
        Ok(RunTable {
            completed,
            started,
            finished,
            summaries: BTreeMap::new(),
            in_file: n,
            first_pending: 0,
            dirty: None,
        })
    }

    /// Writes the changed range into trajectory group `tg`.
    pub fn save(&mut self, tg: &Group) -> Result<()> {
        let Some((lo, hi)) = self.dirty else {
            return Ok(());
        };
        let n = self.len();
        let err = h5("cannot write the run table");
        // The summaries of the range that were not put keep the file's.
        let all_put = self.summaries.range(lo..hi).count() == hi - lo;
        let stored = if all_put {
            Array1::from_vec(Vec::new())
        } else {
            self.file_summaries(self.summary_column(tg)?.as_ref(), lo, hi)?
        };
        let summary: Array1<VarLenUnicode> = (lo..hi)
            .map(|i| {
                let text = match self.summaries.get(&i) {
                    Some(s) => s.as_str(),
                    None => stored.get(i - lo).map_or("", |s| s.as_str()),
                };
                text.parse::<VarLenUnicode>().unwrap_or_default()
            })
            .collect();
        let g = if tg.link_exists(G_RUN_TABLE) {
            tg.group(G_RUN_TABLE).map_err(&err)?
        } else {
            tg.create_group(G_RUN_TABLE).map_err(&err)?
        };
        let completed = Array1::from_vec(self.completed[lo..hi].to_vec());
        let started = Array1::from_vec(self.started[lo..hi].to_vec());
        let finished = Array1::from_vec(self.finished[lo..hi].to_vec());
        column(&g, "completed", n, lo, &completed)?;
        column(&g, "started", n, lo, &started)?;
        column(&g, "finished", n, lo, &finished)?;
        column(&g, "summary", n, lo, &summary)?;
        self.summaries.clear();
        self.in_file = n;
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
