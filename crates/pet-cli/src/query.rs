//! `pet runs --where` and `pet export`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value as Json};

use pet_core::storage::{ColumnPath, ReadSpec};
use pet_core::{name, LeafData, LoadSpec, Scalar, Value};

use crate::expr::{self, Val};
use crate::safe_text::{self, clean};
use crate::{stores, Format};

fn to_val(name: &str, v: &Value) -> Result<Val> {
    match v.as_scalar() {
        Some(Scalar::Bool(b)) => Ok(Val::Bool(*b)),
        Some(Scalar::Str(s)) => Ok(Val::Str(s.clone())),
        Some(s) => s.as_f64().map(Val::Num).ok_or_else(|| {
            anyhow!(
                "parameter '{name}' is {}; only real numbers, strings and booleans can be compared",
                v.signature()
            )
        }),
        None => bail!(
            "parameter '{name}' is {}; only scalars can be compared",
            v.signature()
        ),
    }
}

/// Lists runs, all or those matching `filter`.
pub fn runs(url: &str, filter: Option<&str>, traj: Option<&str>) -> Result<()> {
    let e = filter
        .map(expr::parse)
        .transpose()
        .context("bad --where expression")?;
    let t = stores::load(url, traj, LoadSpec::default())?;
    let explored = t.explored_names().join(", ");
    let hits = match &e {
        None => (0..t.len()).collect(),
        Some(e) => t
            .find_runs(|p| {
                let lookup = |n: &str| -> Result<Val> {
                    let v = p
                        .value(n)
                        .map_err(|err| anyhow!("{err}; explored parameters: {explored}"))?;
                    to_val(n, v)
                };
                match expr::eval(e, &lookup) {
                    Ok(Val::Bool(b)) => Ok(b),
                    Ok(other) => Err(pet_core::PetError::invalid(format!(
                        "the expression gives {other:?}, not true/false"
                    ))),
                    Err(err) => Err(pet_core::PetError::invalid(err.to_string())),
                }
            })
            .map_err(|err| anyhow!("{err}"))?,
    };
    for &i in &hits {
        let info = t.run_info(i)?;
        let state = if info.completed {
            "completed"
        } else {
            "pending"
        };
        println!(
            "{}  {state:<9}  {}",
            clean(&info.name),
            clean(&info.summary)
        );
    }
    println!("{} of {} runs match", hits.len(), t.len());
    Ok(())
}

fn scalar_json(v: &Value) -> Option<Json> {
    let s = v.as_scalar()?;
    Some(match s {
        Scalar::Bool(b) => json!(b),
        Scalar::I8(x) => json!(x),
        Scalar::I16(x) => json!(x),
        Scalar::I32(x) => json!(x),
        Scalar::I64(x) => json!(x),
        Scalar::U8(x) => json!(x),
        Scalar::U16(x) => json!(x),
        Scalar::U32(x) => json!(x),
        Scalar::U64(x) => json!(x),
        Scalar::F32(x) => serde_json::Number::from_f64(f64::from(*x))
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Scalar::F64(x) => serde_json::Number::from_f64(*x)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Scalar::Str(x) => json!(x),
        other => json!(other.to_string()),
    })
}

/// Column name of a value a run stored at `path` (item `item`).
fn column(path: &str, item: &str, single: bool) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let rel: Vec<&str> = match parts.as_slice() {
        [b, r, run, rest @ ..] if *r == name::RUNS && name::run_index(run).is_some() => {
            let mut v = if *b == name::DERIVED {
                vec!["derived"]
            } else {
                vec![]
            };
            v.extend(rest);
            v
        }
        _ => parts
            .into_iter()
            .filter(|p| name::run_index(p).is_none())
            .collect(),
    };
    let mut c = rel.join(".");
    if !(single && name::last(path) == item) {
        c.push('.');
        c.push_str(item);
    }
    c
}

/// Exports one row per run: explored parameters and scalar results.
pub fn export(
    url: &str,
    format: Format,
    out: Option<&std::path::Path>,
    traj: Option<&str>,
) -> Result<()> {
    let t = stores::load(url, traj, LoadSpec::default())?;
    let store = t
        .store_handle()
        .cloned()
        .ok_or_else(|| anyhow!("no store"))?;
    let mut columns: Vec<String> = vec!["run".into(), "name".into(), "completed".into()];
    let params: Vec<(String, String)> = t
        .explored_names()
        .iter()
        .map(|p| {
            (
                p.clone(),
                p.strip_prefix("parameters.").unwrap_or(p).to_string(),
            )
        })
        .collect();
    columns.extend(params.iter().map(|(_, c)| c.clone()));
    let fixed = columns.len();
    let mut rows: Vec<BTreeMap<String, Json>> = Vec::with_capacity(t.len());
    for i in 0..t.len() {
        let info = t.run_info(i)?;
        let mut row = BTreeMap::new();
        row.insert("run".to_string(), json!(i));
        row.insert("name".to_string(), json!(info.name));
        row.insert("completed".to_string(), json!(info.completed));
        for (p, c) in &params {
            if let Some(j) = scalar_json(t.param_value_at(p, i)?) {
                row.insert(c.clone(), j);
            }
        }
        rows.push(row);
    }
    // Every leaf runs stored, as columns: the names from one skeleton read,
    // then each column in one query (not every run's nodes one by one).
    let leaves = run_leaves(store.as_ref(), t.name())?;
    let bar = indicatif::ProgressBar::new(leaves.len() as u64);
    for pattern in leaves {
        for (i, data) in store.read_column(t.name(), &pattern)? {
            let path = pattern.path_of(i);
            let cells: Vec<(String, Json)> = match &data {
                LeafData::Result { items } => items
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((column(&path, k, items.len() == 1), scalar_json(v)?))
                    })
                    .collect(),
                LeafData::Param { value, .. } => scalar_json(value)
                    .map(|j| vec![(column(&path, name::last(&path), true), j)])
                    .unwrap_or_default(),
            };
            let Some(row) = rows.get_mut(i) else {
                continue;
            };
            for (c, j) in cells {
                if !columns[fixed..].contains(&c) {
                    columns.push(c.clone());
                }
                row.insert(c, j);
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let text = match format {
        Format::Json => {
            let arr: Vec<Json> = rows
                .into_iter()
                .map(|r| {
                    let mut m = Map::new();
                    for c in &columns {
                        if let Some(v) = r.get(c) {
                            m.insert(c.clone(), v.clone());
                        }
                    }
                    Json::Object(m)
                })
                .collect();
            // Lossless: the same JSON value, with DEL and C1 controls escaped.
            safe_text::json(&serde_json::to_string_pretty(&arr)?).into_owned() + "\n"
        }
        Format::Csv => {
            // CSV has no escapes: the data is written as stored, except on a
            // terminal, where control characters are shown escaped.
            let tty = out.is_none() && std::io::stdout().is_terminal();
            let cell = |c: &str| {
                if tty {
                    csv_cell(&clean(c))
                } else {
                    csv_cell(c)
                }
            };
            let mut s = columns
                .iter()
                .map(|c| cell(c))
                .collect::<Vec<_>>()
                .join(",")
                + "\n";
            for r in &rows {
                let cells: Vec<String> = columns
                    .iter()
                    .map(|c| match r.get(c) {
                        None | Some(Json::Null) => String::new(),
                        Some(Json::String(x)) => cell(x),
                        Some(v) => v.to_string(),
                    })
                    .collect();
                s.push_str(&cells.join(","));
                s.push('\n');
            }
            s
        }
    };
    match out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// The leaves runs stored, each as the column of all runs that reads it
/// (`results.runs.crun.z`), from a skeleton read of the two branches runs add to.
fn run_leaves(
    store: &dyn pet_core::Store,
    traj: &str,
) -> Result<std::collections::BTreeSet<ColumnPath>> {
    let mut out = std::collections::BTreeSet::new();
    for branch in [name::RESULTS, name::DERIVED] {
        let nodes = match store.read_nodes(traj, branch, ReadSpec::SKELETON) {
            Err(pet_core::PetError::NotFound(_)) => continue,
            other => other?,
        };
        for rec in nodes.iter().filter(|r| r.node.is_leaf()) {
            if name::run_of_path(&rec.path).is_none() {
                continue;
            }
            let pattern: Vec<&str> = rec
                .path
                .split('.')
                .map(|p| {
                    if name::run_index(p).is_some() {
                        "crun"
                    } else {
                        p
                    }
                })
                .collect();
            if let Ok(c) = ColumnPath::parse(&pattern.join(".")) {
                out.insert(c);
            }
        }
    }
    Ok(out)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_relative_to_the_run() {
        assert_eq!(super::column("results.runs.run_00000001.z", "z", true), "z");
        assert_eq!(
            super::column("results.runs.run_00000001.stats", "max", false),
            "stats.max"
        );
        assert_eq!(
            super::column("derived_parameters.runs.run_00000001.d", "d", true),
            "derived.d"
        );
        assert_eq!(
            super::column("results.run_00000001.pos.z", "z", true),
            "results.pos.z"
        );
        assert_eq!(super::csv_cell("a,b"), "\"a,b\"");
    }
}
