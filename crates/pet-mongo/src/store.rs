//! [`MongoStore`]: the [`Backend`] implementation over one MongoDB database.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use mongodb::bson::{doc, Bson, Document};
use mongodb::sync::{Client, Database};

use pet_core::storage::{
    Backend, ClaimRequest, Claimed, PointAppend, ReadSpec, RunCounts, RunInfo, RunRecord,
    StoredRuns, TrajectoryInfo,
};
use pet_core::{LeafData, NodeRecord, PetError, Result};

use crate::error::{is_duplicate, ErrCtx, DUPLICATE_KEY};
use crate::options::{self, MongoOptions};
use crate::schema::{self, Colls};
use crate::value::corrupt;

/// A pet store in one MongoDB database. Cheap to share between threads (`Arc`);
/// any number of processes on any number of machines may write at once.
pub struct MongoStore {
    pub(crate) db: Database,
    pub(crate) colls: Colls,
    pub(crate) ctx: ErrCtx,
    pub(crate) opts: MongoOptions,
    shown: String,
    database: String,
    /// Trajectories and groups this handle has seen exist (`traj`, `traj\0path`),
    /// so storing a run does not ask again; forgotten on this handle's deletions.
    known: Mutex<HashSet<String>>,
}

impl MongoStore {
    /// Opens (creating the layout if needed) the store at a URL such as
    /// `mongodb://127.0.0.1:27017/pet` or
    /// `mongodb://user:pw@host1,host2/pet?replicaSet=rs0&tls=true&serverSelectionTimeoutMS=10000`.
    pub fn from_url(url: &str) -> Result<Self> {
        Self::open_with(url, MongoOptions::default())
    }

    /// Opens a store with explicit options (URL options still win for timeouts).
    pub fn open_with(url: &str, opts: MongoOptions) -> Result<Self> {
        let target = options::parse(url, &opts)?;
        let client = Client::with_options(target.client).map_err(|e| PetError::BadLocation {
            url: target.shown.clone(),
            reason: e.to_string(),
        })?;
        let db = client.database(&target.database);
        let colls = Colls::new(&db);
        let location = format!("{}/{}", target.shown, target.database);
        schema::ensure(&db, &colls, &target.ctx, &location, target.opts.read_only)?;
        if !target.opts.read_only {
            schema::ensure_claim_index(&colls, &target.ctx)?;
        }
        Ok(MongoStore {
            db,
            colls,
            ctx: target.ctx,
            opts: target.opts,
            shown: target.shown,
            database: target.database,
            known: Mutex::new(HashSet::new()),
        })
    }

    /// The database this store uses.
    pub fn database_name(&self) -> &str {
        &self.database
    }

    /// Drops the whole database (every trajectory in it). Meant for tests and scratch stores.
    pub fn drop_database(&self) -> Result<()> {
        self.db.drop().run().map_err(|e| self.ctx.map(e))
    }

    /// `NotFound` unless the trajectory exists.
    pub(crate) fn check_traj(&self, traj: &str) -> Result<()> {
        if self.is_known(traj) {
            return Ok(());
        }
        let found = self
            .colls
            .trajs
            .find_one(doc! { "_id": traj })
            .projection(doc! { "_id": 1 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        match found {
            Some(_) => {
                self.remember([traj.to_string()]);
                Ok(())
            }
            None => Err(PetError::NoTrajectory(traj.to_string())),
        }
    }

    fn known(&self) -> MutexGuard<'_, HashSet<String>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when this handle has seen `key` exist.
    pub(crate) fn is_known(&self, key: &str) -> bool {
        self.known().contains(key)
    }

    /// Records keys seen to exist.
    pub(crate) fn remember(&self, keys: impl IntoIterator<Item = String>) {
        self.known().extend(keys);
    }

    /// Forgets `traj` (when `path` is empty) or its groups at and below `path`.
    pub(crate) fn forget(&self, traj: &str, path: &str) {
        let group = format!("{traj}\0");
        self.known().retain(|k| match k.strip_prefix(&group) {
            Some(p) => !(path.is_empty() || pet_core::storage::under(p, path)),
            None => !(path.is_empty() && k == traj),
        });
    }

    /// Every node document of `traj` matching `filter`, with `projection`.
    pub(crate) fn find_nodes(
        &self,
        traj: &str,
        mut filter: Document,
        projection: Option<Document>,
    ) -> Result<Vec<Document>> {
        filter.insert("traj", traj);
        let mut find = self.colls.nodes.find(filter);
        if let Some(p) = projection {
            find = find.projection(p);
        }
        let cursor = find.run().map_err(|e| self.ctx.map(e))?;
        cursor.map(|d| d.map_err(|e| self.ctx.map(e))).collect()
    }

    /// Runs one `update` command with many statements; returns the indexes of
    /// statements that failed on a unique index, and fails on any other error.
    pub(crate) fn bulk_update(&self, coll: &str, statements: Vec<Document>) -> Result<Vec<usize>> {
        let mut dups = Vec::new();
        let mut base = 0;
        let mut rest = statements;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(2000));
            let n = rest.len();
            let reply = self
                .db
                .run_command(doc! { "update": coll, "updates": rest, "ordered": false })
                .run()
                .map_err(|e| self.ctx.map(e))?;
            if let Ok(errors) = reply.get_array("writeErrors") {
                for e in errors {
                    let Bson::Document(e) = e else { continue };
                    let code = e.get_i32("code").unwrap_or(0);
                    let index = e.get_i32("index").unwrap_or(0) as usize;
                    if code == DUPLICATE_KEY {
                        dups.push(base + index);
                    } else {
                        return Err(PetError::backend_msg(
                            "mongodb",
                            format!(
                                "the server refused a write: {}",
                                e.get_str("errmsg").unwrap_or("unknown error")
                            ),
                        ));
                    }
                }
            }
            base += n;
            rest = tail;
        }
        Ok(dups)
    }
}

impl MongoStore {
    /// Writes run information: new runs in one insert, changed ones as updates,
    /// unchanged ones not at all. Never touches a run's committed `wid`, and
    /// never a completed run (each update matches only a run not completed).
    pub(crate) fn put_run_infos(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        if runs.is_empty() {
            return Ok(());
        }
        let filter = if runs.len() > 500 {
            doc! { "traj": traj }
        } else {
            let list: Vec<i64> = runs.iter().map(|r| r.index as i64).collect();
            doc! { "traj": traj, "idx": { "$in": list } }
        };
        let mut existing = std::collections::HashMap::new();
        for d in self
            .colls
            .runs
            .find(filter)
            .projection(doc! { "wid": 0 })
            .run()
            .map_err(|e| self.ctx.map(e))?
        {
            let info = run_from(&d.map_err(|e| self.ctx.map(e))?)?;
            existing.insert(info.index, info);
        }
        // The document exists: an update (no upsert) that leaves a completed run alone.
        let upsert = |r: &RunInfo| {
            doc! {
                "q": { "traj": traj, "idx": r.index as i64, "completed": { "$ne": true } },
                "u": { "$set": run_fields(r) },
                "upsert": false,
            }
        };
        let mut fresh = Vec::new();
        let mut statements = Vec::new();
        for r in runs {
            match existing.get(&r.index) {
                None => {
                    let mut d = doc! { "traj": traj, "idx": r.index as i64 };
                    d.extend(run_fields(r));
                    fresh.push((d, r));
                }
                Some(old) if old == r || old.completed => {}
                Some(_) => statements.push(upsert(r)),
            }
        }
        if !fresh.is_empty() {
            let docs: Vec<Document> = fresh.iter().map(|(d, _)| d.clone()).collect();
            match self.colls.runs.insert_many(docs).ordered(false).run() {
                Ok(_) => {}
                // Another writer created some of them meanwhile: set those instead.
                Err(e) if is_duplicate(&e) => {
                    statements.extend(fresh.iter().map(|(_, r)| upsert(r)));
                }
                Err(e) => return Err(self.ctx.map(e)),
            }
        }
        for attempt in 0..3 {
            let dups = self.bulk_update("runs", statements.clone())?;
            if dups.is_empty() {
                return Ok(());
            }
            statements = dups
                .iter()
                .filter_map(|&i| statements.get(i).cloned())
                .collect();
            std::thread::sleep(std::time::Duration::from_millis(5 << attempt));
        }
        Err(PetError::backend_msg(
            "mongodb",
            "run documents kept colliding with another writer; retry",
        ))
    }
}

fn f64_or_null(x: Option<f64>) -> Bson {
    x.map(Bson::Double).unwrap_or(Bson::Null)
}

/// The fields of a run document that run information sets (never `wid`).
pub(crate) fn run_fields(r: &RunInfo) -> Document {
    doc! {
        "name": r.name(),
        "completed": r.completed,
        "started": f64_or_null(r.started),
        "finished": f64_or_null(r.finished),
        "summary": r.summary.as_str(),
    }
}

fn run_from(d: &Document) -> Result<RunInfo> {
    let idx = d
        .get_i64("idx")
        .map_err(|_| corrupt("a run document has no idx"))
        .and_then(|i| pet_core::bounds::stored_run_index(i, "mongodb runs collection"))?;
    Ok(RunInfo {
        index: idx,
        completed: d.get_bool("completed").unwrap_or(false),
        started: d.get_f64("started").ok(),
        finished: d.get_f64("finished").ok(),
        summary: d.get_str("summary").unwrap_or("").to_string(),
    })
}

fn info_from(d: &Document) -> Result<TrajectoryInfo> {
    Ok(TrajectoryInfo {
        name: d
            .get_str("_id")
            .map_err(|_| corrupt("a trajectory document has no name"))?
            .to_string(),
        comment: d.get_str("comment").unwrap_or("").to_string(),
        created: d.get_f64("created").unwrap_or(0.0),
        pet_version: d.get_str("pet_version").unwrap_or("").to_string(),
    })
}

impl Backend for MongoStore {
    fn location(&self) -> String {
        format!("{}/{}", self.shown, self.database)
    }

    fn is_read_only(&self) -> bool {
        self.opts.read_only
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        let cursor = self
            .colls
            .trajs
            .find(doc! { "creating": { "$exists": false } })
            .sort(doc! { "_id": 1 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        cursor
            .map(|d| info_from(&d.map_err(|e| self.ctx.map(e))?))
            .collect()
    }

    fn create(&self, info: &TrajectoryInfo) -> Result<()> {
        self.insert_trajectory(info, None)
    }

    /// Creates the trajectory whole (`creation.rs`): hidden while its
    /// nodes and runs go in, taken over by the next creator if this one dies.
    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        self.create_whole(info, nodes, runs)
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        let d = self
            .colls
            .trajs
            .find_one(doc! { "_id": traj, "creating": { "$exists": false } })
            .run()
            .map_err(|e| self.ctx.map(e))?
            .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))?;
        info_from(&d)
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        self.forget(traj, "");
        self.check_traj(traj)?;
        self.clear_contents(traj)?;
        self.colls
            .trajs
            .delete_one(doc! { "_id": traj })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        Ok(())
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        self.put_nodes(traj, nodes)
    }

    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        self.check_traj(traj)?;
        self.put_run_infos(traj, runs)
    }

    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        self.push_points(traj, appends)
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns> {
        self.put_runs(traj, runs)
    }

    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed> {
        self.claim(traj, req)
    }

    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize> {
        self.renew(traj, worker, runs, until)
    }

    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()> {
        self.release(traj, worker, runs)
    }

    fn run_counts(&self, traj: &str) -> Result<RunCounts> {
        self.counts(traj)
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.get_nodes(traj, prefix, spec)
    }

    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.get_run_nodes(traj, index, spec)
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        self.get_data(traj, path)
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.check_traj(traj)?;
        let cursor = self
            .colls
            .runs
            .find(doc! { "traj": traj })
            .sort(doc! { "idx": 1 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        cursor
            .map(|d| run_from(&d.map_err(|e| self.ctx.map(e))?))
            .collect()
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        self.remove_nodes(traj, path)
    }
}

impl MongoStore {
    /// Deletes everything stored under trajectory `traj` but its document:
    /// nodes, runs and payloads.
    pub(crate) fn clear_contents(&self, traj: &str) -> Result<()> {
        self.forget(traj, "");
        let m = |e| self.ctx.map(e);
        self.colls
            .nodes
            .delete_many(doc! { "traj": traj })
            .run()
            .map_err(m)?;
        self.colls
            .runs
            .delete_many(doc! { "traj": traj })
            .run()
            .map_err(m)?;
        self.colls
            .bucket
            .delete_where(&self.ctx, doc! { "metadata.traj": traj })?;
        Ok(())
    }
}
