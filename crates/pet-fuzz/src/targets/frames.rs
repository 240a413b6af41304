//! Targets for what arrives over a connection or a command line: worker
//! protocol greetings and frames, and `pet runs --where` expressions.

use std::io::Cursor;

use pet_core::{RunInfo, Trajectory, TrajectoryInfo};
use pet_env::protocol::{self, FromWorker, Greeting, ToWorker, GREETING_LEN};

use super::{err, Target, Work};
use crate::sample;

fn frames(msgs: &[impl serde::Serialize]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for m in msgs {
        protocol::send(&mut out, m)?;
    }
    Ok(out)
}

/// The first bytes of a connection: a greeting, then frames both ways.
pub const WORKER_FRAME: Target = Target {
    name: "worker-frame",
    about: "worker greetings and frames (snapshots, tasks, results) through pet-env's protocol",
    cost: 1,
    seeds: |_: &Work| {
        let info = TrajectoryInfo::new("t", "")?;
        let nodes = sample::records()?;
        let runs: Vec<RunInfo> = (0..3).map(|i| RunInfo::pending(i, String::new())).collect();
        let mut greeting = Greeting {
            token: [7; 32],
            pid: 42,
        }
        .encode()
        .to_vec();
        let to = frames(&[
            ToWorker::Snapshot {
                function: "sim::run -> f64".into(),
                info,
                nodes: nodes.clone(),
                runs,
            },
            ToWorker::Task {
                point: pet_core::PointValues {
                    index: 1,
                    values: vec![("parameters.x".into(), pet_core::Value::from(2.0))],
                    summary: "x=2".into(),
                },
            },
            ToWorker::Shutdown,
        ])?;
        let mut done = RunInfo::pending(1, String::new());
        done.completed = true;
        let from = frames(&[
            FromWorker::Done {
                index: 1,
                record: pet_core::RunRecord {
                    info: done,
                    nodes: Vec::new(),
                },
                value: vec![1, 2, 3],
            },
            FromWorker::Failed {
                index: 2,
                message: "boom".into(),
            },
        ])?;
        let mut a = greeting.clone();
        a.extend_from_slice(&to);
        greeting.extend_from_slice(&from);
        Ok(vec![a, greeting, to, from])
    },
    run: |_, input| {
        if input.len() >= GREETING_LEN {
            let mut g = [0u8; GREETING_LEN];
            g.copy_from_slice(&input[..GREETING_LEN]);
            let _ = Greeting::decode(&g);
        }
        let mut refused = None;
        for skip in [0, GREETING_LEN.min(input.len())] {
            let mut to = Cursor::new(&input[skip..]);
            for _ in 0..8 {
                match protocol::recv::<ToWorker>(&mut to, || Ok(())) {
                    Ok(Some(ToWorker::Snapshot {
                        info, nodes, runs, ..
                    })) => {
                        if let Err(e) = Trajectory::from_parts(info, nodes, runs) {
                            refused = Some(e.to_string());
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        refused = Some(e.to_string());
                        break;
                    }
                }
            }
            let mut from = Cursor::new(&input[skip..]);
            for _ in 0..8 {
                match protocol::recv::<FromWorker>(&mut from, || Ok(())) {
                    Ok(Some(FromWorker::Done { record, .. })) => {
                        if let Err(e) = record.validate() {
                            refused = Some(e.to_string());
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        refused = Some(err(e));
                        break;
                    }
                }
            }
        }
        refused.map_or(Ok(()), Err)
    },
};

use pet_view::expr;

/// `pet runs --where` expressions, parsed and evaluated.
pub const WHERE_EXPR: Target = Target {
    name: "where-expr",
    about: "`pet runs --where` expressions through the CLI's parser and evaluator",
    cost: 1,
    seeds: |_: &Work| {
        Ok([
            "x > 1 && (name == \"a\" || !(z < 2.5))",
            "-(-x) * 3 + 4 / 2 >= rule % 7",
            "((((g.n))))",
            "!true || false && 1 != 2",
            "name == 'quoted' && x <= 1e300",
            "a + b + c + d + e + f + g + h - i * j / k",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect())
    },
    run: |_, input| {
        let src = std::str::from_utf8(input).map_err(err)?;
        let e = expr::parse(src).map_err(err)?;
        expr::eval(&e, &|name| {
            Ok(if name.starts_with('n') {
                expr::Val::Str(name.to_string())
            } else {
                expr::Val::Num(name.len() as f64)
            })
        })
        .map(|_| ())
        .map_err(err)
    },
};
