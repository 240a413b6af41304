//! Files that are not pet stores, newer schema versions, read-only files and bad
//! URLs get clear errors, and nothing stored is lost.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::files;
use pet_core::{PetError, Store};
use pet_sqlite::{SqliteStore, SCHEMA_VERSION};

fn small_store(path: &Path) {
    files::small_store(Arc::new(SqliteStore::open(path).unwrap()));
}

fn open_err(path: &Path) -> String {
    files::open_err(SqliteStore::open(path), path).to_string()
}

#[test]
fn random_bytes_are_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noise.db");
    std::fs::write(&p, files::noise_bytes()).unwrap();
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
        e.contains(&format!("schema version {}", SCHEMA_VERSION + 1)) && e.contains("upgrade pet"),
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
    files::make_read_only(&p);
    let store = SqliteStore::open(&p).unwrap();
    assert!(store.is_read_only());
    files::check_read_only(Arc::new(store));
}

#[test]
fn mode_ro_url_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.db");
    small_store(&p);
    let url = format!("sqlite://{}?mode=ro", p.display());
    let store = SqliteStore::from_url(&url).unwrap();
    assert!(store.is_read_only());
    files::check_mode_ro(&store);
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
    files::err_containing(SqliteStore::open(dir.path()), &["directory"]);
    files::err_containing(
        SqliteStore::from_url("sqlite:///tmp/x.db?colour=blue"),
        &["colour", "busy_timeout"],
    );
    files::err_containing(
        SqliteStore::from_url("hdf5:///tmp/x.h5"),
        &["unknown store type 'hdf5'", "sqlite://FILE"],
    );
    files::err_containing(
        SqliteStore::from_url("sqlite:///tmp/x.db?mode=write"),
        &["ro or rw"],
    );
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
    files::check_corrupted_file(&p, 200, |p| {
        Ok(Arc::new(SqliteStore::open(p)?) as Arc<dyn Store>)
    });
}
