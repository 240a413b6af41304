//! The expansion benchmark: a stored trajectory expanded many times by a few
//! points, stored after each expansion (what an adaptive search does), timed
//! one expansion at a time, appending and rewriting side by side, printed as
//! the mean cost per expansion early, midway and late.

use std::sync::Arc;
use std::time::Instant;

use crate::{vals, Store, Trajectory};

/// Expansions of each way of writing (fewer when `quick`): appending, and
/// rewriting every point (quadratic in total, so it runs fewer).
pub fn sizes(quick: bool) -> (usize, usize) {
    if quick {
        (1_000, 300)
    } else {
        (10_000, 2_000)
    }
}

/// Points added per expansion (to each of the two explored parameters).
pub const POINTS: usize = 10;

/// Seconds of each of `n` expansions (expand by [`POINTS`] points, then
/// `store`) of a new trajectory `name` in `store`, written by appends when
/// `append_only`, else rewritten whole each time.
pub fn time_expansions(
    store: &Arc<dyn Store>,
    name: &str,
    n: usize,
    append_only: bool,
) -> Vec<f64> {
    let mut t = Trajectory::create(store.clone(), name, "expansion benchmark").expect("create");
    t.set_append_only(append_only);
    t.add_parameter("x", 0.0, "").expect("x");
    t.add_parameter("generation", 0i64, "").expect("generation");
    let batch = |g: usize| {
        let xs: Vec<f64> = (0..POINTS)
            .map(|k| (g * POINTS + k) as f64 * 0.25)
            .collect();
        [
            ("x", vals(xs)),
            ("generation", vals(vec![g as i64; POINTS])),
        ]
    };
    t.explore(batch(0)).expect("explore");
    t.store().expect("store");
    let mut secs = Vec::with_capacity(n);
    for g in 1..=n {
        let start = Instant::now();
        t.expand(batch(g)).expect("expand");
        t.store().expect("store");
        secs.push(start.elapsed().as_secs_f64());
    }
    assert_eq!(t.len(), (n + 1) * POINTS);
    secs
}

/// Mean of `secs[range]` in microseconds.
fn mean_us(secs: &[f64]) -> f64 {
    1e6 * secs.iter().sum::<f64>() / secs.len().max(1) as f64
}

/// One row of the table: the mean cost of the first, middle and last tenth
/// of the expansions of one backend and way of writing.
pub struct Row {
    /// The backend.
    pub backend: String,
    /// How expansions were written.
    pub way: &'static str,
    /// How many expansions.
    pub n: usize,
    /// Mean µs per expansion of the first, middle and last tenth.
    pub means: [f64; 3],
    /// Seconds of all expansions.
    pub total: f64,
}

impl Row {
    /// The row of the timings `secs` of `backend` written `way`.
    pub fn new(backend: &str, way: &'static str, secs: &[f64]) -> Row {
        let n = secs.len();
        let w = (n / 10).max(1);
        let mid = (n / 2).saturating_sub(w / 2);
        let part = |lo: usize| &secs[lo.min(n)..(lo + w).min(n)];
        Row {
            backend: backend.to_string(),
            way,
            n,
            means: [
                mean_us(part(0)),
                mean_us(part(mid)),
                mean_us(part(n.saturating_sub(w))),
            ],
            total: secs.iter().sum(),
        }
    }
}

/// Times both ways on stores from `open` (given a trajectory name) and returns their rows.
/// The appending row is repeated over the first expansions only, as many as
/// the rewriting row has, so that both tenths cover the same expansions.
pub fn rows(backend: &str, quick: bool, open: &dyn Fn(&str) -> Arc<dyn Store>) -> Vec<Row> {
    let (n_append, n_rewrite) = sizes(quick);
    let appended = time_expansions(&open("appended"), "appended", n_append, true);
    let rewritten = time_expansions(&open("rewritten"), "rewritten", n_rewrite, false);
    vec![
        Row::new(backend, "append (new)", &appended),
        Row::new(
            backend,
            "append (new), same count as rewrite",
            &appended[..n_rewrite],
        ),
        Row::new(backend, "rewrite (old)", &rewritten),
    ]
}

/// Prints `rows` as a markdown table.
pub fn print(rows: &[Row]) {
    println!(
        "\n{} points added to each of 2 explored parameters per expansion, stored after each; \
         mean µs per expansion over the first, middle and last tenth of the expansions\n",
        POINTS
    );
    println!(
        "| backend | writes | expansions | points at end | first tenth | middle tenth | last tenth | last/first | total s |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
            r.backend,
            r.way,
            r.n,
            (r.n + 1) * POINTS,
            r.means[0],
            r.means[1],
            r.means[2],
            r.means[2] / r.means[0].max(f64::MIN_POSITIVE),
            r.total
        );
    }
}
