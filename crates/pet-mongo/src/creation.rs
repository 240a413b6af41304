//! Creating a trajectory whole: its document goes in marked `creating` (hidden
//! from `info` and `list`) with the creator's token and a lease
//! (`creating_until`, Unix seconds) that a keeper thread renews while the
//! nodes and runs go in; removing the mark shows the whole trajectory in one
//! single-document write. A creation whose creator was killed stops being
//! renewed: once its lease has ended, the next copy that creates the
//! trajectory takes the document over in one conditional update (only one
//! copy can win it), clears what the dead creator wrote, and creates it anew.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mongodb::bson::{doc, oid::ObjectId};

use pet_core::storage::{RunInfo, TrajectoryInfo};
use pet_core::{NodeRecord, PetError, Result};

use crate::error::is_duplicate;
use crate::store::MongoStore;

/// How long a creation holds the trajectory's name without being renewed.
pub const CREATION_LEASE: Duration = Duration::from_secs(30);

fn until() -> f64 {
    pet_core::time::now() + CREATION_LEASE.as_secs_f64()
}

impl MongoStore {
    /// Creates `info` with `nodes` and `runs`, seen by others only when whole.
    pub(crate) fn create_whole(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        let token = ObjectId::new();
        match self.insert_trajectory(info, Some(token)) {
            Ok(()) => {}
            Err(PetError::TrajectoryExists(_)) => {
                if !self.take_over(info, token)? {
                    return Err(PetError::TrajectoryExists(info.name.clone()));
                }
                // What the dead creator wrote goes before this creation's.
                self.clear_contents(&info.name)?;
            }
            Err(e) => return Err(e),
        }
        self.remember([info.name.clone()]);
        let stop = AtomicBool::new(false);
        let filled = std::thread::scope(|s| {
            s.spawn(|| self.keep_creating(&info.name, token, &stop));
            let r = self
                .put_nodes(&info.name, nodes)
                .and_then(|()| self.put_run_infos(&info.name, runs))
                .and_then(|()| self.show(&info.name, token));
            stop.store(true, Ordering::Release);
            r
        });
        if let Err(e) = filled {
            // Nothing of a failed creation stays behind, when the server lets us
            // (and when the creation is still this one's).
            if self.owns_creation(&info.name, token) {
                let _ = pet_core::storage::Backend::remove_trajectory(self, &info.name);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Inserts a trajectory document, hidden while it is being created (with
    /// `creating`'s token); [`PetError::TrajectoryExists`] when the name is taken.
    pub(crate) fn insert_trajectory(
        &self,
        info: &TrajectoryInfo,
        creating: Option<ObjectId>,
    ) -> Result<()> {
        let mut d = doc! {
            "_id": info.name.as_str(),
            "comment": info.comment.as_str(),
            "created": info.created,
            "pet_version": info.pet_version.as_str(),
        };
        if let Some(token) = creating {
            d.insert("creating", token);
            d.insert("creating_until", until());
        }
        match self.colls.trajs.insert_one(d).run() {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate(&e) => Err(PetError::TrajectoryExists(info.name.clone())),
            Err(e) => Err(self.ctx.map(e)),
        }
    }

    /// Takes over a creation of `info.name` whose lease has ended (its creator
    /// stopped; pet before 0.2 marked creations `creating: true`, with no lease);
    /// false when there is none to take.
    fn take_over(&self, info: &TrajectoryInfo, token: ObjectId) -> Result<bool> {
        let filter = doc! {
            "_id": info.name.as_str(),
            "creating": { "$exists": true },
            "$or": [
                { "creating_until": { "$lt": pet_core::time::now() } },
                { "creating_until": { "$exists": false } },
            ],
        };
        let update = doc! { "$set": {
            "creating": token,
            "creating_until": until(),
            "comment": info.comment.as_str(),
            "created": info.created,
            "pet_version": info.pet_version.as_str(),
        } };
        let r = self
            .colls
            .trajs
            .update_one(filter, update)
            .run()
            .map_err(|e| self.ctx.map(e))?;
        Ok(r.modified_count == 1)
    }

    /// Renews the lease of this creation every third of it until `stop`.
    fn keep_creating(&self, name: &str, token: ObjectId, stop: &AtomicBool) {
        let mut last = Instant::now();
        while !stop.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(50));
            if last.elapsed() >= CREATION_LEASE / 3 {
                let _ = self
                    .colls
                    .trajs
                    .update_one(
                        doc! { "_id": name, "creating": token },
                        doc! { "$set": { "creating_until": until() } },
                    )
                    .run();
                last = Instant::now();
            }
        }
    }

    /// Removes the mark: the trajectory is whole. An error when another copy
    /// took the creation over (this one stalled past its lease).
    fn show(&self, name: &str, token: ObjectId) -> Result<()> {
        let r = self
            .colls
            .trajs
            .update_one(
                doc! { "_id": name, "creating": token },
                doc! { "$unset": { "creating": "", "creating_until": "" } },
            )
            .run()
            .map_err(|e| self.ctx.map(e))?;
        if r.matched_count == 1 {
            Ok(())
        } else {
            Err(PetError::TrajectoryExists(name.to_string()))
        }
    }

    fn owns_creation(&self, name: &str, token: ObjectId) -> bool {
        matches!(
            self.colls
                .trajs
                .find_one(doc! { "_id": name, "creating": token })
                .run(),
            Ok(Some(_))
        )
    }
}
