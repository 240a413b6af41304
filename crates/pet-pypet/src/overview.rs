//! pypet's overview tables of a trajectory (`/<traj>/overview`): `info`
//! (name, time, length, comment, versions), `runs` (the run information),
//! `explorations` and the `*_summary` tables that hold the comments pypet
//! purged as duplicates.

use std::collections::BTreeMap;

use hdf5::Group;
use pet_core::storage::RunInfo;
use pet_core::{bounds, name, Result, Scalar};

use crate::error::{bad, h5};
use crate::htype::Elem;
use crate::stored::{self, Column};
use crate::Source;

/// A table's columns by name.
pub struct Rows {
    cols: BTreeMap<String, Column>,
    /// Number of rows.
    pub len: usize,
    at: String,
}

impl Rows {
    /// Reads table `name` of `g`.
    pub fn read(src: &Source<'_>, g: &Group, name: &str, at: &str) -> Result<Rows> {
        let at = format!("{at}/{name}");
        let ds = g
            .dataset(name)
            .map_err(|_| bad(&at, "pypet's overview table is missing"))?;
        let raw = stored::read(src, &ds, &at)?;
        let len = raw.len();
        let cols = stored::columns(&raw, &at)?
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        Ok(Rows { cols, len, at })
    }

    fn elem(&self, col: &str, row: usize) -> Result<Elem> {
        let c = self
            .cols
            .get(col)
            .ok_or_else(|| bad(&self.at, format!("the table has no column '{col}'")))?;
        let cell = c
            .cells
            .get(row)
            .ok_or_else(|| bad(&self.at, "a row beyond the table"))?;
        c.ty.decode(cell, &self.at)
    }

    /// True when the table has column `col`.
    pub fn has(&self, col: &str) -> bool {
        self.cols.contains_key(col)
    }

    /// A text cell (UTF-8; pypet's overview strings).
    pub fn text(&self, col: &str, row: usize) -> Result<String> {
        match self.elem(col, row)? {
            Elem::Bytes(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
            Elem::Scalar(_) => Err(bad(&self.at, format!("column '{col}' is not text"))),
        }
    }

    /// A numeric cell as f64.
    pub fn num(&self, col: &str, row: usize) -> Result<f64> {
        match self.elem(col, row)? {
            Elem::Scalar(s) => s
                .as_f64()
                .ok_or_else(|| bad(&self.at, format!("column '{col}' is not a number"))),
            Elem::Bytes(_) => Err(bad(&self.at, format!("column '{col}' is not a number"))),
        }
    }

    /// An integer cell.
    pub fn int(&self, col: &str, row: usize) -> Result<i64> {
        match self.elem(col, row)? {
            Elem::Scalar(Scalar::I32(x)) => Ok(i64::from(x)),
            Elem::Scalar(Scalar::I64(x)) => Ok(x),
            Elem::Scalar(Scalar::U8(x)) => Ok(i64::from(x)),
            _ => Err(bad(&self.at, format!("column '{col}' is not an integer"))),
        }
    }
}

/// What `overview/info` says about a trajectory.
#[derive(Clone, Debug)]
pub struct Info {
    /// Trajectory name.
    pub name: String,
    /// Its comment.
    pub comment: String,
    /// Creation time, `%Y_%m_%d_%Hh%Mm%Ss`.
    pub time: String,
    /// Creation time, Unix seconds.
    pub timestamp: f64,
    /// Number of runs.
    pub length: usize,
    /// The pypet version that wrote it.
    pub version: String,
    /// The Python version that wrote it.
    pub python: String,
}

/// Reads `overview/info`.
pub fn info(src: &Source<'_>, ov: &Group, at: &str) -> Result<Info> {
    let t = Rows::read(src, ov, "info", at)?;
    if t.len != 1 {
        return Err(bad(
            &t.at,
            format!("pypet's info table has {} rows, not 1", t.len),
        ));
    }
    let length = bounds::stored_run_index(t.int("length", 0)?, &t.at)?;
    Ok(Info {
        name: t.text("name", 0)?,
        comment: t.text("comment", 0)?,
        time: t.text("time", 0)?,
        timestamp: t.num("timestamp", 0)?,
        length,
        version: t.text("version", 0)?,
        python: if t.has("python") {
            t.text("python", 0)?
        } else {
            String::new()
        },
    })
}

/// Reads `overview/runs` into pet's run table of `length` runs (a run the
/// table leaves out is pending).
pub fn runs(src: &Source<'_>, ov: &Group, length: usize, at: &str) -> Result<Vec<RunInfo>> {
    let mut out: Vec<RunInfo> = (0..length)
        .map(|i| RunInfo::pending(i, String::new()))
        .collect();
    if !ov.link_exists("runs") {
        return Ok(out);
    }
    let t = Rows::read(src, ov, "runs", at)?;
    for r in 0..t.len {
        let idx = bounds::stored_run_index(t.int("idx", r)?, &t.at)?;
        let Some(slot) = out.get_mut(idx) else {
            return Err(bad(
                &t.at,
                format!("run {idx} lies beyond the trajectory's {length} runs"),
            ));
        };
        let rn = t.text("name", r)?;
        if rn != name::run_name(idx) {
            return Err(bad(&t.at, format!("run {idx} is named '{rn}'")));
        }
        let positive = |x: f64| (x > 0.0 && x.is_finite()).then_some(x);
        slot.completed = t.int("completed", r)? != 0;
        slot.started = positive(t.num("timestamp", r)?);
        slot.finished = positive(t.num("finish_timestamp", r)?);
        slot.summary = t.text("parameter_summary", r)?;
    }
    Ok(out)
}

/// The full names of the explored parameters (`overview/explorations`).
pub fn explorations(src: &Source<'_>, ov: &Group, at: &str) -> Result<Vec<String>> {
    if !ov.link_exists("explorations") {
        return Ok(Vec::new());
    }
    let t = Rows::read(src, ov, "explorations", at)?;
    (0..t.len).map(|r| t.text("explorations", r)).collect()
}

/// Replaces run and run-set names in a dotted path by `*`, so that one
/// item of every run has one key.
pub fn run_pattern(path: &str) -> String {
    path.split('.')
        .map(|p| {
            if name::run_index(p).is_some() {
                "run_*"
            } else if p
                .strip_prefix("run_set_")
                .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
            {
                "run_set_*"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The first-stored comments of a branch's items, keyed by
/// [`run_pattern`] of their full path, and the full path of the item that
/// kept the comment (`results_summary`, `derived_parameters_summary`).
pub fn summary(
    src: &Source<'_>,
    ov: &Group,
    branch: &str,
    at: &str,
) -> Result<BTreeMap<String, (String, String)>> {
    let table = format!("{branch}_summary");
    let mut out = BTreeMap::new();
    if !ov.link_exists(&table) {
        return Ok(out);
    }
    let t = Rows::read(src, ov, &table, at)?;
    for r in 0..t.len {
        let location = t.text("location", r)?;
        let item = t.text("name", r)?;
        let comment = t.text("comment", r)?;
        let full = if location.is_empty() {
            item
        } else {
            format!("{location}.{item}")
        };
        out.entry(run_pattern(&full)).or_insert((full, comment));
    }
    Ok(out)
}

/// Opens `/<traj>/overview`.
pub fn group(tg: &Group) -> Result<Group> {
    tg.group("overview")
        .map_err(h5("cannot open pypet's overview group"))
}
