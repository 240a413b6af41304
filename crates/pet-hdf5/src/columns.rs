//! Run-set columns: a result (or derived parameter) that a run stores as one
//! plain numeric scalar, with no comment or annotation, is kept in a column
//! dataset of its run bucket (`run_set_00000/columns/z`, one element per run,
//! with a `z.present` mask) instead of a group and a dataset per run. pet still
//! shows it at `results.runs.run_00000042.z`; storing a million such runs then
//! costs a memory copy per run plus one small write per bucket and checkpoint.

use std::collections::HashMap;

use hdf5::{File, Group};
use pet_core::value::{Array, DType, Scalar};
use pet_core::{name, LeafData, Node, NodeKind, Result, Value};

use crate::compression::Compression;
use crate::error::h5;
use crate::layout::{self, RUNS_PER_SET};
use crate::values::{dtype_of, has_nul, overwrite_array, read_array, write_value};

/// Group of the columns inside a run bucket.
pub const G_COLUMNS: &str = "columns";
/// Suffix of a column's presence mask.
pub const MASK: &str = ".present";

/// Where a run leaf lives: trajectory, `results.runs`-like path, run index, leaf name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    /// Trajectory.
    pub traj: String,
    /// The `runs` group path (`results.runs`).
    pub runs: String,
    /// Run index.
    pub run: usize,
    /// Leaf name (`None` for the run group itself).
    pub leaf: Option<String>,
}

impl Slot {
    /// Parses `<branch>.runs.run_N` or `<branch>.runs.run_N.leaf`.
    pub fn parse(traj: &str, path: &str) -> Option<Slot> {
        let parts: Vec<&str> = path.split('.').collect();
        if !(3..=4).contains(&parts.len()) || parts[1] != name::RUNS {
            return None;
        }
        Some(Slot {
            traj: traj.to_string(),
            runs: format!("{}.{}", parts[0], parts[1]),
            run: name::run_index(parts[2])?,
            leaf: parts.get(3).map(|s| s.to_string()),
        })
    }

    /// HDF5 path of the bucket group.
    pub fn set_path(&self) -> String {
        format!(
            "{}/{}",
            layout::h5_path(&self.traj, &self.runs),
            layout::run_set(self.run)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    set_path: String,
    leaf: String,
}

struct Column {
    dtype: DType,
    values: Vec<Scalar>,
    present: Vec<u8>,
    dirty: bool,
}

/// The scalar a node would keep in a column, if it qualifies.
pub fn column_value(path: &str, node: &Node) -> Option<Scalar> {
    let NodeKind::Leaf { type_info, .. } = &node.kind else {
        return None;
    };
    if !node.comment.is_empty() || !node.annotations.is_empty() {
        return None;
    }
    let data = node.data.as_ref()?;
    let v = match data {
        LeafData::Param {
            value,
            explored: None,
        } => value,
        LeafData::Result { items } if items.len() == 1 => items.get(name::last(path))?,
        _ => return None,
    };
    match v {
        Value::Scalar(s)
            if s.dtype() != DType::Str && !has_nul(v) && *type_info == data.type_info() =>
        {
            Some(s.clone())
        }
        _ => None,
    }
}

/// Column buffers of one open file, written at checkpoints and before reads.
#[derive(Default)]
pub struct Columns {
    cols: HashMap<Key, Column>,
    /// The buffer used last: a reader walking the runs in order reads it next.
    recent: Option<Key>,
}

/// Most clean (read) buffers kept besides the one used last: a bucket's
/// column is read once per walk through the runs, so keeping every one read
/// would hold a copy of the whole column (32 MiB at 10^6 runs).
const CLEAN_KEPT: usize = 16;

fn open_set(file: &File, set_path: &str) -> Option<Group> {
    let (parent, last) = set_path.rsplit_once('/')?;
    let pg = file.group(parent).ok()?;
    if !pg.link_exists(last) {
        return None;
    }
    pg.group(last).ok()
}

impl Columns {
    fn load(&mut self, file: &File, key: &Key) -> Result<bool> {
        if self.recent.as_ref() != Some(key) {
            self.recent = Some(key.clone());
        }
        if self.cols.contains_key(key) {
            return Ok(true);
        }
        let Some(sg) = open_set(file, &key.set_path) else {
            return Ok(false);
        };
        if !sg.link_exists(G_COLUMNS) {
            return Ok(false);
        }
        let cg = sg.group(G_COLUMNS).map_err(h5("cannot open columns"))?;
        let mask_name = format!("{}{MASK}", key.leaf);
        if !cg.link_exists(&key.leaf) || !cg.link_exists(&mask_name) {
            return Ok(false);
        }
        let ds = cg.dataset(&key.leaf).map_err(h5("cannot open a column"))?;
        let dtype = dtype_of(&ds, &key.leaf)?;
        let arr = read_array(&ds, dtype, &key.leaf)?;
        let values = (0..RUNS_PER_SET)
            .map(|i| {
                arr.get_flat(i).ok_or_else(|| {
                    crate::error::corrupt(&key.leaf, "column shorter than its bucket")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let present = cg
            .dataset(&mask_name)
            .map_err(h5("cannot open a column mask"))
            .and_then(|d| crate::sizes::read_raw::<u8>(&d, &mask_name))?;
        if present.len() != RUNS_PER_SET {
            return Err(crate::error::corrupt(
                &key.leaf,
                "column mask has the wrong length",
            ));
        }
        self.cols.insert(
            key.clone(),
            Column {
                dtype,
                values,
                present,
                dirty: false,
            },
        );
        Ok(true)
    }

    /// Puts `s` in the column of `slot`; false when the column holds another type.
    pub fn set(&mut self, file: &File, slot: &Slot, s: &Scalar) -> Result<bool> {
        let Some(leaf) = &slot.leaf else {
            return Ok(false);
        };
        let key = Key {
            set_path: slot.set_path(),
            leaf: leaf.clone(),
        };
        if !self.load(file, &key)? {
            let zero = crate::values::zero_scalar(s.dtype())?;
            self.cols.insert(
                key.clone(),
                Column {
                    dtype: s.dtype(),
                    values: vec![zero; RUNS_PER_SET],
                    present: vec![0; RUNS_PER_SET],
                    dirty: true,
                },
            );
        }
        let Some(c) = self.cols.get_mut(&key) else {
            return Ok(false);
        };
        if c.dtype != s.dtype() {
            return Ok(false);
        }
        let i = slot.run % RUNS_PER_SET;
        c.values[i] = s.clone();
        c.present[i] = 1;
        c.dirty = true;
        Ok(true)
    }

    /// The value in the column of `slot`, if present.
    pub fn get(&mut self, file: &File, slot: &Slot) -> Result<Option<Scalar>> {
        let Some(leaf) = &slot.leaf else {
            return Ok(None);
        };
        let key = Key {
            set_path: slot.set_path(),
            leaf: leaf.clone(),
        };
        if !self.load(file, &key)? {
            return Ok(None);
        }
        let i = slot.run % RUNS_PER_SET;
        Ok(self
            .cols
            .get(&key)
            .filter(|c| c.present[i] == 1)
            .map(|c| c.values[i].clone()))
    }

    /// Clears the column entries of `slot` (one leaf, or every leaf of the run);
    /// returns how many there were.
    pub fn clear(&mut self, file: &File, slot: &Slot) -> Result<usize> {
        let set_path = slot.set_path();
        let leaves: Vec<String> = match &slot.leaf {
            Some(l) => vec![l.clone()],
            None => {
                let mut v: Vec<String> = self
                    .cols
                    .keys()
                    .filter(|k| k.set_path == set_path)
                    .map(|k| k.leaf.clone())
                    .collect();
                if let Some(sg) = open_set(file, &set_path) {
                    if sg.link_exists(G_COLUMNS) {
                        let cg = sg.group(G_COLUMNS).map_err(h5("cannot open columns"))?;
                        for n in cg.member_names().map_err(h5("cannot list columns"))? {
                            if !n.ends_with(MASK) {
                                v.push(n);
                            }
                        }
                    }
                }
                v.sort();
                v.dedup();
                v
            }
        };
        let i = slot.run % RUNS_PER_SET;
        let mut n = 0;
        for leaf in leaves {
            let key = Key {
                set_path: set_path.clone(),
                leaf,
            };
            if self.load(file, &key)? {
                if let Some(c) = self.cols.get_mut(&key) {
                    if c.present[i] == 1 {
                        c.present[i] = 0;
                        c.dirty = true;
                        n += 1;
                    }
                }
            }
        }
        Ok(n)
    }

    /// Forgets buffers at or below an HDF5 path (after it was unlinked).
    pub fn forget_below(&mut self, h5path: &str) {
        let below = format!("{h5path}/");
        self.cols
            .retain(|k, _| k.set_path != h5path && !k.set_path.starts_with(&below));
    }

    /// Writes every changed column into the file.
    pub fn flush(&mut self, groups: &mut crate::write::Tree<'_>) -> Result<()> {
        for (key, c) in self.cols.iter_mut().filter(|(_, c)| c.dirty) {
            let sg = groups.ensure_group(&key.set_path)?;
            let cg = if sg.link_exists(G_COLUMNS) {
                sg.group(G_COLUMNS).map_err(h5("cannot open columns"))?
            } else {
                sg.create_group(G_COLUMNS)
                    .map_err(h5("cannot create columns"))?
            };
            let arr = Array::from_scalars(c.dtype, &c.values)?;
            let mask = Array::U8(
                ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[RUNS_PER_SET]), c.present.clone())
                    .map_err(|e| pet_core::PetError::invalid(e.to_string()))?,
            );
            let mask_name = format!("{}{MASK}", key.leaf);
            for (n, a) in [(key.leaf.as_str(), &arr), (mask_name.as_str(), &mask)] {
                if cg.link_exists(n) {
                    let ds = cg.dataset(n).map_err(h5("cannot open a column"))?;
                    overwrite_array(&ds, a)?;
                } else {
                    write_value(&cg, n, &Value::from(a.clone()), Compression::None)?;
                }
            }
            c.dirty = false;
        }
        Ok(())
    }

    /// True when some column waits to be written.
    pub fn is_dirty(&self) -> bool {
        self.cols.values().any(|c| c.dirty)
    }

    /// Keeps memory bounded: past [`CLEAN_KEPT`] clean buffers, drops every
    /// clean one but the one used last (changed buffers wait for their write).
    pub fn trim(&mut self) {
        if self.cols.len() <= CLEAN_KEPT {
            return;
        }
        let clean = self.cols.values().filter(|c| !c.dirty).count();
        if clean > CLEAN_KEPT {
            self.cols
                .retain(|k, c| c.dirty || self.recent.as_ref() == Some(k));
        }
    }

    /// How many buffers are held (for tests).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.cols.len()
    }
}

/// Column leaves of bucket group `sg` (at pet path `runs`): `(run, leaf, value)`,
/// restricted to run `only` when given.
pub fn read_set(
    sg: &Group,
    set_index: usize,
    only: Option<usize>,
) -> Result<Vec<(usize, String, Scalar)>> {
    let mut out = Vec::new();
    if !sg.link_exists(G_COLUMNS) {
        return Ok(out);
    }
    let cg = sg.group(G_COLUMNS).map_err(h5("cannot open columns"))?;
    for leaf in cg.member_names().map_err(h5("cannot list columns"))? {
        if leaf.ends_with(MASK) {
            continue;
        }
        for (run, s) in column_of(&cg, set_index, &leaf, only)? {
            out.push((run, leaf.clone(), s));
        }
    }
    Ok(out)
}

/// The values of column `leaf` of bucket group `sg`: `(run, value)` for each
/// run present (only run `only` when given); nothing when there is no such column.
pub fn read_leaf(
    sg: &Group,
    set_index: usize,
    leaf: &str,
    only: Option<usize>,
) -> Result<Vec<(usize, Scalar)>> {
    if !sg.link_exists(G_COLUMNS) {
        return Ok(Vec::new());
    }
    let cg = sg.group(G_COLUMNS).map_err(h5("cannot open columns"))?;
    if !cg.link_exists(leaf) || !cg.link_exists(&format!("{leaf}{MASK}")) {
        return Ok(Vec::new());
    }
    column_of(&cg, set_index, leaf, only)
}

/// One column of columns group `cg` with its mask.
fn column_of(
    cg: &Group,
    set_index: usize,
    leaf: &str,
    only: Option<usize>,
) -> Result<Vec<(usize, Scalar)>> {
    let mask_name = format!("{leaf}{MASK}");
    let mask = cg
        .dataset(&mask_name)
        .map_err(h5("cannot open a column mask"))
        .and_then(|d| crate::sizes::read_raw::<u8>(&d, &mask_name))?;
    let mut out = Vec::new();
    if !mask.contains(&1) {
        return Ok(out);
    }
    let ds = cg.dataset(leaf).map_err(h5("cannot open a column"))?;
    let arr = read_array(&ds, dtype_of(&ds, leaf)?, leaf)?;
    for (i, &m) in mask.iter().enumerate() {
        let run = set_index * RUNS_PER_SET + i;
        if m == 1 && only.is_none_or(|o| o == run) {
            if let Some(s) = arr.get_flat(i) {
                out.push((run, s));
            }
        }
    }
    Ok(out)
}

/// The node record of a column leaf.
pub fn leaf_record(path: &str, s: Scalar, with_data: bool) -> Result<pet_core::NodeRecord> {
    let role = pet_core::LeafRole::for_path(path)?;
    let data = leaf_data(path, role, s);
    Ok(pet_core::NodeRecord {
        path: path.to_string(),
        node: Node {
            kind: NodeKind::Leaf {
                role,
                type_info: data.type_info(),
                explored: false,
            },
            comment: String::new(),
            annotations: pet_core::Annotations::new(),
            data: with_data.then_some(data),
        },
    })
}

/// The leaf data of a column value at `path` (a full path, or any path ending in the leaf's name).
pub fn leaf_data(path: &str, role: pet_core::LeafRole, s: Scalar) -> LeafData {
    let value = Value::Scalar(s);
    if role.is_param_like() {
        LeafData::Param {
            value,
            explored: None,
        }
    } else {
        LeafData::Result {
            items: pet_core::Items::one(name::last(path), value),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn slot(run: usize) -> Slot {
        Slot {
            traj: "t".into(),
            runs: "results.runs".into(),
            run,
            leaf: Some("z".into()),
        }
    }

    /// Reading one run after another holds a few buckets' columns, not a
    /// copy of every bucket read so far.
    #[test]
    fn a_walk_through_the_runs_keeps_few_column_buffers() {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("c.h5")).unwrap();
        let buckets = 2 * CLEAN_KEPT + 8;
        let mut written = Columns::default();
        for b in 0..buckets {
            let s = Scalar::F64(b as f64);
            assert!(written.set(&file, &slot(b * RUNS_PER_SET + 1), &s).unwrap());
        }
        let mut known = crate::write::GroupCache::default();
        let mut tree = crate::write::Tree {
            file: &file,
            comp: Compression::None,
            known: &mut known,
        };
        written.flush(&mut tree).unwrap();
        written.trim();
        assert!(written.held() <= CLEAN_KEPT + 1, "{}", written.held());

        let mut read = Columns::default();
        for b in 0..buckets {
            for run in [b * RUNS_PER_SET, b * RUNS_PER_SET + 1] {
                let got = read.get(&file, &slot(run)).unwrap();
                assert_eq!(
                    got,
                    (run % RUNS_PER_SET == 1).then_some(Scalar::F64(b as f64))
                );
                read.trim();
                assert!(
                    read.held() <= CLEAN_KEPT + 1,
                    "{} buffers held",
                    read.held()
                );
            }
        }
    }

    /// Buffers not written yet are never dropped, however many there are.
    #[test]
    fn changed_buffers_stay_until_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("c.h5")).unwrap();
        let mut cols = Columns::default();
        for b in 0..2 * CLEAN_KEPT {
            cols.set(&file, &slot(b * RUNS_PER_SET), &Scalar::I64(1))
                .unwrap();
            cols.trim();
        }
        assert_eq!(cols.held(), 2 * CLEAN_KEPT);
        assert!(cols.is_dirty());
    }
}
