//! `Trajectory::load_parameters` reads only what is not in memory whole: a
//! trajectory built and stored here is not read back (the Environment calls
//! it before every sweep: at 10^6 points that read was 0.6 s on SQLite), and
//! a branch loaded as skeleton or unloaded is read again.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use pet_core::{LoadLevel, LoadSpec, MemoryStore, Store, Trajectory};

/// A store holding trajectory "t" (config `c` = 1, derived `d` = 10), and
/// the trajectory that built it.
fn stored() -> (Arc<dyn Store>, Trajectory) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let mut t = Trajectory::new("t").unwrap();
    t.add_config("c", 1i64, "").unwrap();
    t.add_derived("d", 10i64, "").unwrap();
    t.store_to(store.clone()).unwrap();
    (store, t)
}

/// Another writer replaces `path` in the store with `value`.
fn replace_behind(store: &Arc<dyn Store>, path: &str, value: i64) {
    let mut other = Trajectory::load(store.clone(), "t", LoadSpec::all()).unwrap();
    other.remove(path).unwrap();
    match path.strip_prefix("config.") {
        Some(name) => other.add_config(name, value, "").unwrap(),
        None => {
            let name = path.strip_prefix("derived_parameters.").unwrap();
            other.add_derived(name, value, "").unwrap();
        }
    }
    other.store().unwrap();
}

#[test]
fn a_trajectory_built_here_is_not_read_back() {
    let (store, mut t) = stored();
    replace_behind(&store, "config.c", 2);
    t.load_parameters().unwrap();
    // Nothing was read: memory keeps what it built (a read would bring 2).
    assert_eq!(t.get_as::<i64>("config.c").unwrap(), 1);
}

#[test]
fn an_unloaded_branch_is_read_again() {
    let (store, mut t) = stored();
    replace_behind(&store, "config.c", 2);
    t.unload("config.c").unwrap();
    t.load_parameters().unwrap();
    assert_eq!(t.get_as::<i64>("config.c").unwrap(), 2);
}

#[test]
fn a_branch_loaded_as_skeleton_is_read_and_the_others_are_not() {
    let (store, _) = stored();
    let spec = LoadSpec {
        derived: LoadLevel::Skeleton,
        ..LoadSpec::all()
    };
    let mut t = Trajectory::load(store.clone(), "t", spec).unwrap();
    replace_behind(&store, "derived_parameters.d", 20);
    replace_behind(&store, "config.c", 2);
    t.load_parameters().unwrap();
    assert_eq!(t.get_as::<i64>("derived_parameters.d").unwrap(), 20);
    assert_eq!(t.get_as::<i64>("config.c").unwrap(), 1);
    // Now every branch is in memory whole: a second call reads nothing.
    replace_behind(&store, "derived_parameters.d", 30);
    t.load_parameters().unwrap();
    assert_eq!(t.get_as::<i64>("derived_parameters.d").unwrap(), 20);
}
