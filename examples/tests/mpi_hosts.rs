//! `mpirun` across two hosts: two network namespaces joined to a bridge by veth
//! pairs act as two machines with their own host names; mpirun starts Open
//! MPI's daemons in them through its launcher agent option (`plm_rsh_agent`
//! pointing at a script that runs `ip netns exec HOST`), and the ranks talk
//! over Open MPI's TCP transport on the veth addresses. The cellular automata
//! on 3 ranks (two on host1, one on host2) give the sequential trajectory.
//! The test makes and removes the namespaces itself; where the machine does
//! not allow them it fails and says so.
#![cfg(feature = "mpi")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::hosts::Hosts;
use pet::{LoadSpec, Trajectory};

const CA: &str = env!("CARGO_BIN_EXE_cellular_automata");
const NET: &str = "10.231.78";

/// The launcher agent: `agent HOST COMMAND...` runs the command in HOST's
/// namespace under HOST's host name (Open MPI passes the command as words for a shell).
fn agent(dir: &std::path::Path, hosts: &Hosts) -> String {
    let mut cases = String::new();
    for k in 0..2 {
        cases.push_str(&format!(
            "  {}) ns={}; name=host{} ;;\n",
            hosts.address(k),
            hosts.namespace(k),
            k + 1
        ));
    }
    let script = format!(
        "#!/bin/sh\nhost=\"$1\"; shift\ncase \"$host\" in\n{cases}  *) echo \"agent: unknown host $host\" >&2; exit 1 ;;\nesac\ncmd=\"$*\"\nexec ip netns exec \"$ns\" unshare --uts sh -c 'hostname \"$1\" && exec sh -c \"$2\"' agent \"$name\" \"$cmd\"\n"
    );
    let path = dir.join("agent.sh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn results(url: &str) -> Vec<(String, bool, f64)> {
    let store = pet::open_store(url).unwrap();
    let mut t = Trajectory::load(store, "cellular_automata", LoadSpec::all()).unwrap();
    (0..t.len())
        .map(|i| {
            let r = t.run_info(i).unwrap().clone();
            let d = t
                .get_as::<f64>(&format!("results.runs.run_{i:08}.density"))
                .unwrap();
            (r.summary, r.completed, d)
        })
        .collect()
}

#[test]
fn three_ranks_on_two_hosts_over_tcp_give_the_sequential_trajectory() {
    let hosts = Hosts::make(2, NET);
    let dir = tempfile::tempdir().unwrap();
    let agent = agent(dir.path(), &hosts);
    let url = format!("sqlite://{}", dir.path().join("two_hosts.db").display());
    let subnet = format!("{NET}.0/24");
    let out = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe"])
        .args([
            "--host",
            &format!("{}:2,{}:1", hosts.address(0), hosts.address(1)),
        ])
        .args(["-n", "3"])
        .args(["--mca", "plm_rsh_agent", &agent])
        .args([
            "--mca",
            "plm_rsh_no_tree_spawn",
            "1",
            "--mca",
            "routed",
            "direct",
        ])
        .args(["--mca", "btl", "tcp,self"])
        .args([
            "--mca",
            "btl_tcp_if_include",
            &subnet,
            "--mca",
            "oob_tcp_if_include",
            &subnet,
        ])
        .args([CA, &url, "--mode", "mpi"])
        .current_dir(dir.path())
        .env("PET_PROGRESS", "0")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    eprintln!("{printed}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "mpirun across the two hosts failed");
    let seq = format!("sqlite://{}", dir.path().join("seq.db").display());
    let out = Command::new(CA)
        .args([seq.as_str(), "--mode", "seq"])
        .current_dir(dir.path())
        .env("PET_PROGRESS", "0")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(results(&url), results(&seq));
    let store = pet::open_store(&url).unwrap();
    let mut t = Trajectory::load(store, "cellular_automata", LoadSpec::default()).unwrap();
    let s = t.children("config.provenance").unwrap()[0].clone();
    let hosts_seen = t.get(&format!("{s}.mpi_hosts")).unwrap();
    let want = pet::Value::List(
        ["host1", "host1", "host2"]
            .into_iter()
            .map(pet::Value::from)
            .collect(),
    );
    assert_eq!(hosts_seen, want, "the ranks ran on both hosts");
}
