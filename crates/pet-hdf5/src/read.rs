//! Reading subtrees and leaf data back into node records, including the
//! run-set column leaves.

use hdf5::{File, Group, Location, LocationType};
use pet_core::storage::ReadSpec;
use pet_core::{
    name, Items, LeafData, LeafRole, Node, NodeKind, NodeRecord, PetError, Result, Value,
};

use crate::columns;
use crate::error::{corrupt, h5};
use crate::layout::{self, A_TYPE, D_DEFAULT, D_EXPLORED};
use crate::nodes::{get_meta, links_of, lookup_in, split, LinkMeta, Obj};
use crate::values::{plain_scalar_dtype, read_value, zero_scalar};
use crate::walk::Walk;

fn read_explored(g: &Group, at: &str) -> Result<Option<Vec<Value>>> {
    if !g.link_exists(D_EXPLORED) {
        return Ok(None);
    }
    match g
        .loc_type_by_name(D_EXPLORED)
        .map_err(h5("cannot inspect an object"))?
    {
        LocationType::Dataset => {
            let ds = g.dataset(D_EXPLORED).map_err(h5("cannot open a dataset"))?;
            match read_value(&ds, at)? {
                Value::Array(a) => Ok(Some(
                    (0..a.len())
                        .filter_map(|i| a.get_flat(i).map(Value::Scalar))
                        .collect(),
                )),
                _ => Err(corrupt(at, "explored values are not an array")),
            }
        }
        _ => {
            let eg = g.group(D_EXPLORED).map_err(h5("cannot open a group"))?;
            let n = eg.len() as usize;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let ds = eg
                    .dataset(&i.to_string())
                    .map_err(|_| corrupt(at, format!("explored point {i} is missing")))?;
                out.push(read_value(&ds, at)?);
            }
            Ok(Some(out))
        }
    }
}

/// The type description of a plain scalar leaf stored without `pet_type`.
fn implied_type(ds: &hdf5::Dataset, path: &str, role: LeafRole) -> Result<String> {
    let dtype = plain_scalar_dtype(ds, path)?.ok_or_else(|| {
        corrupt(
            path,
            "a dataset without pet_type attribute that is not a plain scalar",
        )
    })?;
    let v = Value::Scalar(zero_scalar(dtype)?);
    Ok(if role.is_param_like() {
        LeafData::Param {
            value: v,
            explored: None,
        }
    } else {
        LeafData::Result {
            items: Items::one(name::last(path), v),
        }
    }
    .type_info())
}

fn leaf_data(obj: &Obj, path: &str, role: LeafRole) -> Result<Option<LeafData>> {
    let at = path;
    match obj {
        Obj::Dataset(ds) => {
            let v = read_value(ds, at)?;
            Ok(Some(if role.is_param_like() {
                LeafData::Param {
                    value: v,
                    explored: None,
                }
            } else {
                LeafData::Result {
                    items: Items::one(name::last(path), v),
                }
            }))
        }
        Obj::Group(g) if role.is_param_like() => {
            if !g.link_exists(D_DEFAULT) {
                return Ok(None);
            }
            let ds = g.dataset(D_DEFAULT).map_err(h5("cannot open a dataset"))?;
            Ok(Some(LeafData::Param {
                value: read_value(&ds, at)?,
                explored: read_explored(g, at)?,
            }))
        }
        Obj::Group(g) => {
            let mut items = Items::new();
            for n in g.member_names().map_err(h5("cannot list a group"))? {
                let ds = g.dataset(&n).map_err(h5("cannot open a dataset"))?;
                items.insert(n, read_value(&ds, at)?);
            }
            Ok((!items.is_empty()).then_some(LeafData::Result { items }))
        }
        _ => Ok(None),
    }
}

/// Reads nodes of one trajectory.
pub struct Reader<'a> {
    /// The open file.
    pub file: &'a File,
    /// The trajectory.
    pub traj: &'a str,
}

impl Reader<'_> {
    fn record(
        &self,
        obj: Obj,
        path: &str,
        links: &LinkMeta,
        spec: ReadSpec,
    ) -> Result<Option<(NodeRecord, Option<Group>)>> {
        let last = name::last(path);
        if let Some((target, comment, ann)) = links.get(last) {
            let mut node = Node::link(target.clone());
            node.comment = comment.clone();
            node.annotations = ann.clone();
            return Ok(Some((
                NodeRecord {
                    path: path.to_string(),
                    node,
                },
                None,
            )));
        }
        let loc: Location = match &obj {
            Obj::Dataset(d) => Location::clone(d),
            Obj::Group(g) => Location::clone(g),
            _ => return Ok(None),
        };
        let (comment, annotations, ty) = get_meta(&loc)?;
        match (ty, obj) {
            (None, Obj::Group(g)) => Ok(Some((
                NodeRecord {
                    path: path.to_string(),
                    node: Node {
                        kind: NodeKind::Group,
                        comment,
                        annotations,
                        data: None,
                    },
                },
                Some(g),
            ))),
            (ty, obj) => {
                let role = LeafRole::for_path(path)?;
                let explored = matches!(&obj, Obj::Group(g) if role.is_param_like() && g.link_exists(D_EXPLORED));
                let data = if spec.with_data {
                    leaf_data(&obj, path, role)?
                } else {
                    None
                };
                let type_info = match (ty, &obj) {
                    (Some(t), _) => t,
                    (None, Obj::Dataset(ds)) => implied_type(ds, path, role)?,
                    _ => return Err(corrupt(path, "a leaf group without pet_type attribute")),
                };
                Ok(Some((
                    NodeRecord {
                        path: path.to_string(),
                        node: Node {
                            kind: NodeKind::Leaf {
                                role,
                                type_info,
                                explored,
                            },
                            comment,
                            annotations,
                            data,
                        },
                    },
                    None,
                )))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit(
        &self,
        g: &Group,
        path: &str,
        prefix: &str,
        spec: ReadSpec,
        walk: &mut Walk,
        depth: usize,
        out: &mut Vec<NodeRecord>,
    ) -> Result<()> {
        walk.enter(g, path, depth)?;
        let links = links_of(g)?;
        let in_runs = name::last(path) == name::RUNS;
        let is_set = layout::is_run_set(g.name().rsplit('/').next().unwrap_or(""));
        for child in g.member_names().map_err(h5("cannot list a group"))? {
            if is_set && child == columns::G_COLUMNS {
                continue;
            }
            if in_runs && layout::is_run_set(&child) {
                if spec.include_runs || name::run_of_path(prefix).is_some() {
                    let sg = g.group(&child).map_err(h5("cannot open a group"))?;
                    self.visit(&sg, path, prefix, spec, walk, depth + 1, out)?;
                    self.column_records(&sg, &child, path, None, spec, out)?;
                }
                continue;
            }
            name::validate_part(&child).map_err(|e| {
                corrupt(
                    path,
                    format!("it holds an object no pet name can have: {e}"),
                )
            })?;
            let cp = layout::join(path, &child);
            if !spec.includes(prefix, &cp) {
                continue;
            }
            let obj = if links.contains_key(&child) {
                Obj::Link
            } else {
                match g
                    .loc_type_by_name(&child)
                    .map_err(h5("cannot inspect an object"))?
                {
                    LocationType::Dataset => {
                        Obj::Dataset(g.dataset(&child).map_err(h5("cannot open a dataset"))?)
                    }
                    LocationType::Group => {
                        Obj::Group(g.group(&child).map_err(h5("cannot open a group"))?)
                    }
                    _ => continue,
                }
            };
            if let Some((rec, sub)) = self.record(obj, &cp, &links, spec)? {
                out.push(rec);
                if let Some(sg) = sub {
                    self.visit(&sg, &cp, prefix, spec, walk, depth + 1, out)?;
                }
            }
        }
        Ok(())
    }

    /// Records of the column leaves of bucket `sg` (named `set`) below `runs`,
    /// with a group record for each run that has no physical group.
    fn column_records(
        &self,
        sg: &Group,
        set: &str,
        runs: &str,
        only: Option<&columns::Slot>,
        spec: ReadSpec,
        out: &mut Vec<NodeRecord>,
    ) -> Result<()> {
        let set_index: usize = set.trim_start_matches("run_set_").parse().unwrap_or(0);
        let mut groups_added = std::collections::HashSet::new();
        for (run, leaf, v) in columns::read_set(sg, set_index, only.map(|s| s.run))? {
            if let Some(Some(l)) = only.map(|s| s.leaf.as_ref()) {
                if *l != leaf {
                    continue;
                }
            }
            let rn = name::run_name(run);
            let run_path = layout::join(runs, &rn);
            if (only.is_none() || only.is_some_and(|s| s.leaf.is_none()))
                && !sg.link_exists(&rn)
                && groups_added.insert(run)
            {
                out.push(NodeRecord {
                    path: run_path.clone(),
                    node: Node::group(),
                });
            }
            out.push(columns::leaf_record(
                &layout::join(&run_path, &leaf),
                v,
                spec.with_data,
            )?);
        }
        Ok(())
    }

    /// Nodes at and below `prefix`, sorted by path.
    pub fn read(&self, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        let mut out = Vec::new();
        if prefix.is_empty() {
            let tg = self
                .file
                .group(&layout::traj_path(self.traj))
                .map_err(h5("cannot open a trajectory"))?;
            for b in name::BRANCHES {
                if tg.link_exists(b) {
                    out.extend(self.read(b, spec)?);
                }
            }
            out.sort_by(|a, b| a.path.cmp(&b.path));
            return Ok(out);
        }
        let hp = layout::h5_path(self.traj, prefix);
        let (parent, _) = split(&hp);
        if let Ok(pg) = self.file.group(parent) {
            let tree_obj = lookup_in(&pg, &hp)?;
            if !matches!(tree_obj, Obj::Missing) {
                let links = links_of(&pg)?;
                if let Some((rec, sub)) = self.record(tree_obj, prefix, &links, spec)? {
                    out.push(rec);
                    if let Some(g) = sub {
                        let mut walk = Walk::default();
                        self.visit(&g, prefix, prefix, spec, &mut walk, 0, &mut out)?;
                    }
                }
            }
        }
        if let Some(slot) = columns::Slot::parse(self.traj, prefix) {
            if let Ok(sg) = self.file.group(&slot.set_path()) {
                let set = layout::run_set(slot.run);
                self.column_records(&sg, &set, &slot.runs, Some(&slot), spec, &mut out)?;
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out.dedup_by(|a, b| a.path == b.path);
        Ok(out)
    }

    /// Every node run `index` stored: its subtrees under `*.runs` (groups,
    /// buckets and columns) and any group named for the run elsewhere in
    /// `results` and `derived_parameters` (placed there with `crun`).
    pub fn run_nodes(&self, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        let rn = name::run_name(index);
        let mut out = Vec::new();
        for branch in [name::RESULTS, name::DERIVED] {
            let canonical = format!("{branch}.{}", name::RUNS);
            out.extend(self.read(&layout::join(&canonical, &rn), spec)?);
            let mut placed = Vec::new();
            if let Ok(g) = self.file.group(&layout::h5_path(self.traj, branch)) {
                let mut walk = Walk::default();
                self.placed_groups(&g, branch, &rn, &mut walk, 0, &mut placed)?;
            }
            for path in placed {
                out.extend(self.read(&path, spec)?);
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out.dedup_by(|a, b| a.path == b.path);
        Ok(out)
    }

    /// Paths of the groups named `rn` below the plain groups of `g` (at `path`):
    /// the walk skips `*.runs`, other runs' groups, leaves and links, so it costs
    /// the trajectory's non-run groups, never its runs.
    fn placed_groups(
        &self,
        g: &Group,
        path: &str,
        rn: &str,
        walk: &mut Walk,
        depth: usize,
        out: &mut Vec<String>,
    ) -> Result<()> {
        walk.enter(g, path, depth)?;
        let links = links_of(g)?;
        for child in g.member_names().map_err(h5("cannot list a group"))? {
            if (depth == 0 && child == name::RUNS) || links.contains_key(&child) {
                continue;
            }
            let cp = layout::join(path, &child);
            if child == rn {
                out.push(cp);
                continue;
            }
            if name::run_index(&child).is_some()
                || !matches!(
                    g.loc_type_by_name(&child)
                        .map_err(h5("cannot inspect an object"))?,
                    LocationType::Group
                )
            {
                continue;
            }
            let sg = g.group(&child).map_err(h5("cannot open a group"))?;
            let is_leaf = sg
                .attr_names()
                .map_err(h5("cannot list attributes"))?
                .iter()
                .any(|a| a == A_TYPE);
            if !is_leaf {
                self.placed_groups(&sg, &cp, rn, walk, depth + 1, out)?;
            }
        }
        Ok(())
    }

    /// The data of the leaf at `path`.
    pub fn data(&self, path: &str) -> Result<LeafData> {
        let role = LeafRole::for_path(path)?;
        if let Some(d) = self.object_data(path)? {
            return Ok(d);
        }
        if let Some(slot) = columns::Slot::parse(self.traj, path).filter(|s| s.leaf.is_some()) {
            if let Ok(sg) = self.file.group(&slot.set_path()) {
                let set_index = slot.run / layout::RUNS_PER_SET;
                for (_, leaf, v) in columns::read_set(&sg, set_index, Some(slot.run))? {
                    if slot.leaf.as_deref() == Some(leaf.as_str()) {
                        return Ok(columns::leaf_data(path, role, v));
                    }
                }
            }
        }
        Err(PetError::NotFound(path.to_string()))
    }

    /// The data of the leaf at `path` when it is an object of its own (a
    /// dataset or a leaf group, not a column entry).
    fn object_data(&self, path: &str) -> Result<Option<LeafData>> {
        let hp = layout::h5_path(self.traj, path);
        let (parent, _) = split(&hp);
        let obj = match self.file.group(parent) {
            Ok(pg) => lookup_in(&pg, &hp)?,
            Err(_) => Obj::Missing,
        };
        let role = LeafRole::for_path(path)?;
        let is_leaf = match &obj {
            Obj::Dataset(_) => true,
            Obj::Group(g) => g
                .attr_names()
                .map_err(h5("cannot list attributes"))?
                .iter()
                .any(|a| a == A_TYPE),
            _ => false,
        };
        if !is_leaf {
            return Ok(None);
        }
        leaf_data(&obj, path, role)
    }

    /// One leaf of every run ([`pet_core::storage::ColumnPath`]), handed
    /// to `each` by run index: below a `runs` group, each bucket's column
    /// dataset in one read (runs stored as plain scalars), and the leaf of
    /// each other run of the bucket that has one; elsewhere, the leaf of each
    /// run group below the column's group. At most one bucket is held at once.
    pub fn column(
        &self,
        column: &pet_core::storage::ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()> {
        let role = LeafRole::for_path(&column.group)?;
        let Ok(g) = self.file.group(&layout::h5_path(self.traj, &column.group)) else {
            return Ok(());
        };
        let members = g.member_names().map_err(h5("cannot list a group"))?;
        let mut out = Vec::new();
        if name::last(&column.group) != name::RUNS {
            for run in members.iter().filter_map(|m| name::run_index(m)) {
                self.push_leaf(column, run, &mut out)?;
            }
            out.sort_by_key(|(i, _)| *i);
            return out.into_iter().try_for_each(|(i, d)| each(i, d));
        }
        let plain_leaf = !column.leaf.contains('.');
        let mut sets: Vec<(usize, &String)> = members
            .iter()
            .filter(|m| layout::is_run_set(m))
            .filter_map(|m| Some((m.strip_prefix("run_set_")?.parse::<usize>().ok()?, m)))
            .collect();
        sets.sort();
        for (set_index, set) in sets {
            let sg = g.group(set).map_err(h5("cannot open a run bucket"))?;
            let mut found = std::collections::BTreeSet::new();
            if plain_leaf {
                for (run, v) in columns::read_leaf(&sg, set_index, &column.leaf, None)? {
                    found.insert(run);
                    out.push((run, columns::leaf_data(&column.leaf, role, v)));
                }
            }
            for m in sg.member_names().map_err(h5("cannot list a run bucket"))? {
                if let Some(run) = name::run_index(&m).filter(|r| !found.contains(r)) {
                    self.push_leaf(column, run, &mut out)?;
                }
            }
            out.sort_by_key(|(i, _)| *i);
            out.drain(..).try_for_each(|(i, d)| each(i, d))?;
        }
        Ok(())
    }

    /// Adds run `run`'s leaf of `column` to `out`, if the run has it.
    fn push_leaf(
        &self,
        column: &pet_core::storage::ColumnPath,
        run: usize,
        out: &mut Vec<(usize, LeafData)>,
    ) -> Result<()> {
        if let Some(d) = self.object_data(&column.path_of(run))? {
            out.push((run, d));
        }
        Ok(())
    }
}
