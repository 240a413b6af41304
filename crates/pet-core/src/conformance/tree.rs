//! Conformance cases: tree structure, metadata, links, load levels, deletion.

use super::{reload, Fixture};
use crate::storage::{LoadLevel, LoadSpec};
use crate::{PetError, Trajectory, Value};

fn sample(fx: &dyn Fixture, name: &str) -> Trajectory {
    let mut t = Trajectory::create(fx.open(), name, "a sample trajectory").unwrap();
    t.add_parameter("neuron.tau", 20.0, "membrane time constant")
        .unwrap();
    t.add_parameter("neuron.v_th", -50.0, "threshold").unwrap();
    t.add_parameter("syn.w", 0.5, "weight").unwrap();
    t.add_config("seed", 42u64, "rng seed").unwrap();
    t.add_derived("rate", 3.0, "derived rate").unwrap();
    t.add_result("summary.mean", 1.25, "mean rate").unwrap();
    t.add_result(
        "summary.trace",
        ndarray::Array1::from(vec![1.0, 2.0, 3.0]),
        "",
    )
    .unwrap();
    t.store().unwrap();
    t
}

/// Comments and annotations on groups, leaves and links survive a round trip.
pub fn comments_and_annotations_round_trip(fx: &dyn Fixture) {
    let mut t = sample(fx, "meta");
    t.add_group("parameters.neuron", "neuron model").unwrap();
    t.annotate("parameters.neuron", "model", "LIF").unwrap();
    t.annotate("tau", "source", "Gerstner 2014").unwrap();
    t.annotate("tau", "confidence", 0.9).unwrap();
    t.annotate("results", "note", vec![1i64, 2]).unwrap();
    t.add_link("results.tau_link", "tau").unwrap();
    t.annotate("results.tau_link", "why", "shortcut").unwrap();
    t.set_comment("results.tau_link", "points at tau").unwrap();
    t.store().unwrap();
    let back = reload(fx, "meta");
    assert_eq!(back.info().comment, "a sample trajectory");
    let g = back.node("parameters.neuron").unwrap();
    assert_eq!(g.comment, "neuron model");
    assert_eq!(g.annotations.get("model"), Some(&Value::from("LIF")));
    let leaf = back.node("parameters.neuron.tau").unwrap();
    assert_eq!(leaf.comment, "membrane time constant");
    assert_eq!(leaf.annotations.get("confidence"), Some(&Value::from(0.9)));
    assert_eq!(leaf.annotations.len(), 2);
    let root = back.node("results").unwrap();
    assert_eq!(
        root.annotations.get("note"),
        Some(&Value::from(vec![1i64, 2]))
    );
    assert_eq!(back.node("config.seed").unwrap().comment, "rng seed");
    let link = back
        .iter_nodes()
        .find(|(p, _)| p.as_str() == "results.tau_link")
        .unwrap()
        .1;
    assert_eq!(link.comment, "points at tau");
    assert_eq!(link.annotations.get("why"), Some(&Value::from("shortcut")));
}

/// Links persist and resolve to their targets after loading.
pub fn links_round_trip(fx: &dyn Fixture) {
    let mut t = sample(fx, "links");
    t.add_link("results.w", "syn.w").unwrap();
    t.add_link("results.sum", "results.summary").unwrap();
    t.store().unwrap();
    let mut back = reload(fx, "links");
    assert!(back.is_link("results.w").unwrap());
    assert_eq!(
        back.resolve_target("results.w").unwrap(),
        "parameters.syn.w"
    );
    assert_eq!(back.get_as::<f64>("results.w").unwrap(), 0.5);
    assert_eq!(
        back.resolve_target("results.sum").unwrap(),
        "results.summary"
    );
    assert_eq!(
        back.children("results.sum").unwrap(),
        ["results.summary.mean", "results.summary.trace"]
    );
}

/// A skeleton load brings names, types and comments but no data; touching a
/// leaf loads its data.
pub fn skeleton_load_has_no_data(fx: &dyn Fixture) {
    sample(fx, "skel");
    let all = fx
        .open()
        .read_nodes("skel", "", crate::storage::ReadSpec::SKELETON)
        .unwrap();
    let paths: Vec<&str> = all.iter().map(|r| r.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "read_nodes must return nodes sorted by path");
    assert!(all.iter().all(|r| r.node.data.is_none()));
    let mut t =
        Trajectory::load(fx.open(), "skel", LoadSpec::uniform(LoadLevel::Skeleton)).unwrap();
    let n = t.node("results.summary.trace").unwrap();
    assert!(n.data.is_none(), "skeleton load must not bring data");
    assert!(
        matches!(&n.kind, crate::NodeKind::Leaf { type_info, .. } if type_info.contains("f64"))
    );
    assert_eq!(n.comment, "");
    assert_eq!(t.node("tau").unwrap().comment, "membrane time constant");
    assert!(t.node("tau").unwrap().data.is_none());
    assert_eq!(t.get_as::<f64>("tau").unwrap(), 20.0);
    let v = t.get("results.summary.trace").unwrap();
    assert_eq!(v, ndarray::Array1::from(vec![1.0, 2.0, 3.0]).into());
    assert!(t.node("results.summary.trace").unwrap().data.is_some());
}

/// Each branch loads to its own level; nodes not loaded at all auto-load by full path.
pub fn load_levels_per_branch(fx: &dyn Fixture) {
    sample(fx, "levels");
    let spec = LoadSpec {
        config: LoadLevel::Nothing,
        parameters: LoadLevel::Data,
        derived: LoadLevel::Skeleton,
        results: LoadLevel::Nothing,
        runs: false,
    };
    let mut t = Trajectory::load(fx.open(), "levels", spec).unwrap();
    assert!(t.node("tau").unwrap().data.is_some());
    assert!(t.node("derived_parameters.rate").unwrap().data.is_none());
    assert!(matches!(t.node("config.seed"), Err(PetError::NotFound(_))));
    assert!(matches!(
        t.node("results.summary.mean"),
        Err(PetError::NotFound(_))
    ));
    assert_eq!(t.get_as::<f64>("results.summary.mean").unwrap(), 1.25);
    assert_eq!(t.get_as::<u64>("config.seed").unwrap(), 42);
    assert!(matches!(
        t.get("results.nothing_here"),
        Err(PetError::NotFound(_))
    ));
    let n = t.load_branch("results", LoadLevel::Skeleton).unwrap();
    assert!(n >= 3, "results branch has at least 3 nodes, loaded {n}");
}

/// Changing a comment of a skeleton-loaded leaf keeps its stored data.
pub fn metadata_update_keeps_data(fx: &dyn Fixture) {
    sample(fx, "metaupd");
    let mut t =
        Trajectory::load(fx.open(), "metaupd", LoadSpec::uniform(LoadLevel::Skeleton)).unwrap();
    t.set_comment("results.summary.trace", "now commented")
        .unwrap();
    t.annotate("results.summary.trace", "k", 1i8).unwrap();
    t.store().unwrap();
    let mut back = reload(fx, "metaupd");
    assert_eq!(
        back.node("results.summary.trace").unwrap().comment,
        "now commented"
    );
    assert_eq!(
        back.get("results.summary.trace").unwrap(),
        ndarray::Array1::from(vec![1.0, 2.0, 3.0]).into()
    );
}

/// Removing a leaf or a subtree deletes it from the store and nothing else;
/// removing a trajectory leaves the others.
pub fn delete_nodes_and_trajectories(fx: &dyn Fixture) {
    let mut t = sample(fx, "del");
    sample(fx, "keep");
    assert_eq!(t.remove("results.summary.mean").unwrap(), 1);
    assert_eq!(t.remove("parameters.neuron").unwrap(), 3);
    t.store().unwrap();
    let back = reload(fx, "del");
    assert!(matches!(
        back.node("results.summary.mean"),
        Err(PetError::NotFound(_))
    ));
    assert!(matches!(
        back.node("parameters.neuron.tau"),
        Err(PetError::NotFound(_))
    ));
    assert!(back.node("results.summary.trace").is_ok());
    assert!(back.node("syn.w").is_ok());
    let store = fx.open();
    assert!(matches!(
        store.delete("del", "results.nope"),
        Err(PetError::NotFound(_))
    ));
    store.remove_trajectory("del").unwrap();
    let names: Vec<String> = fx
        .open()
        .list()
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["keep"]);
    assert!(matches!(
        Trajectory::load(fx.open(), "del", LoadSpec::all()),
        Err(PetError::NoTrajectory(_))
    ));
    assert_eq!(reload(fx, "keep").get_as::<f64>("tau").unwrap(), 20.0);
}

/// Trajectories in one store do not see each other's nodes or runs.
pub fn trajectories_are_isolated(fx: &dyn Fixture) {
    let mut a = Trajectory::create(fx.open(), "alpha", "first").unwrap();
    a.add_parameter("x", 1.0, "").unwrap();
    a.store().unwrap();
    let mut b = Trajectory::create(fx.open(), "beta", "second").unwrap();
    b.add_parameter("x", 2i64, "").unwrap();
    b.add_parameter("only_b", true, "").unwrap();
    b.explore([("x", crate::vals([1i64, 2, 3]))]).unwrap();
    b.store().unwrap();
    let mut names: Vec<(String, String)> = fx
        .open()
        .list()
        .unwrap()
        .into_iter()
        .map(|i| (i.name, i.comment))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("alpha".to_string(), "first".to_string()),
            ("beta".into(), "second".into())
        ]
    );
    let mut ra = reload(fx, "alpha");
    assert_eq!(ra.get_as::<f64>("x").unwrap(), 1.0);
    assert!(ra.node("only_b").is_err());
    assert_eq!(ra.len(), 1);
    assert_eq!(reload(fx, "beta").len(), 3);
}

super::register![
    comments_and_annotations_round_trip,
    links_round_trip,
    skeleton_load_has_no_data,
    load_levels_per_branch,
    metadata_update_keeps_data,
    delete_nodes_and_trajectories,
    trajectories_are_isolated,
];
