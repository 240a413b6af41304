//! The collections of a pet database, their indexes, and the format/version check.

use mongodb::bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::sync::{Collection, Database};
use mongodb::IndexModel;

use pet_core::{PetError, Result};

use crate::blobs::Bucket;
use crate::error::{is_duplicate, ErrCtx};

/// The layout version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// Marker stored in `pet_meta` under `_id: "format"`.
pub const FORMAT: &str = "pet-mongo";

/// Collection names, as documented in `docs/storage/mongo.md`.
pub const COLLECTIONS: [&str; 7] = [
    "pet_meta",
    "trajectories",
    "nodes",
    "runs",
    "blobs.files",
    "blobs.chunks",
    "points",
];

/// Handles to the collections of one database.
#[derive(Clone)]
pub struct Colls {
    /// `pet_meta`: format and version.
    pub meta: Collection<Document>,
    /// `trajectories`: one document per trajectory, `_id` = name.
    pub trajs: Collection<Document>,
    /// `nodes`: one document per node.
    pub nodes: Collection<Document>,
    /// `runs`: one document per run.
    pub runs: Collection<Document>,
    /// The GridFS bucket of large payloads.
    pub bucket: Bucket,
}

impl Colls {
    /// Handles in `db`.
    pub fn new(db: &Database) -> Self {
        Colls {
            meta: db.collection("pet_meta"),
            trajs: db.collection("trajectories"),
            nodes: db.collection("nodes"),
            runs: db.collection("runs"),
            bucket: Bucket {
                files: db.collection("blobs.files"),
                chunks: db.collection("blobs.chunks"),
                points: crate::points::PointSets::new(db),
            },
        }
    }
}

fn index(keys: Document, name: &str, unique: bool) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_string())
                .unique(unique)
                .build(),
        )
        .build()
}

fn format_err(location: &str, reason: impl Into<String>) -> PetError {
    PetError::Format {
        location: location.to_string(),
        reason: reason.into(),
    }
}

/// Creates the layout in an empty database, or checks an existing one.
pub fn ensure(
    db: &Database,
    c: &Colls,
    ctx: &ErrCtx,
    location: &str,
    read_only: bool,
) -> Result<()> {
    let meta = c
        .meta
        .find_one(doc! { "_id": "format" })
        .run()
        .map_err(|e| ctx.map(e))?;
    if let Some(m) = meta {
        return check(&m, location);
    }
    if read_only {
        return Err(format_err(
            location,
            "the database holds no pet store yet, and it was opened read-only (mode=ro), so none was created; check the database name in the URL",
        ));
    }
    let names = db.list_collection_names().run().map_err(|e| ctx.map(e))?;
    let mut foreign: Vec<&String> = names
        .iter()
        .filter(|n| !COLLECTIONS.contains(&n.as_str()) && !n.starts_with("system."))
        .collect();
    foreign.sort();
    if !foreign.is_empty() {
        let list: Vec<&str> = foreign.iter().map(|s| s.as_str()).collect();
        return Err(format_err(
            location,
            format!(
                "the database holds collections of another program ({}); name another database in the URL (mongodb://HOST/NEWNAME)",
                list.join(", ")
            ),
        ));
    }
    let idx = |coll: &Collection<Document>, m: IndexModel| {
        coll.create_index(m)
            .run()
            .map(|_| ())
            .map_err(|e| ctx.map(e))
    };
    idx(
        &c.nodes,
        index(
            doc! { "traj": 1, "path": 1, "wid": 1 },
            "traj_path_wid",
            true,
        ),
    )?;
    idx(
        &c.nodes,
        index(doc! { "traj": 1, "run": 1 }, "traj_run", false),
    )?;
    idx(
        &c.runs,
        index(doc! { "traj": 1, "idx": 1 }, "traj_idx", true),
    )?;
    idx(
        &c.bucket.chunks,
        index(doc! { "files_id": 1, "n": 1 }, "files_id_1_n_1", true),
    )?;
    idx(
        &c.bucket.files,
        index(doc! { "metadata.traj": 1 }, "metadata_traj", false),
    )?;
    // The marker goes last: whoever sees it also sees the indexes.
    let marker = doc! {
        "_id": "format",
        "value": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "created_by": format!("pet {}", pet_core::VERSION),
    };
    match c.meta.insert_one(marker).run() {
        Ok(_) => Ok(()),
        Err(e) if is_duplicate(&e) => Ok(()),
        Err(e) => Err(ctx.map(e)),
    }
}

/// The index claims scan (pending runs of a trajectory in index order);
/// created on every writable open, which is a no-op once it exists, so
/// stores made by an older pet get it too.
pub fn ensure_claim_index(c: &Colls, ctx: &ErrCtx) -> Result<()> {
    c.runs
        .create_index(index(
            doc! { "traj": 1, "completed": 1, "idx": 1 },
            "traj_completed_idx",
            false,
        ))
        .run()
        .map(|_| ())
        .map_err(|e| ctx.map(e))
}

fn check(m: &Document, location: &str) -> Result<()> {
    if m.get_str("value") != Ok(FORMAT) {
        return Err(format_err(
            location,
            "its pet_meta collection does not mark it as a pet-mongo store; name another database in the URL",
        ));
    }
    let version = match m.get("schema_version") {
        Some(mongodb::bson::Bson::Int64(v)) => *v,
        Some(mongodb::bson::Bson::Int32(v)) => (*v).into(),
        _ => {
            return Err(format_err(
                location,
                "its schema version is missing or unreadable",
            ))
        }
    };
    if version > SCHEMA_VERSION {
        return Err(format_err(
            location,
            format!(
                "it was written with schema version {version}, but this pet ({}) reads up to version {SCHEMA_VERSION}; upgrade pet",
                pet_core::VERSION
            ),
        ));
    }
    Ok(())
}
