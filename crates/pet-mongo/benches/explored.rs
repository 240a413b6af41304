//! Benchmark of large explored parameters in the MongoDB store: a trajectory
//! with one int parameter explored over 10^4, 10^5 and 10^6 points (one run
//! per point); prints a markdown table of the time to store it (create +
//! write, run table included), to load it (skeleton; `LoadSpec::default()`,
//! which reads the parameters with data; the points alone), to expand it by
//! 3 points and store (3 new runs included), and to write 3 more points
//! through the store alone: appended (`append_points`) and, as pet would
//! without appends, by rewriting the parameter whole (`write_nodes`), with
//! the bytes sent to the server (counted by a proxy in front of it).
//! `cargo bench -p pet-mongo --bench explored` starts a test server like the
//! tests do, or uses `PET_MONGODB_URI`; `PET_BENCH_QUICK=1` stops at 10^5;
//! `PET_BENCH_HUGE=1` adds a parameter of 10^7 points written and read
//! through the store without its run table.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use pet_core::testkit::bench;
use pet_core::{LeafData, LeafRole, LoadSpec, Node, NodeRecord, Store, Trajectory, Value};
use pet_mongo::{MongoOptions, MongoStore};

/// Expansions timed per size (the median is shown).
const EXPANSIONS: usize = 7;

/// A TCP proxy in front of the server that counts the bytes clients send.
struct Proxy {
    uri: String,
    sent: Arc<AtomicU64>,
}

fn pipe(mut from: TcpStream, mut to: TcpStream, count: Option<Arc<AtomicU64>>) {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                if let Some(c) = &count {
                    c.fetch_add(k as u64, Ordering::Relaxed);
                }
                if to.write_all(&buf[..k]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

impl Proxy {
    /// A proxy to the single host of `uri`, or `None` when the URI names several.
    fn start(uri: &str) -> Option<Proxy> {
        let rest = uri.strip_prefix("mongodb://")?;
        let hosts = rest.split('/').next()?;
        let hostport = hosts.rsplit('@').next()?;
        if hostport.contains(',') {
            return None;
        }
        let target = hostport.to_string();
        let listener = TcpListener::bind("127.0.0.1:0").ok()?;
        let addr = listener.local_addr().ok()?;
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let count = counter.clone();
                std::thread::spawn(move || pipe(client, server, Some(count)));
                std::thread::spawn(move || pipe(s2, c2, None));
            }
        });
        Some(Proxy {
            uri: uri.replacen(hostport, &addr.to_string(), 1),
            sent,
        })
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

/// `uri` with generous timeouts: the Python test server answers nothing else
/// while it serves a large request (10^6 run documents), and the driver's
/// monitor gives up on it after `connectTimeoutMS` (pet's default is 5 s).
fn patient(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let sep = if uri.contains('?') {
        "&"
    } else if rest.contains('/') {
        "?"
    } else {
        "/?"
    };
    format!("{uri}{sep}connectTimeoutMS=300000&serverSelectionTimeoutMS=300000")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn ints(range: std::ops::Range<usize>) -> Vec<Value> {
    range.map(|i| Value::from(i as i64)).collect()
}

struct Row {
    n: usize,
    store: f64,
    skeleton: f64,
    default: f64,
    points: f64,
    append: f64,
    append_bytes: f64,
    alone: f64,
    alone_bytes: f64,
    rewrite: f64,
    rewrite_bytes: f64,
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn measure(uri: &str, proxy: Option<&Proxy>, n: usize) -> Row {
    let db = common::fresh_db("bench");
    let open = || {
        let opts = MongoOptions {
            database: Some(db.clone()),
            ..MongoOptions::default()
        };
        Arc::new(MongoStore::open_with(uri, opts).expect("open")) as Arc<dyn Store>
    };
    let sent = || proxy.map_or(0, Proxy::sent);
    let mut t = Trajectory::create(open(), "bench", "explored benchmark").expect("create");
    t.add_parameter("n", 0i64, "").expect("parameter");
    t.explore([("n", ints(0..n))]).expect("explore");
    let start = Instant::now();
    t.store().expect("store");
    let store = secs(start);
    drop(t);

    let start = Instant::now();
    let sk = Trajectory::load(open(), "bench", LoadSpec::skeleton()).expect("skeleton");
    let skeleton = secs(start);
    assert_eq!(sk.len(), n);
    let start = Instant::now();
    let mut t = Trajectory::load(open(), "bench", LoadSpec::default()).expect("load");
    let default = secs(start);
    assert_eq!(
        t.param_value_at("n", n - 1).expect("point"),
        &Value::from(n as i64 - 1)
    );
    let s = open();
    let start = Instant::now();
    let data = s.read_data("bench", "parameters.n").expect("points");
    let points = secs(start);
    assert!(data.is_explored());

    let mut len = n;
    let mut expand = |t: &mut Trajectory| {
        t.expand([("n", ints(len..len + 3))]).expect("expand");
        len += 3;
        let before = sent();
        let start = Instant::now();
        t.store().expect("store");
        (secs(start), (sent() - before) as f64)
    };
    let (times, bytes): (Vec<f64>, Vec<f64>) = (0..EXPANSIONS).map(|_| expand(&mut t)).unzip();
    // The append alone, without the run table.
    let direct = open();
    let mut alone = Vec::new();
    let mut alone_bytes = Vec::new();
    for _ in 0..EXPANSIONS {
        let more = ints(len..len + 3);
        let before = sent();
        let start = Instant::now();
        direct
            .append_points(
                "bench",
                &[pet_core::storage::PointAppend {
                    path: "parameters.n",
                    start: len,
                    values: &more,
                }],
            )
            .expect("append");
        alone.push(secs(start));
        alone_bytes.push((sent() - before) as f64);
        len += 3;
    }
    // What the same 3 points cost written the other way: the parameter whole.
    let LeafData::Param { value, explored } =
        direct.read_data("bench", "parameters.n").expect("points")
    else {
        panic!("not a parameter");
    };
    let mut list = explored.expect("explored");
    assert_eq!(list.len(), len);
    list.extend(ints(len..len + 3));
    len += 3;
    let rec = NodeRecord {
        path: "parameters.n".to_string(),
        node: Node::leaf(
            LeafRole::Parameter,
            LeafData::Param {
                value,
                explored: Some(list),
            },
            "",
        ),
    };
    let before = sent();
    let start = Instant::now();
    direct.write_nodes("bench", &[rec]).expect("rewrite");
    let rewrite = secs(start);
    let rewrite_bytes = (sent() - before) as f64;
    let back = open().read_data("bench", "parameters.n").expect("points");
    assert!(matches!(back, LeafData::Param { explored: Some(ref e), .. } if e.len() == len));

    if std::env::var(common::URI_VAR).is_ok() {
        let _ = MongoStore::open_with(
            uri,
            MongoOptions {
                database: Some(db.clone()),
                ..MongoOptions::default()
            },
        )
        .map(|s| s.drop_database());
    }
    Row {
        n,
        store,
        skeleton,
        default,
        points,
        append: median(times),
        append_bytes: median(bytes),
        alone: median(alone),
        alone_bytes: median(alone_bytes),
        rewrite,
        rewrite_bytes,
    }
}

/// A parameter of `n` points written and read through the store alone (no run table).
fn parameter_only(uri: &str, n: usize) -> (f64, f64, f64) {
    let db = common::fresh_db("huge");
    let opts = MongoOptions {
        database: Some(db),
        ..MongoOptions::default()
    };
    let store: Arc<dyn Store> = Arc::new(MongoStore::open_with(uri, opts).expect("open"));
    store
        .create(&pet_core::storage::TrajectoryInfo::new("huge", "").expect("info"))
        .expect("create");
    let recs = [NodeRecord {
        path: "parameters.n".to_string(),
        node: Node::leaf(
            LeafRole::Parameter,
            LeafData::Param {
                value: Value::from(0i64),
                explored: Some(ints(0..n)),
            },
            "",
        ),
    }];
    let start = Instant::now();
    store.write_nodes("huge", &recs).expect("write");
    let write = secs(start);
    let start = Instant::now();
    let data = store.read_data("huge", "parameters.n").expect("read");
    let read = secs(start);
    assert!(data.is_explored());
    let more = ints(n..n + 3);
    let start = Instant::now();
    store
        .append_points(
            "huge",
            &[pet_core::storage::PointAppend {
                path: "parameters.n",
                start: n,
                values: &more,
            }],
        )
        .expect("append");
    (write, read, secs(start))
}

fn main() {
    let quick = bench::quick();
    let sizes: &[usize] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    let uri = patient(&common::server_uri());
    let server = if std::env::var(common::URI_VAR).is_ok() {
        "MongoDB at PET_MONGODB_URI".to_string()
    } else {
        "SecantusDB 0.7.0b3, --sync-on-commit".to_string()
    };
    eprintln!("server {uri}");
    let proxy = Proxy::start(&uri);
    let via = proxy.as_ref().map_or(uri.as_str(), |p| p.uri.as_str());
    let rows: Vec<Row> = sizes
        .iter()
        .map(|&n| {
            let r = measure(via, proxy.as_ref(), n);
            eprintln!("{n} points done");
            r
        })
        .collect();
    println!("\nserver: {server}; one int parameter explored over N points (N runs)\n");
    println!(
        "| points | store (create + write) s | load skeleton s | load default (parameters with data) s | read the points s | expand by 3 + store ms | bytes sent | append_points of 3 ms | bytes sent | the parameter rewritten whole ms | bytes sent |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let kb = |b: f64| {
        if proxy.is_some() {
            format!("{:.1} kB", b / 1e3)
        } else {
            "-".to_string()
        }
    };
    for r in &rows {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {:.1} | {} | {:.0} | {} |",
            r.n,
            r.store,
            r.skeleton,
            r.default,
            r.points,
            r.append * 1e3,
            kb(r.append_bytes),
            r.alone * 1e3,
            kb(r.alone_bytes),
            r.rewrite * 1e3,
            kb(r.rewrite_bytes),
        );
    }
    if std::env::var("PET_BENCH_HUGE").is_ok() {
        let n = 10_000_000;
        let (w, rd, a) = parameter_only(&uri, n);
        println!(
            "\nparameter of {n} points, through the store without a run table: write {w:.1} s, read {rd:.1} s, append 3 points {:.1} ms",
            a * 1e3
        );
    }
}
