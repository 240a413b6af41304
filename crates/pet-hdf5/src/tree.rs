//! The trajectory tree mapped one-to-one onto HDF5: groups are groups, leaves
//! are datasets (or groups of datasets), links are soft links; this module
//! writes node records and reads subtrees back.

use std::collections::{BTreeMap, HashMap};

use hdf5::{File, Group, Location, LocationType};
use pet_core::storage::ReadSpec;
use pet_core::value::{Array, Scalar};
use pet_core::{
    codec, name, Annotations, LeafData, LeafRole, Node, NodeKind, NodeRecord, PetError, Result,
    Value,
};

use crate::attrs;
use crate::columns;
use crate::compression::Compression;
use crate::error::{corrupt, h5};
use crate::layout::{self, A_ANNOTATIONS, A_COMMENT, A_LINKS, A_TYPE, D_DEFAULT, D_EXPLORED};
use crate::values::{has_nul, plain_scalar_dtype, read_value, write_value, zero_scalar};

/// Link metadata kept in the parent group's `pet_links` attribute.
type LinkMeta = BTreeMap<String, (String, String, Annotations)>;

/// What sits at an HDF5 path.
enum Obj {
    Missing,
    Link,
    Dataset(hdf5::Dataset),
    Group(Group),
}

/// Open handles of groups known to exist, by HDF5 path (saves re-opening
/// the run buckets and run groups on the hot path).
pub type GroupCache = HashMap<String, Group>;

/// Most group handles kept open.
const CACHE_MAX: usize = 4096;

/// Writes into and reads from one open file.
pub struct Tree<'a> {
    /// The open file.
    pub file: &'a File,
    /// Compression for new array datasets.
    pub comp: Compression,
    /// Groups known to exist.
    pub known: &'a mut GroupCache,
}

fn split(h5path: &str) -> (&str, &str) {
    match h5path.rsplit_once('/') {
        Some(("", last)) => ("/", last),
        Some((p, last)) => (p, last),
        None => ("/", h5path),
    }
}

fn links_of(g: &Location) -> Result<LinkMeta> {
    match attrs::get_bytes(g, A_LINKS)? {
        Some(b) => codec::from_cbor(&b),
        None => Ok(LinkMeta::new()),
    }
}

fn put_links(g: &Location, m: &LinkMeta) -> Result<()> {
    attrs::remove(g, A_LINKS)?;
    if !m.is_empty() {
        attrs::put_bytes(g, A_LINKS, &codec::to_cbor(m)?)?;
    }
    Ok(())
}

fn put_meta(loc: &Location, comment: &str, ann: &Annotations, fresh: bool) -> Result<()> {
    if !fresh {
        attrs::remove(loc, A_COMMENT)?;
        attrs::remove(loc, A_ANNOTATIONS)?;
    }
    if !comment.is_empty() {
        attrs::put_str(loc, A_COMMENT, comment)?;
    }
    if !ann.is_empty() {
        attrs::put_bytes(loc, A_ANNOTATIONS, &codec::to_cbor(ann)?)?;
    }
    Ok(())
}

fn get_meta(loc: &Location) -> Result<(String, Annotations, Option<String>)> {
    let names = loc.attr_names().map_err(h5("cannot list attributes"))?;
    let has = |n: &str| names.iter().any(|x| x == n);
    let comment = if has(A_COMMENT) {
        attrs::get_str(loc, A_COMMENT)?.unwrap_or_default()
    } else {
        String::new()
    };
    let ann = if has(A_ANNOTATIONS) {
        match attrs::get_bytes(loc, A_ANNOTATIONS)? {
            Some(b) => codec::from_cbor(&b)?,
            None => Annotations::new(),
        }
    } else {
        Annotations::new()
    };
    let ty = if has(A_TYPE) {
        attrs::get_str(loc, A_TYPE)?
    } else {
        None
    };
    Ok((comment, ann, ty))
}

fn single_item<'v>(path: &str, data: &'v LeafData) -> Option<&'v Value> {
    match data {
        LeafData::Param {
            value,
            explored: None,
        } => Some(value),
        LeafData::Result { items } if items.len() == 1 => items.get(name::last(path)),
        _ => None,
    }
}

impl Tree<'_> {
    fn lookup(&self, h5path: &str) -> Result<Obj> {
        let (parent, last) = split(h5path);
        let Ok(g) = self.file.group(parent) else {
            return Ok(Obj::Missing);
        };
        if !g.link_exists(last) {
            return Ok(Obj::Missing);
        }
        if links_of(&g)?.contains_key(last) {
            return Ok(Obj::Link);
        }
        match g
            .loc_type_by_name(last)
            .map_err(h5("cannot inspect an object"))?
        {
            LocationType::Dataset => Ok(Obj::Dataset(
                g.dataset(last).map_err(h5("cannot open a dataset"))?,
            )),
            LocationType::Group => Ok(Obj::Group(
                g.group(last).map_err(h5("cannot open a group"))?,
            )),
            _ => Ok(Obj::Missing),
        }
    }

    /// True when something sits at `h5path`.
    pub fn exists(&self, h5path: &str) -> Result<bool> {
        Ok(!matches!(self.lookup(h5path)?, Obj::Missing))
    }

    /// Opens the group at `h5path`, creating it and its missing ancestors.
    pub fn ensure_group(&mut self, h5path: &str) -> Result<Group> {
        if let Some(g) = self.known.get(h5path) {
            return Ok(g.clone());
        }
        let g = match self.lookup(h5path)? {
            Obj::Group(g) => g,
            Obj::Missing => {
                let (parent, last) = split(h5path);
                let pg = if parent == "/" {
                    self.file
                        .group("/")
                        .map_err(h5("cannot open the root group"))?
                } else {
                    self.ensure_group(parent)?
                };
                pg.create_group(last).map_err(h5("cannot create a group"))?
            }
            _ => {
                return Err(PetError::invalid(format!(
                    "'{h5path}' is a leaf or link in the file and cannot hold children"
                )))
            }
        };
        if self.known.len() >= CACHE_MAX {
            self.known.clear();
        }
        self.known.insert(h5path.to_string(), g.clone());
        Ok(g)
    }

    /// Removes the object at `h5path` (and its link metadata).
    pub fn unlink(&mut self, h5path: &str) -> Result<()> {
        let (parent, last) = split(h5path);
        let g = self.file.group(parent).map_err(h5("cannot open a group"))?;
        let mut links = links_of(&g)?;
        if links.remove(last).is_some() {
            put_links(&g, &links)?;
        }
        g.unlink(last).map_err(h5("cannot remove an object"))?;
        let below = format!("{h5path}/");
        self.known
            .retain(|k, _| k != h5path && !k.starts_with(&below));
        Ok(())
    }

    /// Writes one validated record of trajectory `traj`.
    pub fn put(&mut self, traj: &str, rec: &NodeRecord) -> Result<()> {
        let hp = layout::h5_path(traj, &rec.path);
        let (parent, last) = split(&hp);
        let node = &rec.node;
        match &node.kind {
            NodeKind::Group => match self.lookup(&hp)? {
                Obj::Group(g) if get_meta(&g)?.2.is_none() => {
                    put_meta(&g, &node.comment, &node.annotations, false)
                }
                Obj::Missing => {
                    let g = self.ensure_group(&hp)?;
                    put_meta(&g, &node.comment, &node.annotations, true)
                }
                _ => {
                    self.unlink(&hp)?;
                    let g = self.ensure_group(&hp)?;
                    put_meta(&g, &node.comment, &node.annotations, true)
                }
            },
            NodeKind::Link { target } => {
                if !matches!(self.lookup(&hp)?, Obj::Missing) {
                    self.unlink(&hp)?;
                }
                let pg = self.ensure_group(parent)?;
                pg.link_soft(&layout::h5_path(traj, target), last)
                    .map_err(h5("cannot create a soft link"))?;
                let mut links = links_of(&pg)?;
                links.insert(
                    last.to_string(),
                    (
                        target.clone(),
                        node.comment.clone(),
                        node.annotations.clone(),
                    ),
                );
                put_links(&pg, &links)
            }
            NodeKind::Leaf { type_info, .. } => match &node.data {
                None => {
                    let loc: Location = match self.lookup(&hp)? {
                        Obj::Dataset(d) => Location::clone(&d),
                        Obj::Group(g) => Location::clone(&g),
                        other => {
                            if matches!(other, Obj::Link) {
                                self.unlink(&hp)?;
                            }
                            let pg = self.ensure_group(parent)?;
                            let g = pg.create_group(last).map_err(h5("cannot create a group"))?;
                            Location::clone(&g)
                        }
                    };
                    attrs::remove(&loc, A_TYPE)?;
                    attrs::put_str(&loc, A_TYPE, type_info)?;
                    put_meta(&loc, &node.comment, &node.annotations, false)
                }
                Some(data) => {
                    if !matches!(self.lookup_fast(&hp, parent)?, Obj::Missing) {
                        self.unlink(&hp)?;
                    }
                    let pg = self.ensure_group(parent)?;
                    let loc = self.write_leaf(&pg, last, &rec.path, data)?;
                    // A plain scalar leaf needs no type attribute: readers derive it.
                    let implied = matches!(single_item(&rec.path, data), Some(v @ Value::Scalar(_)) if !has_nul(v))
                        && *type_info == data.type_info();
                    if !implied {
                        attrs::put_str(&loc, A_TYPE, type_info)?;
                    }
                    put_meta(&loc, &node.comment, &node.annotations, true)
                }
            },
        }
    }

    /// Like `lookup`, but answers `Missing` at once when the parent group was
    /// created in this session and the name is absent (the hot path of runs).
    fn lookup_fast(&self, hp: &str, parent: &str) -> Result<Obj> {
        if let Some(g) = self.known.get(parent) {
            if !g.link_exists(split(hp).1) {
                return Ok(Obj::Missing);
            }
        }
        self.lookup(hp)
    }

    fn write_leaf(&self, pg: &Group, last: &str, path: &str, data: &LeafData) -> Result<Location> {
        if let Some(v) = single_item(path, data) {
            let ds = write_value(pg, last, v, self.comp)?;
            return Ok(Location::clone(&ds));
        }
        let g = pg.create_group(last).map_err(h5("cannot create a group"))?;
        match data {
            LeafData::Result { items } => {
                for (k, v) in items {
                    write_value(&g, k, v, self.comp)?;
                }
            }
            LeafData::Param { value, explored } => {
                write_value(&g, D_DEFAULT, value, self.comp)?;
                if let Some(points) = explored {
                    write_explored(&g, points, self.comp)?;
                }
            }
        }
        Ok(Location::clone(&g))
    }
}

fn write_explored(g: &Group, points: &[Value], comp: Compression) -> Result<()> {
    let scalars: Option<Vec<_>> = points
        .iter()
        .map(|v| match v {
            Value::Scalar(s) if !matches!(s, Scalar::Str(x) if x.contains('\0')) => Some(s.clone()),
            _ => None,
        })
        .collect();
    if let Some(s) = scalars.filter(|s| !s.is_empty()) {
        let dtype = s[0].dtype();
        if s.iter().all(|x| x.dtype() == dtype) {
            let arr = Array::from_scalars(dtype, &s)?;
            write_value(g, D_EXPLORED, &Value::Array(arr), comp)?;
            return Ok(());
        }
    }
    let eg = g
        .create_group(D_EXPLORED)
        .map_err(h5("cannot create a group"))?;
    for (i, v) in points.iter().enumerate() {
        write_value(&eg, &i.to_string(), v, comp)?;
    }
    Ok(())
}

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
            items: BTreeMap::from([(name::last(path).to_string(), v)]),
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
                    items: BTreeMap::from([(name::last(path).to_string(), v)]),
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
            let mut items = BTreeMap::new();
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

    fn visit(
        &self,
        g: &Group,
        path: &str,
        prefix: &str,
        spec: ReadSpec,
        out: &mut Vec<NodeRecord>,
    ) -> Result<()> {
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
                    self.visit(&sg, path, prefix, spec, out)?;
                    self.column_records(&sg, &child, path, None, spec, out)?;
                }
                continue;
            }
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
                    self.visit(&sg, &cp, prefix, spec, out)?;
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
                        self.visit(&g, prefix, prefix, spec, &mut out)?;
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

    /// The data of the leaf at `path`.
    pub fn data(&self, path: &str) -> Result<LeafData> {
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
            return Err(PetError::NotFound(path.to_string()));
        }
        leaf_data(&obj, path, role)?.ok_or_else(|| PetError::NotFound(path.to_string()))
    }
}

fn lookup_in(pg: &Group, hp: &str) -> Result<Obj> {
    let last = split(hp).1;
    if !pg.link_exists(last) {
        return Ok(Obj::Missing);
    }
    if links_of(pg)?.contains_key(last) {
        return Ok(Obj::Link);
    }
    Ok(
        match pg
            .loc_type_by_name(last)
            .map_err(h5("cannot inspect an object"))?
        {
            LocationType::Dataset => {
                Obj::Dataset(pg.dataset(last).map_err(h5("cannot open a dataset"))?)
            }
            LocationType::Group => Obj::Group(pg.group(last).map_err(h5("cannot open a group"))?),
            _ => Obj::Missing,
        },
    )
}
