//! Copies of `shared_sweep` as different hosts: two network namespaces, each
//! with its own host name (a UTS namespace) and a veth pair onto a bridge,
//! reach the MongoDB test server on the bridge's address (not loopback) and
//! share one sweep. The test makes the namespaces, the bridge and the links
//! itself and removes them at the end; where the machine does not allow
//! network namespaces (not root, no iproute2, a container without
//! CAP_NET_ADMIN) it fails and says so.
#![cfg(feature = "mongo")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::hosts::Hosts;

use pet::{LoadSpec, Trajectory};

/// The bridge's address; the hosts are `.2`, `.3`, ...
const NET: &str = "10.231.77";

#[test]
fn copies_on_two_hosts_share_one_sweep_over_the_network() {
    let hosts = Hosts::make(2, NET);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/mongo-test-server.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--watch")
        .arg(std::process::id().to_string())
        .env("PET_MONGO_TEST_HOST", format!("{NET}.1"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the MongoDB test server did not start on {NET}.1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    let uri = line.split_whitespace().next().unwrap().to_string();
    assert!(uri.starts_with(&format!("mongodb://{NET}.1:")), "{uri}");
    let url = uri.replace("/?", "/shared_hosts?");
    let dir = tempfile::tempdir().unwrap();
    let n = 200;
    let mut copies = Vec::new();
    for k in 0..2 {
        let prefix = hosts.prefix(k);
        let prefix: Vec<&str> = prefix.iter().map(String::as_str).collect();
        for mode in ["seq", "threads=2"] {
            copies.push(common::start_as(
                &prefix,
                dir.path(),
                &url,
                n,
                &["--mode", mode],
                None,
            ));
        }
    }
    let ks: Vec<usize> = copies.into_iter().map(common::ran).collect();
    eprintln!("runs per copy (host1 seq, host1 threads=2, host2 seq, host2 threads=2): {ks:?}");
    assert_eq!(ks.iter().sum::<usize>(), n, "{ks:?}");
    assert!(
        ks[0] + ks[1] > 0 && ks[2] + ks[3] > 0,
        "one host ran nothing: {ks:?}"
    );
    common::check_store(&url, n);
    // Each copy recorded its session under its own host name.
    let store = pet::open_store(&url).unwrap();
    let mut t = Trajectory::load(store, "shared", LoadSpec::default()).unwrap();
    let sessions = t.children("config.provenance").unwrap();
    assert_eq!(sessions.len(), 4, "one session per copy: {sessions:?}");
    let names: BTreeSet<String> = sessions
        .iter()
        .map(|s| t.get_as::<String>(&format!("{s}.host")).unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["host1".to_string(), "host2".to_string()])
    );
}
