//! Writing nodes (`write_nodes`) and whole runs (`store_run(s)`).
//!
//! A run is atomic without multi-document transactions: its node documents are
//! inserted as new versions tagged with a fresh write id (`wid`), then the run
//! document is updated to that `wid` in one single-document write (the commit),
//! and only then are older versions of the run removed. Readers see a tagged
//! document only when its run document holds the same `wid`.
//!
//! The commit only matches a run that is not completed, so of several writers
//! storing one run at once (a lease expired while its first worker still ran)
//! exactly one commits; the others find the run completed, remove their own
//! documents and nothing else, and report the run as already completed. The
//! winner's cleanup may remove a loser's uncommitted documents, which the
//! loser's commit can then never make visible.

use std::collections::{BTreeMap, BTreeSet};

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::{name, NodeKind, NodeRecord, PetError, Result, RunRecord, StoredRuns};

use crate::node::{self, meta_fields, run_field};
use crate::store::{run_fields, MongoStore};
use crate::value::Spill;
use crate::visible::wid_of;

/// A group document for an ancestor that does not exist yet.
fn group_upsert(traj: &str, path: &str) -> Document {
    doc! {
        "q": { "traj": traj, "path": path, "wid": Bson::Null },
        "u": { "$setOnInsert": {
            "run": run_field(path), "kind": "group", "comment": "", "annotations": {},
        } },
        "upsert": true,
    }
}

impl MongoStore {
    /// Creates the missing groups among `paths` (plain documents, no `wid`).
    fn ensure_groups(&self, traj: &str, paths: &BTreeSet<String>) -> Result<()> {
        let key = |p: &str| format!("{traj}\0{p}");
        let paths: BTreeSet<String> = paths
            .iter()
            .filter(|p| !self.is_known(&key(p)))
            .cloned()
            .collect();
        if paths.is_empty() {
            return Ok(());
        }
        let list: Vec<&str> = paths.iter().map(String::as_str).collect();
        let docs = self.find_nodes(
            traj,
            doc! { "path": { "$in": list } },
            Some(doc! { "path": 1, "wid": 1, "run": 1 }),
        )?;
        let present = self.resolve(traj, docs)?;
        let missing: Vec<Document> = paths
            .iter()
            .filter(|p| !present.contains_key(*p))
            .map(|p| group_upsert(traj, p))
            .collect();
        // A unique-index collision means another writer created the group: fine.
        self.bulk_update("nodes", missing)?;
        self.remember(paths.iter().map(|p| key(p)));
        Ok(())
    }

    pub(crate) fn put_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        self.check_traj(traj)?;
        if nodes.is_empty() {
            return Ok(());
        }
        for attempt in 0..3 {
            if self.try_put_nodes(traj, nodes)? {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(5 << attempt));
        }
        Err(PetError::backend_msg(
            "mongodb",
            "nodes kept colliding with another writer of the same paths; retry",
        ))
    }

    /// One attempt; false when another writer created one of the nodes meanwhile.
    fn try_put_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<bool> {
        let own: BTreeSet<&str> = nodes.iter().map(|n| n.path.as_str()).collect();
        let ancestors: BTreeSet<String> = nodes
            .iter()
            .flat_map(|n| name::ancestors(&n.path))
            .filter(|a| !own.contains(a))
            .map(str::to_string)
            .collect();
        self.ensure_groups(traj, &ancestors)?;
        let list: Vec<&str> = own.iter().copied().collect();
        let docs = self.find_nodes(
            traj,
            doc! { "path": { "$in": list } },
            Some(doc! { "path": 1, "wid": 1, "run": 1, "blobs": 1 }),
        )?;
        let existing = self.resolve(traj, docs)?;
        let mut spill = Spill::new(self.opts.inline_max);
        let mut statements = Vec::with_capacity(nodes.len());
        let mut old_blobs: Vec<ObjectId> = Vec::new();
        for rec in nodes {
            let old = existing.get(&rec.path);
            let q = match old.and_then(|d| d.get_object_id("_id").ok()) {
                Some(id) => doc! { "_id": id },
                None => doc! { "traj": traj, "path": rec.path.as_str(), "wid": Bson::Null },
            };
            let keep_data = matches!(rec.node.kind, NodeKind::Leaf { .. })
                && rec.node.data.is_none()
                && old.is_some();
            let u = if keep_data {
                doc! { "$set": meta_fields(&rec.node)? }
            } else {
                let mut full = node::to_doc(traj, rec, &mut spill)?;
                if let Some(old) = old {
                    if let Some(w) = wid_of(old) {
                        full.insert("wid", w);
                        if let Some(r) = old.get("run") {
                            full.insert("run", r.clone());
                        }
                    }
                    old_blobs.extend(node::blobs_of(old));
                }
                full
            };
            statements.push(doc! { "q": q, "u": u, "upsert": true });
        }
        self.colls
            .bucket
            .put(&self.ctx, &spill.blobs, &doc! { "traj": traj })?;
        let dups = self.bulk_update("nodes", statements)?;
        if !dups.is_empty() {
            let ids: Vec<ObjectId> = spill.blobs.iter().map(|(id, _)| *id).collect();
            self.colls.bucket.delete(&self.ctx, &ids)?;
            return Ok(false);
        }
        self.colls.bucket.delete(&self.ctx, &old_blobs)?;
        Ok(true)
    }

    pub(crate) fn put_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns> {
        self.check_traj(traj)?;
        if runs.is_empty() {
            return Ok(StoredRuns::default());
        }
        let idxs: Vec<i64> = runs.iter().map(|r| r.info.index as i64).collect();
        let mut outer: BTreeSet<String> = BTreeSet::new();
        let mut spill = Spill::new(self.opts.inline_max);
        let mut docs = Vec::new();
        let mut wids: BTreeMap<i64, ObjectId> = BTreeMap::new();
        let mut mine: BTreeSet<String> = BTreeSet::new();
        // Where each run's spilled payloads start in `spill.blobs`.
        let mut blob_starts: Vec<(i64, usize)> = Vec::with_capacity(runs.len());
        for r in runs {
            let idx = r.info.index as i64;
            blob_starts.push((idx, spill.blobs.len()));
            let wid = ObjectId::new();
            wids.insert(idx, wid);
            let own: BTreeSet<&str> = r.nodes.iter().map(|n| n.path.as_str()).collect();
            let mut groups: BTreeSet<&str> = BTreeSet::new();
            for n in &r.nodes {
                for a in name::ancestors(&n.path) {
                    if own.contains(a) {
                        continue;
                    }
                    if name::run_of_path(a).is_some() {
                        groups.insert(a);
                    } else {
                        outer.insert(a.to_string());
                    }
                }
            }
            let group_recs = groups.into_iter().map(|g| NodeRecord {
                path: g.to_string(),
                node: pet_core::Node::group(),
            });
            for rec in group_recs.chain(r.nodes.iter().cloned()) {
                let mut d = node::to_doc(traj, &rec, &mut spill)?;
                d.insert("run", idx);
                d.insert("wid", wid);
                mine.insert(rec.path.clone());
                docs.push(d);
            }
        }
        self.ensure_groups(traj, &outer)?;
        let meta = doc! { "traj": traj, "runs": idxs.clone() };
        self.colls.bucket.put(&self.ctx, &spill.blobs, &meta)?;
        // Documents of these runs from before (older versions, and orphans of
        // interrupted attempts) are looked up while the new versions go in; they are
        // removed once the new versions are committed.
        let (before, inserted) = std::thread::scope(|s| {
            let before = s.spawn(|| {
                self.find_nodes(
                    traj,
                    doc! { "run": { "$in": idxs.clone() } },
                    Some(doc! { "path": 1, "wid": 1, "blobs": 1, "run": 1 }),
                )
            });
            let inserted = if docs.is_empty() {
                Ok(())
            } else {
                self.colls
                    .nodes
                    .insert_many(docs)
                    .run()
                    .map(|_| ())
                    .map_err(|e| self.ctx.map(e))
            };
            let before = before.join().unwrap_or_else(|_| {
                Err(PetError::backend_msg(
                    "mongodb",
                    "the lookup of older run versions failed",
                ))
            });
            (before, inserted)
        });
        inserted?;
        let before = before?;
        let lost = self.commit_runs(traj, runs, &wids)?;
        if !lost.is_empty() {
            self.drop_lost(traj, &lost, &wids, &blob_starts, &spill)?;
        }
        // Older versions of these runs are now invisible: remove them.
        let mut stale = Vec::new();
        let mut stale_blobs = Vec::new();
        let fresh: BTreeSet<ObjectId> = wids.values().copied().collect();
        for d in before {
            if wid_of(&d).is_some_and(|w| fresh.contains(&w)) {
                continue;
            }
            // The documents of a run another writer completed are that writer's.
            let run = d.get_i64("run").ok().and_then(|i| usize::try_from(i).ok());
            if run.is_some_and(|i| lost.contains(&i)) {
                continue;
            }
            let shadowed = match wid_of(&d) {
                Some(_) => true,
                None => d.get_str("path").is_ok_and(|p| mine.contains(p)),
            };
            if shadowed {
                if let Ok(id) = d.get_object_id("_id") {
                    stale.push(Bson::ObjectId(id));
                }
                stale_blobs.extend(node::blobs_of(&d));
            }
        }
        for part in stale.chunks(10_000) {
            self.colls
                .nodes
                .delete_many(doc! { "_id": { "$in": part.to_vec() } })
                .run()
                .map_err(|e| self.ctx.map(e))?;
        }
        self.colls.bucket.delete(&self.ctx, &stale_blobs)?;
        Ok(StoredRuns {
            already_completed: lost.into_iter().collect(),
        })
    }

    /// The commit of each run: one single-document write that matches only a
    /// run not completed yet. Returns the runs another writer completed first.
    fn commit_runs(
        &self,
        traj: &str,
        runs: &[RunRecord],
        wids: &BTreeMap<i64, ObjectId>,
    ) -> Result<BTreeSet<usize>> {
        let commit = |r: &RunRecord| {
            let idx = r.info.index as i64;
            let mut set = run_fields(&r.info);
            if let Some(w) = wids.get(&idx) {
                set.insert("wid", *w);
            }
            doc! {
                "q": { "traj": traj, "idx": idx, "completed": { "$ne": true } },
                "u": {
                    "$set": set,
                    "$unset": { "lease_worker": "", "lease_until": "", "lease_claim": "" },
                },
                "upsert": true,
            }
        };
        let mut todo: Vec<&RunRecord> = runs.iter().collect();
        let mut lost = BTreeSet::new();
        for _ in 0..3 {
            let statements: Vec<Document> = todo.iter().map(|r| commit(r)).collect();
            // A duplicate key means the run document exists but did not match:
            // it is completed, or another writer created it a moment ago.
            let dups = self.bulk_update("runs", statements)?;
            if dups.is_empty() {
                return Ok(lost);
            }
            let again: Vec<&RunRecord> =
                dups.iter().filter_map(|&i| todo.get(i).copied()).collect();
            let idxs: Vec<i64> = again.iter().map(|r| r.info.index as i64).collect();
            let done = self.completed_among(traj, &idxs)?;
            todo = again
                .into_iter()
                .filter(|r| !done.contains(&r.info.index))
                .collect();
            lost.extend(done);
            if todo.is_empty() {
                return Ok(lost);
            }
        }
        Err(PetError::backend_msg(
            "mongodb",
            "run documents kept colliding with another writer; retry",
        ))
    }

    /// Removes this writer's documents and payloads of runs another writer completed first.
    fn drop_lost(
        &self,
        traj: &str,
        lost: &BTreeSet<usize>,
        wids: &BTreeMap<i64, ObjectId>,
        blob_starts: &[(i64, usize)],
        spill: &Spill,
    ) -> Result<()> {
        let mine: Vec<Bson> = lost
            .iter()
            .filter_map(|&i| wids.get(&(i as i64)))
            .map(|w| Bson::ObjectId(*w))
            .collect();
        self.colls
            .nodes
            .delete_many(doc! { "traj": traj, "wid": { "$in": mine } })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        let mut blobs = Vec::new();
        for (k, &(idx, start)) in blob_starts.iter().enumerate() {
            let end = blob_starts.get(k + 1).map_or(spill.blobs.len(), |n| n.1);
            if usize::try_from(idx).is_ok_and(|i| lost.contains(&i)) {
                blobs.extend(
                    spill
                        .blobs
                        .get(start..end)
                        .unwrap_or(&[])
                        .iter()
                        .map(|(id, _)| *id),
                );
            }
        }
        self.colls.bucket.delete(&self.ctx, &blobs)
    }
}
