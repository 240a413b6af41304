//! Which node documents readers see: a document written by `store_run` carries the
//! run's write id (`wid`) and counts only once the run document holds the same `wid`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::Result;

use crate::store::MongoStore;

/// The run a node document belongs to (`run` field).
pub fn run_of(d: &Document) -> Option<i64> {
    match d.get("run") {
        Some(Bson::Int64(r)) => Some(*r),
        Some(Bson::Int32(r)) => Some((*r).into()),
        _ => None,
    }
}

/// The write id of a node document written by `store_run`.
pub fn wid_of(d: &Document) -> Option<ObjectId> {
    d.get_object_id("wid").ok()
}

impl MongoStore {
    /// Committed write ids of the given runs.
    pub(crate) fn commits(
        &self,
        traj: &str,
        runs: &BTreeSet<i64>,
    ) -> Result<HashMap<i64, ObjectId>> {
        let mut out = HashMap::new();
        if runs.is_empty() {
            return Ok(out);
        }
        let filter = if runs.len() > 1000 {
            doc! { "traj": traj, "wid": { "$exists": true } }
        } else {
            let list: Vec<Bson> = runs.iter().map(|r| Bson::Int64(*r)).collect();
            doc! { "traj": traj, "idx": { "$in": list } }
        };
        let cursor = self
            .colls
            .runs
            .find(filter)
            .projection(doc! { "idx": 1, "wid": 1 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        for d in cursor {
            let d = d.map_err(|e| self.ctx.map(e))?;
            if let (Some(i), Some(w)) = (d.get_i64("idx").ok(), wid_of(&d)) {
                out.insert(i, w);
            }
        }
        Ok(out)
    }

    /// The visible version of each path among `docs`, by path: documents without
    /// `wid`, and documents whose `wid` their run committed (these win).
    pub(crate) fn resolve(
        &self,
        traj: &str,
        docs: Vec<Document>,
    ) -> Result<BTreeMap<String, Document>> {
        let runs: BTreeSet<i64> = docs
            .iter()
            .filter(|d| wid_of(d).is_some())
            .filter_map(run_of)
            .collect();
        let commits = self.commits(traj, &runs)?;
        let mut out: BTreeMap<String, Document> = BTreeMap::new();
        for d in docs {
            let wid = wid_of(&d);
            if let Some(w) = wid {
                if run_of(&d).and_then(|r| commits.get(&r)) != Some(&w) {
                    continue;
                }
            }
            let Ok(path) = d.get_str("path").map(str::to_string) else {
                continue;
            };
            match out.get(&path) {
                Some(old) if wid.is_none() || wid_of(old).is_some() => {}
                _ => {
                    out.insert(path, d);
                }
            }
        }
        Ok(out)
    }
}
