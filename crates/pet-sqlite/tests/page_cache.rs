//! The SQLite pet links keeps one page cache per connection: with the shared
//! cache of `SQLITE_ENABLE_MEMORY_MANAGEMENT`, a store's reader that has
//! scanned the store leaves the writer thrashing (at 10^6 runs a sweep's
//! store then costs twice as much; `bench_analysis` shows it).

#[test]
fn every_connection_keeps_a_page_cache_of_its_own() {
    assert!(
        pet_sqlite::page_caches_are_separate().expect("an in-memory SQLite database opens"),
        "this build of SQLite shares one page cache between connections: build with \
         LIBSQLITE3_FLAGS=-USQLITE_ENABLE_MEMORY_MANAGEMENT (the workspace's .cargo/config.toml sets it)"
    );
}
