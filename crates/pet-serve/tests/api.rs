//! The JSON API on a real server (127.0.0.1, a free port) over a real SQLite
//! store: listing, paging, sorting, filtering, a run, a node, plots and images;
//! every bad request a 4xx with a message; new runs appear while serving; the
//! store file is never written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use pet_core::{LoadSpec, Trajectory};
use serde_json::Value;

fn runs_of(v: &Value) -> Vec<i64> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["index"].as_i64().unwrap())
        .collect()
}

#[test]
fn the_store_its_runs_and_one_run() {
    let dir = tempfile::tempdir().unwrap();
    the_store_its_runs_and_one_run_at(&ca_store(dir.path(), 6));
}

#[test]
fn the_same_on_an_hdf5_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("hdf5://{}", dir.path().join("ca.h5").display());
    the_store_its_runs_and_one_run_at(&ca_store_at(&url, 6));
}

fn the_store_its_runs_and_one_run_at(url: &str) {
    let s = serve(url, 1000);
    let store = get_json(&s, "/api/store");
    assert_eq!(store["read_only"], true);
    let t = &store["trajectories"][0];
    assert_eq!(t["name"], "cellular_automata");
    assert_eq!(t["comment"], "Elementary cellular automata");
    assert_eq!(
        (t["runs"].as_u64(), t["completed"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(t["explored"], serde_json::json!(["rule_number"]));
    assert_eq!(t["results"], serde_json::json!(["density"]));

    let all = get_json(&s, "/api/traj/cellular_automata/runs");
    assert_eq!(
        (all["total"].as_u64(), all["matched"].as_u64()),
        (Some(6), Some(6))
    );
    let names: Vec<&str> = all["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["run", "status", "runtime", "rule_number", "density"]
    );
    assert_eq!(all["rows"][3]["cells"][3], 110);

    let hits = get_json(
        &s,
        "/api/traj/cellular_automata/runs?where=rule_number%20%3E%20100",
    );
    assert_eq!(hits["matched"], 3);
    assert_eq!(runs_of(&hits), [3, 4, 5]);
    let sorted = get_json(
        &s,
        "/api/traj/cellular_automata/runs?sort=rule_number&order=desc&limit=2&offset=1",
    );
    assert_eq!(runs_of(&sorted), [4, 3]);
    let both = get_json(
        &s,
        "/api/traj/cellular_automata/runs?where=rule_number%3C100&sort=density&order=asc",
    );
    let d: Vec<f64> = both["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"][4].as_f64().unwrap())
        .collect();
    assert_eq!(d.len(), 3);
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");

    let run = get_json(&s, "/api/traj/cellular_automata/runs/3");
    assert_eq!(run["name"], "run_00000003");
    assert_eq!(run["status"], "completed");
    let params = run["parameters"].as_array().unwrap();
    let rule = params.iter().find(|p| p["name"] == "rule_number").unwrap();
    assert_eq!(
        (rule["value"].as_i64(), rule["comment"].as_str()),
        (Some(110), Some("Wolfram rule"))
    );
    let results = run["results"].as_array().unwrap();
    let pattern = results
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("pattern"))
        .unwrap();
    let item = &pattern["items"][0];
    assert_eq!(item["shape"], serde_json::json!([60, 100]));
    assert_eq!(
        item["value"],
        Value::Null,
        "a large array is summarised, not sent"
    );
    assert!(item["summary"]
        .as_str()
        .unwrap()
        .starts_with("60×100 array, min 0, max 1"));
    let (status, ctype, png) = get(&s, item["image"].as_str().unwrap());
    assert_eq!((status, ctype.as_str()), (200, "image/png"));
    let (w, h) = png_size(&png);
    assert!(w >= 100 && h >= 60, "{w}×{h}");

    let node = get_json(&s, "/api/traj/cellular_automata/node?path=rule_number");
    assert_eq!(node["path"], "parameters.rule_number");
    assert_eq!(node["items"][0]["value"], 0);
    let group = get_json(&s, "/api/traj/cellular_automata/node?path=parameters");
    assert_eq!(group["kind"], "group");

    let (status, ctype, png) = get(
        &s,
        "/api/traj/cellular_automata/plot.png?y=density&x=rule_number&width=640&height=400",
    );
    assert_eq!((status, ctype.as_str()), (200, "image/png"));
    assert_eq!(png_size(&png), (640, 400));
    let (status, ctype, svg) = get(
        &s,
        "/api/traj/cellular_automata/plot.svg?y=density&where=rule_number%3E100",
    );
    assert_eq!((status, ctype.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8(svg)
        .unwrap()
        .contains("\ndensity\n</text>"));

    let (status, ctype, page) = get(&s, "/");
    assert_eq!((status, ctype.as_str()), (200, "text/html"));
    assert!(String::from_utf8(page).unwrap().contains("app.js"));
}

#[test]
fn bad_requests_are_4xx_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = ca_store(dir.path(), 6);
    let s = serve(&url, 1000);
    let cases = [
        ("/api/traj/nope/runs", 404, "no trajectory 'nope'"),
        (
            "/api/traj/cellular_automata/runs?limit=5000",
            400,
            "between 1 and 1000",
        ),
        (
            "/api/traj/cellular_automata/runs?limit=ten",
            400,
            "whole number",
        ),
        (
            "/api/traj/cellular_automata/runs?where=rule_number%20%3E",
            400,
            "bad --where",
        ),
        (
            "/api/traj/cellular_automata/runs?where=nope%3E1",
            400,
            "'nope' is not a column",
        ),
        (
            "/api/traj/cellular_automata/runs?sort=nope",
            400,
            "'nope' is not a column",
        ),
        (
            "/api/traj/cellular_automata/runs?order=up",
            400,
            "asc or desc",
        ),
        (
            "/api/traj/cellular_automata/runs?colour=red",
            400,
            "unknown query parameter 'colour'",
        ),
        (
            "/api/traj/cellular_automata/runs/99",
            404,
            "run 99 does not exist",
        ),
        ("/api/traj/cellular_automata/runs/abc", 400, "whole number"),
        ("/api/traj/cellular_automata/node", 400, "?path="),
        (
            "/api/traj/cellular_automata/node?path=no.such",
            404,
            "not part of the trajectory",
        ),
        ("/api/traj/cellular_automata/plot.png", 400, "?y=NAME"),
        (
            "/api/traj/cellular_automata/plot.png?y=nope",
            400,
            "'nope' is not a column",
        ),
        (
            "/api/traj/cellular_automata/plot.png?y=density&width=10000",
            400,
            "between 200 and 2000",
        ),
        (
            "/api/traj/cellular_automata/plot.png?y=status",
            422,
            "not a number",
        ),
        (
            "/api/traj/cellular_automata/plot.png?y=density&where=rule_number%3E1000",
            422,
            "nothing to draw",
        ),
        (
            "/api/traj/cellular_automata/plot.gif?y=density",
            404,
            "no endpoint 'plot.gif'",
        ),
        (
            "/api/traj/cellular_automata/image.png?path=rule_number",
            422,
            "not a numeric array",
        ),
        ("/api/traj/cellular_automata/runs?where=%FF", 400, ""),
        ("/nowhere", 404, "no such page"),
    ];
    for (path, want, says) in cases {
        let (status, ctype, body) = get(&s, path);
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, want, "GET {path}: {text}");
        assert_eq!(ctype, "application/json", "GET {path}");
        let msg: Value = serde_json::from_slice(&body).unwrap();
        assert!(
            msg["error"].as_str().unwrap().contains(says),
            "GET {path}: {text}"
        );
    }
    // The server still answers.
    assert_eq!(get_json(&s, "/api/store")["trajectories"][0]["runs"], 6);
}

#[test]
fn runs_stored_while_serving_appear_and_the_file_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let url = ca_store(dir.path(), 3);
    let s = serve(&url, 100);
    let t = &get_json(&s, "/api/store")["trajectories"][0];
    assert_eq!(
        (t["completed"].as_u64(), t["pending"].as_u64()),
        (Some(3), Some(3))
    );
    let gen = t["generation"].as_u64().unwrap();
    let page = get_json(
        &s,
        "/api/traj/cellular_automata/runs?where=status%3D%3D%22pending%22",
    );
    assert_eq!(runs_of(&page), [3, 4, 5]);
    // Another writer finishes the sweep.
    {
        let store = pet_stores::open(&url).unwrap();
        let mut t = Trajectory::load(store, "cellular_automata", LoadSpec::default()).unwrap();
        complete(&mut t, 3..6);
        t.close().unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let t = &get_json(&s, "/api/store")["trajectories"][0];
        if t["completed"] == 6 {
            assert!(t["generation"].as_u64().unwrap() > gen);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "new runs did not appear: {t}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let page = get_json(
        &s,
        "/api/traj/cellular_automata/runs?where=status%3D%3D%22pending%22",
    );
    assert_eq!(page["matched"], 0);

    // Everything the API serves, asked for; the store's files do not change.
    let snapshot = || {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot();
    for path in [
        "/api/store",
        "/api/traj/cellular_automata/runs?sort=density",
        "/api/traj/cellular_automata/runs/5",
        "/api/traj/cellular_automata/node?path=results.runs.run_00000005.pattern",
        "/api/traj/cellular_automata/plot.png?y=density",
        "/api/traj/cellular_automata/image.png?path=results.runs.run_00000001.pattern",
    ] {
        assert_eq!(get(&s, path).0, 200, "{path}");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(snapshot(), before, "the server changed the store's files");
}
