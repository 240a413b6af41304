//! Walking a pypet trajectory's groups into pet node records: plain groups
//! (with their comments), leaves (`SRVC_LEAF`, read by [`crate::leaf`]) with
//! comments (purged duplicates restored from the summary tables) and
//! annotations, and soft links. Every node that cannot become a pet node is
//! recorded in the report with its reason; walks are depth-bounded and enter
//! each group once.

use std::collections::{BTreeMap, HashMap};

use hdf5::{Group, LinkType, LocationType};
use pet_core::storage::ReadSpec;
use pet_core::{name, Node, NodeKind, NodeRecord, Result, Value};

use crate::attrs::{self, AttrValue};
use crate::error::{bad, h5};
use crate::leaf;
use crate::pickle;
use crate::report::{Outcome, Report};
use crate::Source;

/// The annotation holding notes on values pet keeps in another form.
pub const NOTES: &str = "pypet_notes";
/// The annotation holding the pypet class of a leaf that is not a plain
/// `Parameter` or `Result`.
pub const CLASS: &str = "pypet_class";

/// What the reader keeps about a trajectory between calls.
#[derive(Default)]
pub struct Cache {
    /// First-stored comments per branch, by run pattern.
    pub summaries: BTreeMap<String, BTreeMap<String, (String, String)>>,
    /// Groups named for a run outside `*.runs` (`results.run_set_00000.run_00000003`), by run.
    pub placed: Option<HashMap<usize, Vec<String>>>,
    /// pet paths of the trajectory's groups by HDF5 object token (for link targets).
    pub tokens: Option<HashMap<String, String>>,
    /// Comments of first-stored items, by full path.
    pub first_comments: HashMap<String, String>,
}

/// Reads nodes of one trajectory.
pub struct Reader<'a> {
    /// The file.
    pub src: &'a Source<'a>,
    /// The trajectory.
    pub traj: &'a str,
    /// Its cache.
    pub cache: &'a mut Cache,
    /// Its report.
    pub report: &'a mut Report,
}

/// The HDF5 path of a pet path.
pub fn h5_path(traj: &str, path: &str) -> String {
    let mut out = format!("/{traj}");
    for p in path.split('.').filter(|p| !p.is_empty()) {
        out.push('/');
        out.push_str(p);
    }
    out
}

fn join(path: &str, child: &str) -> String {
    if path.is_empty() {
        child.to_string()
    } else {
        format!("{path}.{child}")
    }
}

fn token_of(loc: &hdf5::Location) -> Result<String> {
    let i = loc.loc_info().map_err(h5("cannot inspect an object"))?;
    Ok(format!("{}:{:?}", i.fileno, i.token))
}

/// The members of `g` with their link types.
fn members(g: &Group) -> Result<Vec<(String, LinkType)>> {
    g.iter_visit_default(Vec::new(), |_, name, info, out| {
        out.push((name.to_string(), info.link_type));
        true
    })
    .map_err(h5("cannot list a group"))
}

/// True when `g` is a pypet leaf.
fn is_leaf(names: &[String]) -> bool {
    attrs::has(names, "SRVC_LEAF")
}

impl Reader<'_> {
    fn skip(&mut self, at: &str, reason: impl Into<String>) {
        self.report.record(at, Outcome::Skipped(reason.into()));
    }

    /// The comment of a leaf: its own, or the one pypet purged as a duplicate
    /// of the same item of another run.
    fn comment_of(&mut self, g: &Group, names: &[String], path: &str, at: &str) -> Result<String> {
        if attrs::has(names, "SRVC_INIT_COMMENT") {
            return Ok(attrs::string(g, "SRVC_INIT_COMMENT", at)?.unwrap_or_default());
        }
        let branch = name::split_branch(path).0;
        if name::run_of_path(path).is_none() {
            return Ok(String::new());
        }
        let Some((first, short)) = self
            .cache
            .summaries
            .get(branch)
            .and_then(|s| s.get(&crate::overview::run_pattern(path)))
            .cloned()
        else {
            return Ok(String::new());
        };
        if first == path {
            return Ok(String::new());
        }
        if let Some(c) = self.cache.first_comments.get(&first) {
            return Ok(c.clone());
        }
        // The first item holds the full comment; the summary's copy may be cut at 512 bytes.
        let full = self
            .src
            .h5
            .group(&h5_path(self.traj, &first))
            .ok()
            .and_then(|fg| attrs::string(&fg, "SRVC_INIT_COMMENT", at).ok().flatten())
            .unwrap_or(short);
        self.cache.first_comments.insert(first, full.clone());
        Ok(full)
    }

    /// Annotations of a node (`SRVC_AN_*`).
    fn annotations(
        &mut self,
        g: &Group,
        names: &[String],
        path: &str,
        at: &str,
    ) -> Result<pet_core::Annotations> {
        let mut out = pet_core::Annotations::new();
        for n in names {
            let Some(key) = n.strip_prefix("SRVC_AN_") else {
                continue;
            };
            let ann_at = format!("{path} (annotation {key})");
            if let Err(e) = name::validate_part(key) {
                self.skip(&ann_at, format!("its name is not a pet name: {e}"));
                continue;
            }
            match attrs::value(g, n, at)? {
                AttrValue::Value(v) => {
                    out.insert(key.to_string(), v);
                }
                AttrValue::Pickle(b) => {
                    out.insert(key.to_string(), pickle::opaque(b));
                    self.report.record(&ann_at, Outcome::Opaque);
                }
                AttrValue::Unreadable(why) => self.skip(&ann_at, why),
            }
        }
        Ok(out)
    }

    /// The record of the leaf group `g`.
    fn leaf(
        &mut self,
        g: &Group,
        names: &[String],
        path: &str,
        spec: ReadSpec,
    ) -> Result<Option<NodeRecord>> {
        let at = g.name();
        let class = attrs::string(g, "SRVC_INIT_CLASS_NAME", &at)?.unwrap_or_default();
        let comment = self.comment_of(g, names, path, &at)?;
        let mut annotations = self.annotations(g, names, path, &at)?;
        let l = match leaf::read(self.src, g, &class, path, &at) {
            Ok(l) => l,
            Err(e) => {
                self.skip(path, e.to_string());
                return Ok(None);
            }
        };
        for (p, r) in &l.skipped {
            self.skip(p, r.clone());
        }
        if !l.notes.is_empty() {
            for (k, v) in &l.notes {
                self.report.notes.insert(format!("{path}.{k}"), v.clone());
            }
            annotations.entry(NOTES.to_string()).or_insert_with(|| {
                Value::Dict(
                    l.notes
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::Scalar(pet_core::Scalar::Str(v.clone()))))
                        .collect(),
                )
            });
        }
        if !matches!(class.as_str(), "Parameter" | "Result" | "") {
            annotations
                .entry(CLASS.to_string())
                .or_insert_with(|| Value::Scalar(pet_core::Scalar::Str(class.clone())));
        }
        let role = pet_core::LeafRole::for_path(path)?;
        let mut node = Node::leaf(role, l.data, comment);
        node.annotations = annotations;
        if let Err(e) = (NodeRecord {
            path: path.to_string(),
            node: node.clone(),
        })
        .validate()
        {
            self.skip(path, format!("pet cannot hold it: {e}"));
            return Ok(None);
        }
        if !spec.with_data {
            node.data = None;
        }
        self.report.record(
            path,
            if l.pickled {
                Outcome::Opaque
            } else {
                Outcome::Converted
            },
        );
        Ok(Some(NodeRecord {
            path: path.to_string(),
            node,
        }))
    }

    /// The pet path of the object a soft link `name` of `g` points to.
    fn link_target(&mut self, g: &Group, name: &str) -> Result<Option<String>> {
        let token = match g.loc_type_by_name(name) {
            Ok(LocationType::Group) => {
                let t = g.group(name).map_err(h5("cannot follow a link"))?;
                token_of(&t)?
            }
            Ok(LocationType::Dataset) => {
                let t = g.dataset(name).map_err(h5("cannot follow a link"))?;
                token_of(&t)?
            }
            _ => return Ok(None),
        };
        if self.cache.tokens.is_none() {
            let mut map = HashMap::new();
            let tg = self
                .src
                .h5
                .group(&format!("/{}", self.traj))
                .map_err(h5("cannot open a trajectory"))?;
            let mut walk = pet_hdf5::walk::Walk::default();
            for b in name::BRANCHES {
                if let Ok(bg) = tg.group(b) {
                    collect_tokens(&bg, b, &mut walk, 0, &mut map)?;
                }
            }
            self.cache.tokens = Some(map);
        }
        Ok(self
            .cache
            .tokens
            .as_ref()
            .and_then(|m| m.get(&token))
            .cloned())
    }

    fn link(&mut self, g: &Group, child: &str, path: &str) -> Result<Option<NodeRecord>> {
        match self.link_target(g, child)? {
            Some(target) => {
                self.report.record(path, Outcome::Converted);
                Ok(Some(NodeRecord {
                    path: path.to_string(),
                    node: Node::link(target),
                }))
            }
            None => {
                self.skip(
                    path,
                    "a soft link whose target is missing or outside the trajectory's branches",
                );
                Ok(None)
            }
        }
    }

    /// Records of `g` (at `path`) and below.
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        g: &Group,
        path: &str,
        prefix: &str,
        spec: ReadSpec,
        walk: &mut pet_hdf5::walk::Walk,
        depth: usize,
        out: &mut Vec<NodeRecord>,
    ) -> Result<()> {
        walk.enter(g, path, depth)?;
        for (child, kind) in members(g)? {
            let at = format!("{}/{child}", g.name());
            if let Err(e) = name::validate_part(&child) {
                self.skip(&at, format!("its name is not a pet name: {e}"));
                continue;
            }
            let cp = join(path, &child);
            if !spec.includes(prefix, &cp) {
                continue;
            }
            if name::BRANCHES.contains(&child.as_str()) {
                self.skip(&at, "a node named like a top-level branch below the top");
                continue;
            }
            if kind == LinkType::Soft {
                out.extend(self.link(g, &child, &cp)?);
                continue;
            }
            if kind == LinkType::External {
                self.skip(&at, "an external link to another file");
                continue;
            }
            self.node(g, &child, &cp, prefix, spec, walk, depth, out)?;
        }
        Ok(())
    }

    /// The record of hard-linked member `child` of `g` at `path`, and below.
    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        g: &Group,
        child: &str,
        path: &str,
        prefix: &str,
        spec: ReadSpec,
        walk: &mut pet_hdf5::walk::Walk,
        depth: usize,
        out: &mut Vec<NodeRecord>,
    ) -> Result<()> {
        let at = format!("{}/{child}", g.name());
        match g
            .loc_type_by_name(child)
            .map_err(h5("cannot inspect an object"))?
        {
            LocationType::Group => {
                let sg = g.group(child).map_err(h5("cannot open a group"))?;
                let names = attrs::names(&sg)?;
                if is_leaf(&names) {
                    out.extend(self.leaf(&sg, &names, path, spec)?);
                    return Ok(());
                }
                let comment = attrs::string(&sg, "SRVC_INIT_COMMENT", &at)?.unwrap_or_default();
                let annotations = self.annotations(&sg, &names, path, &at)?;
                self.report.record(path, Outcome::Converted);
                out.push(NodeRecord {
                    path: path.to_string(),
                    node: Node {
                        kind: NodeKind::Group,
                        comment,
                        annotations,
                        data: None,
                    },
                });
                self.visit(&sg, path, prefix, spec, walk, depth + 1, out)
            }
            _ => {
                self.skip(&at, "a dataset outside any pypet leaf");
                Ok(())
            }
        }
    }

    /// Nodes at and below `prefix`, sorted by path.
    pub fn read(&mut self, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        let mut out = Vec::new();
        let mut walk = pet_hdf5::walk::Walk::default();
        if prefix.is_empty() {
            for b in name::BRANCHES {
                out.extend(self.read(b, spec)?);
            }
            out.sort_by(|a, b| a.path.cmp(&b.path));
            return Ok(out);
        }
        let hp = h5_path(self.traj, prefix);
        let (parent, last) = hp.rsplit_once('/').unwrap_or(("/", hp.as_str()));
        let parent = if parent.is_empty() { "/" } else { parent };
        let Ok(pg) = self.src.h5.group(parent) else {
            return Ok(out);
        };
        if !pg.link_exists(last) {
            return Ok(out);
        }
        // Listing the parent costs its children: a run group (never a link
        // in pypet's files) is read without, which keeps a run's read
        // independent of the number of runs.
        let kind = if name::run_index(last).is_some() {
            LinkType::Hard
        } else {
            members(&pg)?
                .into_iter()
                .find(|(n, _)| n == last)
                .map(|(_, k)| k)
                .unwrap_or(LinkType::Hard)
        };
        if kind == LinkType::Soft && name::depth(prefix) > 1 {
            out.extend(self.link(&pg, last, prefix)?);
            return Ok(out);
        }
        if name::depth(prefix) == 1 {
            // A top-level branch: its group, then everything below it.
            let g = pg.group(last).map_err(h5("cannot open a branch"))?;
            out.push(NodeRecord {
                path: prefix.to_string(),
                node: Node::group(),
            });
            self.report.record(prefix, Outcome::Converted);
            self.visit(&g, prefix, prefix, spec, &mut walk, 0, &mut out)?;
        } else {
            self.node(&pg, last, prefix, prefix, spec, &mut walk, 0, &mut out)?;
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Every node run `index` stored: under `results.runs.run_…`,
    /// `derived_parameters.runs.run_…` and any group named for the run
    /// elsewhere in those branches (`$set` buckets, `results.outside.run_…`).
    pub fn run_nodes(&mut self, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        let rn = name::run_name(index);
        if self.cache.placed.is_none() {
            let mut map: HashMap<usize, Vec<String>> = HashMap::new();
            let mut walk = pet_hdf5::walk::Walk::default();
            for b in [name::RESULTS, name::DERIVED] {
                if let Ok(g) = self.src.h5.group(&h5_path(self.traj, b)) {
                    placed_groups(&g, b, &mut walk, 0, &mut map)?;
                }
            }
            self.cache.placed = Some(map);
        }
        let mut paths: Vec<String> = [name::RESULTS, name::DERIVED]
            .iter()
            .map(|b| format!("{b}.{}.{rn}", name::RUNS))
            .collect();
        if let Some(p) = self.cache.placed.as_ref().and_then(|m| m.get(&index)) {
            paths.extend(p.iter().cloned());
        }
        let mut out = Vec::new();
        for p in paths {
            out.extend(self.read(&p, spec)?);
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out.dedup_by(|a, b| a.path == b.path);
        Ok(out)
    }
}

/// Collects the pet paths of groups named for a run outside the `runs` group
/// of a branch, without entering run groups or leaves.
fn placed_groups(
    g: &Group,
    path: &str,
    walk: &mut pet_hdf5::walk::Walk,
    depth: usize,
    out: &mut HashMap<usize, Vec<String>>,
) -> Result<()> {
    walk.enter(g, path, depth)?;
    for (child, kind) in members(g)? {
        if kind != LinkType::Hard
            || (depth == 0 && child == name::RUNS)
            || name::validate_part(&child).is_err()
        {
            continue;
        }
        let cp = join(path, &child);
        if let Some(i) = name::run_index(&child) {
            out.entry(i).or_default().push(cp);
            continue;
        }
        if !matches!(g.loc_type_by_name(&child), Ok(LocationType::Group)) {
            continue;
        }
        let sg = g.group(&child).map_err(h5("cannot open a group"))?;
        if !is_leaf(&attrs::names(&sg)?) {
            placed_groups(&sg, &cp, walk, depth + 1, out)?;
        }
    }
    Ok(())
}

/// Maps the tokens of every group (leaves included) below `g` to their pet paths.
fn collect_tokens(
    g: &Group,
    path: &str,
    walk: &mut pet_hdf5::walk::Walk,
    depth: usize,
    out: &mut HashMap<String, String>,
) -> Result<()> {
    walk.enter(g, path, depth)?;
    out.insert(token_of(g)?, path.to_string());
    for (child, kind) in members(g)? {
        if kind != LinkType::Hard || name::validate_part(&child).is_err() {
            continue;
        }
        if !matches!(g.loc_type_by_name(&child), Ok(LocationType::Group)) {
            continue;
        }
        let sg = g.group(&child).map_err(h5("cannot open a group"))?;
        let cp = join(path, &child);
        if is_leaf(&attrs::names(&sg)?) {
            out.insert(token_of(&sg)?, cp);
        } else {
            collect_tokens(&sg, &cp, walk, depth + 1, out)?;
        }
    }
    Ok(())
}

/// Records, in the report, the children of the trajectory group that are
/// not pet branches (pypet's overview tables are read, links at the root
/// and anything else cannot be pet nodes).
pub fn root_extras(tg: &Group, traj: &str, report: &mut Report) -> Result<()> {
    for (child, kind) in members(tg)? {
        if name::BRANCHES.contains(&child.as_str()) || child == "overview" {
            continue;
        }
        let at = format!("/{traj}/{child}");
        let reason = if kind == LinkType::Soft {
            "a link at the trajectory's root; pet's tree holds nodes only in config, parameters, derived_parameters and results"
        } else {
            "a node at the trajectory's root outside pypet's branches"
        };
        report.record(&at, Outcome::Skipped(reason.into()));
    }
    Ok(())
}

/// An error for a missing trajectory group.
pub fn no_group(at: &str) -> pet_core::PetError {
    bad(at, "the trajectory group is missing")
}
