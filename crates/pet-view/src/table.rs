//! The runs table: one row per run (index, status, runtime, explored parameters,
//! scalar results), built once from a trajectory with one column read per result,
//! then filtered with the `--where` language, sorted and paged in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pet_core::storage::ColumnPath;
use pet_core::{LeafData, Trajectory, Value};

use crate::cell::Cell;
use crate::error::{Result, ViewError};
use crate::expr::{self, Expr, ExprError, Val};
use crate::leaves::{column_name, param_column, run_leaves};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Bookkeeping: `run`, `status`, `runtime`.
    Meta,
    /// An explored parameter.
    Param,
    /// A scalar result or derived parameter a run stored.
    Result,
}

/// A column's name, kind and unit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ColumnInfo {
    /// Name used in expressions, sorting and plots (`rule_number`, `z`, `derived.d`).
    pub name: String,
    /// What it holds.
    pub kind: ColumnKind,
    /// Unit, when the values are quantities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Full path in the tree (`parameters.rule_number`, `results.runs.crun.z`).
    pub path: String,
}

impl ColumnInfo {
    /// Axis label: the name, and the unit in brackets.
    pub fn label(&self) -> String {
        match &self.unit {
            Some(u) => format!("{} [{u}]", self.name),
            None => self.name.clone(),
        }
    }
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Smallest first (nulls last).
    Asc,
    /// Largest first (nulls last).
    Desc,
}

/// A page request: filter, sort, window.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// `--where` expression, if any.
    pub filter: Option<String>,
    /// Column to sort by, and its direction.
    pub sort: Option<(String, Order)>,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return.
    pub limit: usize,
}

/// One page of rows.
#[derive(Clone, Debug)]
pub struct Page {
    /// Rows matching the filter.
    pub matched: usize,
    /// Run indices of the rows on the page, in order.
    pub rows: Vec<usize>,
}

/// Memoised row orders and filter results, so paging through a sorted or filtered
/// table of 10^6 runs costs one sort or one evaluation, not one per page.
#[derive(Default)]
struct Memo {
    sorted: HashMap<(usize, Order), Arc<Vec<u32>>>,
    filtered: Vec<(String, Arc<Vec<u32>>)>,
}

/// Filters remembered per table.
const FILTER_MEMO: usize = 8;

/// The runs table of one trajectory.
pub struct RunTable {
    columns: Vec<ColumnInfo>,
    cells: Vec<Vec<Cell>>,
    names: HashMap<String, usize>,
    runs: usize,
    leaves: Vec<ColumnPath>,
    memo: Mutex<Memo>,
}

impl std::fmt::Debug for RunTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunTable")
            .field("runs", &self.runs)
            .field("columns", &self.columns.len())
            .finish()
    }
}

/// Scalar cells of a leaf a run stored, by column name.
fn leaf_cells(path: &str, data: &LeafData) -> Vec<(String, Cell, Option<String>)> {
    let unit = |v: &Value| match v {
        Value::Quantity(q) => Some(q.unit.clone()),
        _ => None,
    };
    match data {
        LeafData::Result { items } => items
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    column_name(path, k, items.len() == 1),
                    Cell::of(v)?,
                    unit(v),
                ))
            })
            .collect(),
        LeafData::Param { value, .. } => Cell::of(value)
            .map(|c| {
                let n = column_name(path, pet_core::name::last(path), true);
                vec![(n, c, unit(value))]
            })
            .unwrap_or_default(),
    }
}

impl RunTable {
    /// Builds the table of a trajectory loaded with its parameters: the explored
    /// values from memory, each result column with one store read.
    pub fn build(t: &Trajectory) -> Result<RunTable> {
        let n = t.len();
        let mut columns = vec![
            meta("run"),
            meta("status"),
            ColumnInfo {
                unit: Some("s".into()),
                ..meta("runtime")
            },
        ];
        let infos = t.run_infos();
        let mut cells: Vec<Vec<Cell>> = vec![
            (0..n).map(|i| Cell::Int(i as i64)).collect(),
            infos
                .iter()
                .map(|r| Cell::Str(if r.completed { "completed" } else { "pending" }.into()))
                .collect(),
            infos
                .iter()
                .map(|r| r.runtime().map_or(Cell::Null, Cell::Num))
                .collect(),
        ];
        for p in t.explored_names() {
            let mut col = Vec::with_capacity(n);
            let mut unit = None;
            for i in 0..n {
                let v = t.param_value_at(p, i)?;
                if let (None, Value::Quantity(q)) = (&unit, v) {
                    unit = Some(q.unit.clone());
                }
                col.push(Cell::of(v).unwrap_or(Cell::Null));
            }
            columns.push(ColumnInfo {
                name: param_column(p).to_string(),
                kind: ColumnKind::Param,
                unit,
                path: p.clone(),
            });
            cells.push(col);
        }
        let mut leaves = Vec::new();
        if let Some(store) = t.store_handle() {
            let mut index: HashMap<String, usize> = HashMap::new();
            leaves = run_leaves(store.as_ref(), t.name())?.into_iter().collect();
            for pattern in &leaves {
                store.read_column_each(t.name(), pattern, &mut |i, data| {
                    if i >= n {
                        return Ok(());
                    }
                    for (name, cell, unit) in leaf_cells(&pattern.path_of(i), &data) {
                        let c = *index.entry(name.clone()).or_insert_with(|| {
                            columns.push(ColumnInfo {
                                name,
                                kind: ColumnKind::Result,
                                unit: None,
                                path: pattern.pattern(),
                            });
                            cells.push(vec![Cell::Null; n]);
                            cells.len() - 1
                        });
                        if columns[c].unit.is_none() {
                            columns[c].unit = unit;
                        }
                        cells[c][i] = cell;
                    }
                    Ok(())
                })?;
            }
        }
        let mut table = RunTable::from_columns(columns, cells, n);
        table.leaves = leaves;
        Ok(table)
    }

    /// Every leaf runs stored, as the column pattern that reads it in each run.
    pub fn leaves(&self) -> &[ColumnPath] {
        &self.leaves
    }

    fn from_columns(columns: Vec<ColumnInfo>, cells: Vec<Vec<Cell>>, runs: usize) -> RunTable {
        let mut names = HashMap::new();
        let mut lasts: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in columns.iter().enumerate() {
            names.insert(c.name.clone(), i);
            if c.kind == ColumnKind::Param {
                names.insert(c.path.clone(), i);
            }
            if let Some((_, last)) = c.name.rsplit_once('.') {
                lasts.entry(last.to_string()).or_default().push(i);
            }
        }
        // A nested name's last part is a shortcut when no other column has it.
        for (last, at) in lasts {
            if let ([one], false) = (at.as_slice(), names.contains_key(&last)) {
                names.insert(last, *one);
            }
        }
        RunTable {
            columns,
            cells,
            names,
            runs,
            leaves: Vec::new(),
            memo: Mutex::new(Memo::default()),
        }
    }

    /// Number of runs (rows).
    pub fn len(&self) -> usize {
        self.runs
    }

    /// True when the trajectory has no runs.
    pub fn is_empty(&self) -> bool {
        self.runs == 0
    }

    /// The columns, meta first, then explored parameters, then results.
    pub fn columns(&self) -> &[ColumnInfo] {
        &self.columns
    }

    /// Completed runs.
    pub fn completed(&self) -> usize {
        self.cells[1]
            .iter()
            .filter(|c| matches!(c, Cell::Str(s) if s.as_ref() == "completed"))
            .count()
    }

    /// The column a name (column name, parameter path or unique last part) means.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| ViewError::UnknownColumn {
                name: name.to_string(),
                known: self
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The column's information.
    pub fn column(&self, index: usize) -> Option<&ColumnInfo> {
        self.columns.get(index)
    }

    /// One cell (`Null` out of range).
    pub fn cell(&self, column: usize, row: usize) -> &Cell {
        self.cells
            .get(column)
            .and_then(|c| c.get(row))
            .unwrap_or(&Cell::Null)
    }

    /// The runs matching a `--where` expression, in index order. A run lacking a
    /// value the expression names does not match; a type error is an error.
    pub fn filter(&self, src: &str) -> Result<Arc<Vec<u32>>> {
        if let Ok(memo) = self.memo.lock() {
            if let Some((_, hit)) = memo.filtered.iter().find(|(s, _)| s == src) {
                return Ok(hit.clone());
            }
        }
        let e = expr::parse(src)?;
        let mut used = Vec::new();
        names_in(&e, &mut used);
        let cols = used
            .iter()
            .map(|n| Ok((n.clone(), self.column_index(n)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut hits = Vec::new();
        for row in 0..self.runs {
            if cols.iter().any(|(_, c)| self.cells[*c][row].is_null()) {
                continue;
            }
            let lookup = |n: &str| -> expr::Result<Val> {
                let c = cols
                    .iter()
                    .find(|(name, _)| name == n)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| ExprError(format!("unknown name '{n}'")))?;
                Ok(match &self.cells[c][row] {
                    Cell::Bool(b) => Val::Bool(*b),
                    Cell::Str(s) => Val::Str(s.to_string()),
                    other => Val::Num(other.num().unwrap_or(f64::NAN)),
                })
            };
            match expr::eval(&e, &lookup)? {
                Val::Bool(true) => hits.push(row as u32),
                Val::Bool(false) => {}
                other => {
                    return Err(ExprError(format!(
                        "the expression gives {other:?}, not true/false; compare it, e.g. x > 0"
                    ))
                    .into())
                }
            }
        }
        let hits = Arc::new(hits);
        if let Ok(mut memo) = self.memo.lock() {
            if memo.filtered.len() >= FILTER_MEMO {
                memo.filtered.remove(0);
            }
            memo.filtered.push((src.to_string(), hits.clone()));
        }
        Ok(hits)
    }

    /// All rows ordered by a column (stable: ties keep run order; nulls last).
    fn sorted(&self, column: usize, order: Order) -> Arc<Vec<u32>> {
        if let Ok(memo) = self.memo.lock() {
            if let Some(hit) = memo.sorted.get(&(column, order)) {
                return hit.clone();
            }
        }
        let col = &self.cells[column];
        let mut rows: Vec<u32> = (0..self.runs as u32).collect();
        rows.sort_by(|&a, &b| {
            let (x, y) = (&col[a as usize], &col[b as usize]);
            match (x.is_null(), y.is_null(), order) {
                (false, false, Order::Asc) => x.cmp_sort(y),
                (false, false, Order::Desc) => y.cmp_sort(x),
                _ => x.cmp_sort(y),
            }
        });
        let rows = Arc::new(rows);
        if let Ok(mut memo) = self.memo.lock() {
            memo.sorted.insert((column, order), rows.clone());
        }
        rows
    }

    /// The rows a query selects, in order (all of them, without paging).
    pub fn select_all(
        &self,
        filter: Option<&str>,
        sort: Option<(&str, Order)>,
    ) -> Result<Vec<usize>> {
        let hits = filter.map(|f| self.filter(f)).transpose()?;
        let sort = sort
            .map(|(c, o)| Ok::<_, ViewError>((self.column_index(c)?, o)))
            .transpose()?;
        Ok(match (hits, sort) {
            (None, None) => (0..self.runs).collect(),
            (Some(h), None) => h.iter().map(|&r| r as usize).collect(),
            (h, Some((c, o))) => {
                let keep = h.map(|h| {
                    let mut m = vec![false; self.runs];
                    for &r in h.iter() {
                        m[r as usize] = true;
                    }
                    m
                });
                self.sorted(c, o)
                    .iter()
                    .map(|&r| r as usize)
                    .filter(|&r| keep.as_ref().is_none_or(|m| m[r]))
                    .collect()
            }
        })
    }

    /// One page of a query.
    pub fn page(&self, q: &Query) -> Result<Page> {
        let sort = q.sort.as_ref().map(|(c, o)| (c.as_str(), *o));
        if let (None, None) = (&q.filter, sort) {
            let end = q.offset.saturating_add(q.limit).min(self.runs);
            return Ok(Page {
                matched: self.runs,
                rows: (q.offset.min(end)..end).collect(),
            });
        }
        let all = self.select_all(q.filter.as_deref(), sort)?;
        Ok(Page {
            matched: all.len(),
            rows: all.iter().skip(q.offset).take(q.limit).copied().collect(),
        })
    }
}

fn meta(name: &str) -> ColumnInfo {
    ColumnInfo {
        name: name.to_string(),
        kind: ColumnKind::Meta,
        unit: None,
        path: name.to_string(),
    }
}

/// The names an expression reads, each once.
fn names_in(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Lit(_) => {}
        Expr::Name(n) => {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        Expr::Not(x) | Expr::Neg(x) => names_in(x, out),
        Expr::Bin(a, _, b) => {
            names_in(a, out);
            names_in(b, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RunTable {
        let cols = vec![
            meta("run"),
            meta("status"),
            ColumnInfo {
                name: "rule_number".into(),
                kind: ColumnKind::Param,
                unit: None,
                path: "parameters.rule_number".into(),
            },
            ColumnInfo {
                name: "stats.z".into(),
                kind: ColumnKind::Result,
                unit: Some("mV".into()),
                path: "results.runs.crun.stats".into(),
            },
        ];
        let cells = vec![
            (0..4).map(Cell::Int).collect(),
            vec![Cell::Str("completed".into()); 4],
            vec![Cell::Int(30), Cell::Int(110), Cell::Int(150), Cell::Int(90)],
            vec![Cell::Num(0.5), Cell::Null, Cell::Num(0.1), Cell::Num(0.9)],
        ];
        RunTable::from_columns(cols, cells, 4)
    }

    #[test]
    fn filters_sort_and_pages() {
        let t = table();
        assert_eq!(*t.filter("rule_number > 100").unwrap(), vec![1, 2]);
        // A run lacking z does not match; `z` is the shortcut of `stats.z`.
        assert_eq!(*t.filter("z < 1").unwrap(), vec![0, 2, 3]);
        assert_eq!(
            t.select_all(None, Some(("z", Order::Desc))).unwrap(),
            vec![3, 0, 2, 1]
        );
        let p = t
            .page(&Query {
                filter: Some("parameters.rule_number < 120".into()),
                sort: Some(("rule_number".into(), Order::Asc)),
                offset: 1,
                limit: 1,
            })
            .unwrap();
        assert_eq!((p.matched, p.rows), (3, vec![3]));
        assert_eq!(t.columns()[3].label(), "stats.z [mV]");
    }

    #[test]
    fn bad_names_and_types_are_errors_that_list_the_columns() {
        let t = table();
        let e = t.filter("nope > 1").unwrap_err().to_string();
        assert!(
            e.contains("'nope' is not a column") && e.contains("rule_number"),
            "{e}"
        );
        let e = t.filter("rule_number + 1").unwrap_err().to_string();
        assert!(e.contains("not true/false"), "{e}");
        assert!(t.filter("rule_number >").is_err());
    }
}
