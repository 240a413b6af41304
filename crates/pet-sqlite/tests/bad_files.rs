//! Files that are not pet stores, newer schema versions, read-only files and bad
//! URLs get clear errors, and nothing stored is lost.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::{LoadSpec, PetError, Store, Trajectory};
use pet_sqlite::{SqliteStore, SCHEMA_VERSION};

fn small_store(path: &Path) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(path).unwrap());
    let mut t = Trajectory::create(store, "t", "").unwrap();
    t.add_parameter("x", 1.5, "").unwrap();
    t.store().unwrap();
}

fn open_err(path: &Path) -> String {
    match SqliteStore::open(path) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn random_bytes_are_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noise.db");
    std::fs::write(
        &p,
        (0..5000u32)
            .map(|i| (i * 31 % 256) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let e = open_err(&p);
    assert!(e.contains("not an SQLite database"), "{e}");
    assert_eq!(
        std::fs::metadata(&p).unwrap().len(),
        5000,
        "the file must be left alone"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.db");
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch(
        "CREATE TABLE customers(id INTEGER, name TEXT); INSERT INTO customers VALUES (1, 'a');",
    )
    .unwrap();
    drop(c);
    let e = open_err(&p);
    assert!(
        e.contains("another program") && e.contains("customers"),
        "{e}"
    );
    let c = rusqlite::Connection::open(&p).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn newer_schema_version_asks_for_an_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("future.db");
    small_store(&p);
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute(
        "UPDATE pet_meta SET value = ?1 WHERE key = 'schema_version'",
        [(SCHEMA_VERSION + 1).to_string()],
    )
    .unwrap();
    drop(c);
    let e = open_err(&p);
    assert!(
        e.contains("schema version 2") && e.contains("upgrade pet"),
        "{e}"
    );
}

#[test]
fn schema_version_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.db");
    small_store(&p);
    let c = rusqlite::Connection::open(&p).unwrap();
    let v: String = c
        .query_row(
            "SELECT value FROM pet_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION.to_string());
}

#[test]
fn read_only_files_open_for_reading_and_refuse_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ro.db");
    small_store(&p);
    let mut perm = std::fs::metadata(&p).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&p, perm).unwrap();
    let store = SqliteStore::open(&p).unwrap();
    assert!(store.is_read_only());
    let store: Arc<dyn Store> = Arc::new(store);
    let mut t = Trajectory::load(store.clone(), "t", LoadSpec::all()).unwrap();
    assert_eq!(t.get_as::<f64>("x").unwrap(), 1.5);
    t.add_parameter("y", 2.0, "").unwrap();
    let e = t.store().unwrap_err().to_string();
    assert!(
        e.contains("read-only") && e.contains("nothing was changed"),
        "{e}"
    );
    let e = Trajectory::create(store, "u", "").unwrap_err().to_string();
    assert!(e.contains("read-only"), "{e}");
}

#[test]
fn mode_ro_url_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.db");
    small_store(&p);
    let url = format!("sqlite://{}?mode=ro", p.display());
    let store = SqliteStore::from_url(&url).unwrap();
    assert!(store.is_read_only());
    assert!(store
        .remove_trajectory("t")
        .unwrap_err()
        .to_string()
        .contains("read-only"));
    assert_eq!(store.list().unwrap().len(), 1);
    let missing = format!(
        "sqlite://{}?mode=ro",
        dir.path().join("missing.db").display()
    );
    assert!(matches!(
        SqliteStore::from_url(&missing),
        Err(PetError::BadLocation { .. })
    ));
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn bad_urls_and_paths_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = SqliteStore::open(dir.path()).err().unwrap().to_string();
    assert!(e.contains("directory"), "{e}");
    let e = SqliteStore::from_url("sqlite:///tmp/x.db?colour=blue")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("colour") && e.contains("busy_timeout"), "{e}");
    let e = SqliteStore::from_url("hdf5:///tmp/x.h5")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not sqlite"), "{e}");
    let e = SqliteStore::from_url("sqlite:///tmp/x.db?mode=write")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("ro or rw"), "{e}");
}

#[test]
fn parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deep/er/store.db");
    small_store(&p);
    assert!(p.exists());
}

#[test]
fn a_corrupted_file_gives_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.db");
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&p).unwrap());
        let mut t = Trajectory::create(store, "t", "").unwrap();
        for i in 0..200 {
            t.add_result(
                &format!("r{i}"),
                ndarray::Array1::from_elem(500, i as f64),
                "",
            )
            .unwrap();
        }
        t.store().unwrap();
    }
    let mut bytes = std::fs::read(&p).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 3..len / 3 + 20000] {
        *b = 0x5a;
    }
    std::fs::write(&p, bytes).unwrap();
    let outcome = SqliteStore::open(&p).and_then(|s| {
        let store: Arc<dyn Store> = Arc::new(s);
        let mut t = Trajectory::load(store, "t", LoadSpec::all())?;
        for i in 0..200 {
            t.get(&format!("results.r{i}"))?;
        }
        Ok(())
    });
    let e = outcome.unwrap_err().to_string();
    assert!(!e.is_empty());
}
