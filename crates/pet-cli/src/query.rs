//! `pet runs --where` and `pet export`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value as Json};

use pet_core::{name, LoadSpec, Scalar, Value};

use crate::safe_text::{self, clean};
use crate::{stores, Format};
use pet_view::expr::{self, Val};
use pet_view::{Cell, ColumnKind, RunTable};

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
                let lookup = |n: &str| -> expr::Result<Val> {
                    let v = p.value(n).map_err(|err| {
                        expr::ExprError(format!("{err}; explored parameters: {explored}"))
                    })?;
                    to_val(n, v).map_err(|e| expr::ExprError(e.to_string()))
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
            clean(&info.name()),
            clean(&info.summary)
        );
    }
    println!("{} of {} runs match", hits.len(), t.len());
    Ok(())
}

/// Exports one row per run: explored parameters and scalar results.
pub fn export(
    url: &str,
    format: Format,
    out: Option<&std::path::Path>,
    traj: Option<&str>,
) -> Result<()> {
    let t = stores::load(url, traj, LoadSpec::default())?;
    // The runs table: explored values from memory, each result leaf in one
    // column query (not every run's nodes one by one).
    let table = RunTable::build(&t)?;
    let data: Vec<usize> = (0..table.columns().len())
        .filter(|&c| table.column(c).is_some_and(|c| c.kind != ColumnKind::Meta))
        .collect();
    let status = table.column_index("status")?;
    let mut columns: Vec<String> = vec!["run".into(), "name".into(), "completed".into()];
    columns.extend(
        data.iter()
            .filter_map(|&c| table.column(c))
            .map(|c| c.name.clone()),
    );
    let mut rows: Vec<BTreeMap<String, Json>> = Vec::with_capacity(table.len());
    for i in 0..table.len() {
        let mut row = BTreeMap::new();
        row.insert("run".to_string(), json!(i));
        row.insert("name".to_string(), json!(name::run_name(i)));
        let done = matches!(table.cell(status, i), Cell::Str(s) if s.as_ref() == "completed");
        row.insert("completed".to_string(), json!(done));
        for (&c, col) in data.iter().zip(&columns[3..]) {
            let cell = table.cell(c, i);
            if !cell.is_null() {
                row.insert(col.clone(), cell.json());
            }
        }
        rows.push(row);
    }
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
    fn csv_cells_are_quoted_when_needed() {
        assert_eq!(super::csv_cell("a,b"), "\"a,b\"");
        assert_eq!(super::csv_cell("ab"), "ab");
    }
}
