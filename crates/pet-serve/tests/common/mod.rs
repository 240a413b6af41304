//! A cellular-automata store like the example's (rules 10 … 190, a pattern and a
//! density per run), a server on it, and an HTTP GET that returns status and body.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cdp;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use pet_core::{vals, Store, Trajectory};

/// The rules the example explores.
pub const RULES: [i64; 6] = [10, 30, 90, 110, 184, 190];

/// A pattern of `steps`×`cells` from a rule (one cell set in the middle).
pub fn pattern(rule: i64, steps: usize, cells: usize) -> ndarray::Array2<u8> {
    let mut p = ndarray::Array2::<u8>::zeros((steps, cells));
    p[[0, cells / 2]] = 1;
    for s in 1..steps {
        for c in 0..cells {
            let l = p[[s - 1, (c + cells - 1) % cells]];
            let m = p[[s - 1, c]];
            let r = p[[s - 1, (c + 1) % cells]];
            p[[s, c]] = ((rule >> (l << 2 | m << 1 | r)) & 1) as u8;
        }
    }
    p
}

/// Creates `ca.db` in `dir` with the first `done` runs completed; returns its URL.
pub fn ca_store(dir: &Path, done: usize) -> String {
    ca_store_at(&format!("sqlite://{}", dir.join("ca.db").display()), done)
}

/// The same store at any URL (`hdf5://…/ca.h5`).
pub fn ca_store_at(url: &str, done: usize) -> String {
    let url = url.to_string();
    let store = pet_stores::open(&url).unwrap();
    let mut t =
        Trajectory::create(store, "cellular_automata", "Elementary cellular automata").unwrap();
    t.add_parameter("rule_number", 0i64, "Wolfram rule")
        .unwrap();
    t.add_parameter("steps", 60i64, "time steps").unwrap();
    t.explore([("rule_number", vals(RULES.to_vec()))]).unwrap();
    t.store().unwrap();
    complete(&mut t, 0..done);
    url
}

/// Stores runs `range` of the trajectory.
pub fn complete(t: &mut Trajectory, range: std::ops::Range<usize>) {
    for i in range {
        let mut run = t.run(i).unwrap();
        let rule: i64 = run.param("rule_number").unwrap();
        let p = pattern(rule, 60, 100);
        let density = p.iter().map(|&v| f64::from(v)).sum::<f64>() / p.len() as f64;
        run.add_result("pattern", p.into_dyn()).unwrap();
        run.add_result("density", density).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
}

/// A server on the store at `url`, opened read-only.
pub fn serve(url: &str, refresh_ms: u64) -> pet_serve::Server {
    let store: Arc<dyn Store> = pet_stores::open_read_only(url).unwrap();
    pet_serve::Server::start_with(
        store,
        url,
        "127.0.0.1:0".parse().unwrap(),
        std::time::Duration::from_millis(refresh_ms),
    )
    .unwrap()
}

/// GET: status, content type, body.
pub fn get(server: &pet_serve::Server, path: &str) -> (u16, String, Vec<u8>) {
    let url = format!("http://{}{path}", server.addr());
    let resp = match ureq::get(&url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {url}: {e}"),
    };
    let status = resp.status();
    let ctype = resp.content_type().to_string();
    let mut body = Vec::new();
    resp.into_reader()
        .take(64 << 20)
        .read_to_end(&mut body)
        .unwrap();
    (status, ctype, body)
}

/// GET that must answer 200 with JSON.
pub fn get_json(server: &pet_serve::Server, path: &str) -> serde_json::Value {
    let (status, ctype, body) = get(server, path);
    assert_eq!(
        status,
        200,
        "GET {path}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(ctype, "application/json", "GET {path}");
    serde_json::from_slice(&body).unwrap()
}

/// Width and height from a PNG's header.
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}
