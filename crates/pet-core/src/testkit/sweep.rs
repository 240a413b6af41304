//! Small explored trajectories that tests and benches store runs into.

use std::sync::Arc;

use crate::{vals, Store, Trajectory};

/// Creates and stores trajectory `name` with parameter `i` explored over `0..n`.
pub fn create_int_sweep(store: Arc<dyn Store>, name: &str, n: usize) -> Trajectory {
    let mut t = Trajectory::create(store, name, "").unwrap();
    t.add_parameter("i", 0i64, "").unwrap();
    t.explore([("i", vals(0..n as i64))]).unwrap();
    t.store().unwrap();
    t
}

/// Creates and stores trajectory `name` (comment "bench") with parameter `x` explored over `0.0..n`.
pub fn create_float_sweep(store: &Arc<dyn Store>, name: &str, n: usize) -> Trajectory {
    let mut t = Trajectory::create(store.clone(), name, "bench").expect("create");
    t.add_parameter("x", 0.0, "").expect("param");
    t.explore([("x", vals((0..n).map(|i| i as f64)))])
        .expect("explore");
    t.store().expect("store");
    t
}
