//! The JSON API and the plots behind the dashboard (`docs/api.md`): the store
//! and its trajectories, pages of runs (filtered, sorted, paged server-side), one
//! run, one node, a chart, an array image. Every handler only reads.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value as Json_};

use pet_core::{name, NodeKind};
use pet_view::panels::{Panel, Panels};
use pet_view::{render, Chart, Format, Order, PlotSpec, Query, Style};

use crate::error::ApiError;
use crate::state::{AppState, Snapshot};
use crate::values;

/// Largest page of runs.
pub const MAX_PAGE: usize = 1000;
/// Default page of runs.
const DEFAULT_PAGE: usize = 50;

type Shared = State<Arc<AppState>>;

/// Query parameters, checked against the names a handler knows.
struct Params(BTreeMap<String, String>);

impl Params {
    fn parse(raw: Option<String>, known: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::bad(format!("the query string does not decode: {e}")))?;
        let mut m = BTreeMap::new();
        for (k, v) in pairs {
            if !known.contains(&k.as_str()) {
                return Err(ApiError::bad(format!(
                    "unknown query parameter '{k}'; this endpoint takes: {}",
                    known.join(", ")
                )));
            }
            if v.len() > pet_view::expr::MAX_LEN {
                return Err(ApiError::bad(format!(
                    "query parameter '{k}' is longer than {} bytes",
                    pet_view::expr::MAX_LEN
                )));
            }
            m.insert(k, v);
        }
        Ok(Params(m))
    }

    fn text(&self, k: &str) -> Option<String> {
        self.0.get(k).filter(|v| !v.is_empty()).cloned()
    }

    fn number(&self, k: &str, default: u64, lo: u64, hi: u64) -> Result<u64, ApiError> {
        let Some(v) = self.text(k) else {
            return Ok(default);
        };
        let n: u64 = v
            .parse()
            .map_err(|_| ApiError::bad(format!("'{k}' must be a whole number, not '{v}'")))?;
        if n < lo || n > hi {
            return Err(ApiError::bad(format!(
                "'{k}' must be between {lo} and {hi}, not {n}"
            )));
        }
        Ok(n)
    }
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("the request failed inside the server: {e}"),
    })?
}

fn traj_json(s: &Snapshot) -> Json_ {
    let t = &s.traj;
    let cols = s.table.columns();
    let of_kind = |k| {
        cols.iter()
            .filter(|c| c.kind == k)
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    let provenance: Vec<Json_> = t
        .children("config.provenance")
        .unwrap_or_default()
        .into_iter()
        .map(|session| {
            let items: Vec<Json_> = t
                .leaves(&session)
                .into_iter()
                .filter_map(|leaf| {
                    let v = t.node(&leaf).ok()?.data.as_ref()?.value_at(&leaf)?.clone();
                    let shown = pet_view::provenance::shown(name::last(&leaf), &v);
                    Some(json!([name::last(&leaf), shown]))
                })
                .collect();
            json!({"session": name::last(&session), "items": items})
        })
        .collect();
    json!({
        "name": s.info.name,
        "comment": s.info.comment,
        "created": s.info.created,
        "created_utc": pet_core::time::utc_timestamp(s.info.created),
        "pet_version": s.info.pet_version,
        "runs": s.counts.runs,
        "completed": s.counts.completed,
        "pending": s.counts.runs.saturating_sub(s.counts.completed),
        "explored": of_kind(pet_view::ColumnKind::Param),
        "results": of_kind(pet_view::ColumnKind::Result),
        "nodes": t.node_count(),
        "provenance": provenance,
        "generation": s.generation,
    })
}

/// `GET /api/store`
pub async fn store(State(st): Shared) -> Json<Json_> {
    let trajs: Vec<Json_> = st.snapshots().iter().map(|s| traj_json(s)).collect();
    Json(json!({
        "store": st.url,
        "version": pet_core::VERSION,
        "read_only": true,
        "trajectories": trajs,
    }))
}

/// `GET /api/traj/{name}/runs`
pub async fn runs(
    State(st): Shared,
    Path(traj): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Json_>, ApiError> {
    let p = Params::parse(raw, &["offset", "limit", "sort", "order", "where"])?;
    let snap = st.get(&traj)?;
    blocking(move || {
        let started = Instant::now();
        let limit = p.number("limit", DEFAULT_PAGE as u64, 1, MAX_PAGE as u64)? as usize;
        let offset = p.number("offset", 0, 0, u64::MAX)? as usize;
        let order = match p.text("order").as_deref() {
            None | Some("asc") => Order::Asc,
            Some("desc") => Order::Desc,
            Some(other) => {
                return Err(ApiError::bad(format!(
                    "'order' is asc or desc, not '{other}'"
                )))
            }
        };
        let sort = p.text("sort");
        let q = Query {
            filter: p.text("where"),
            sort: sort.clone().map(|s| (s, order)),
            offset,
            limit,
        };
        let t = &snap.table;
        let page = t.page(&q)?;
        let columns: Vec<Json_> = t
            .columns()
            .iter()
            .map(|c| json!({"name": c.name, "kind": c.kind, "unit": c.unit}))
            .collect();
        let rows: Vec<Json_> = page
            .rows
            .iter()
            .map(|&r| {
                let cells: Vec<Json_> = (0..t.columns().len())
                    .map(|c| t.cell(c, r).json())
                    .collect();
                json!({"index": r, "cells": cells})
            })
            .collect();
        Ok(Json(json!({
            "total": t.len(),
            "matched": page.matched,
            "offset": offset,
            "limit": limit,
            "sort": sort,
            "order": if order == Order::Asc { "asc" } else { "desc" },
            "columns": columns,
            "rows": rows,
            "generation": snap.generation,
            "elapsed_ms": started.elapsed().as_secs_f64() * 1e3,
        })))
    })
    .await
}

/// `GET /api/traj/{name}/runs/{index}`
pub async fn run(
    State(st): Shared,
    Path((traj, index)): Path<(String, String)>,
) -> Result<Json<Json_>, ApiError> {
    let snap = st.get(&traj)?;
    let index: usize = index.parse().map_err(|_| {
        ApiError::bad(format!(
            "the run index must be a whole number, not '{index}'"
        ))
    })?;
    let store = st.store.clone();
    blocking(move || {
        let t = &snap.traj;
        let info = t.run_info(index).map_err(|_| {
            ApiError::not_found(format!(
                "run {index} does not exist; the trajectory has {} runs",
                t.len()
            ))
        })?;
        let mut params = Vec::new();
        for leaf in t.leaves(name::PARAMETERS) {
            let v = t.param_value_at(&leaf, index)?;
            let comment = t.node(&leaf).map(|n| n.comment.clone()).unwrap_or_default();
            params.push(json!({
                "name": leaf.strip_prefix("parameters.").unwrap_or(&leaf),
                "value": values::small(v),
                "summary": values::summary(v),
                "comment": comment,
                "explored": t.explored_names().contains(&leaf),
            }));
        }
        // One read per leaf runs store (each a lookup by path), not a scan of the run.
        let mut results = Vec::new();
        if info.completed {
            for pattern in snap.table.leaves() {
                let path = pattern.path_of(index);
                let data = match store.read_data(&traj, &path) {
                    Ok(d) => d,
                    Err(pet_core::PetError::NotFound(_)) => continue,
                    Err(e) => return Err(e.into()),
                };
                results.push(json!({
                    "path": path,
                    "comment": "",
                    "items": values::items(&traj, &path, &data),
                }));
            }
        }
        Ok(Json(json!({
            "index": index,
            "name": info.name(),
            "status": if info.completed { "completed" } else { "pending" },
            "started": info.started,
            "finished": info.finished,
            "runtime": info.runtime(),
            "summary": info.summary,
            "parameters": params,
            "results": results,
        })))
    })
    .await
}

/// `GET /api/traj/{name}/node?path=P`
pub async fn node(
    State(st): Shared,
    Path(traj): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Json_>, ApiError> {
    let p = Params::parse(raw, &["path"])?;
    let path = p
        .text("path")
        .ok_or_else(|| ApiError::bad("give the node with ?path=FULL.PATH"))?;
    let snap = st.get(&traj)?;
    let store = st.store.clone();
    blocking(move || {
        let t = &snap.traj;
        let Some(full) = t.resolve(&path).ok() else {
            // A run's leaf the snapshot does not hold: read it from the store.
            let data = run_leaf(&store, &traj, &path)?;
            return Ok(Json(json!({
                "path": path,
                "kind": "result",
                "comment": "",
                "items": values::items(&traj, &path, &data),
            })));
        };
        let node = t.node(&full)?;
        match &node.kind {
            NodeKind::Group => Ok(Json(json!({
                "path": full,
                "kind": "group",
                "comment": node.comment,
                "children": t.children(&full)?,
            }))),
            NodeKind::Link { target } => Ok(Json(json!({
                "path": full, "kind": "link", "comment": node.comment, "target": target,
            }))),
            NodeKind::Leaf { role, .. } => {
                let data = match &node.data {
                    Some(d) => d.clone(),
                    None => store.read_data(&traj, &full)?,
                };
                Ok(Json(json!({
                    "path": full,
                    "kind": role.name(),
                    "comment": node.comment,
                    "items": values::items(&traj, &full, &data),
                })))
            }
        }
    })
    .await
}

/// A leaf below a run, read from the store by full path (the snapshot keeps
/// only parameters in memory).
fn run_leaf(
    store: &Arc<dyn pet_core::Store>,
    traj: &str,
    path: &str,
) -> Result<pet_core::LeafData, ApiError> {
    if name::run_of_path(path).is_none() {
        return Err(ApiError::not_found(format!(
            "'{path}' is not part of the trajectory; give a full path such as results.runs.run_00000000.NAME"
        )));
    }
    store.read_data(traj, path).map_err(|e| match e {
        pet_core::PetError::NotFound(_) => {
            ApiError::not_found(format!("'{path}' is not part of the trajectory"))
        }
        other => other.into(),
    })
}

fn image_response(format: Format, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.mime()),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

fn format_of(file: &str, stem: &str) -> Option<Format> {
    match file.strip_prefix(stem)? {
        ".png" => Some(Format::Png),
        ".svg" => Some(Format::Svg),
        _ => None,
    }
}

/// `GET /api/traj/{name}/plot.png|plot.svg|image.png|image.svg`
pub async fn drawing(
    State(st): Shared,
    Path((traj, file)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    if let Some(f) = format_of(&file, "plot") {
        return plot(st, traj, f, raw).await;
    }
    if let Some(f) = format_of(&file, "image") {
        return image(st, traj, f, raw).await;
    }
    Err(ApiError::not_found(format!(
        "no endpoint '{file}' under a trajectory; there are runs, runs/INDEX, node, plot.png, plot.svg, image.png, image.svg"
    )))
}

async fn plot(
    st: Arc<AppState>,
    traj: String,
    format: Format,
    raw: Option<String>,
) -> Result<Response, ApiError> {
    let p = Params::parse(
        raw,
        &[
            "y", "x", "series", "y2", "where", "width", "height", "style",
        ],
    )?;
    let snap = st.get(&traj)?;
    let url = st.url.clone();
    blocking(move || {
        let width = p.number("width", 800, 200, 2000)? as u32;
        let height = p.number("height", 500, 150, 1500)? as u32;
        let style = match p.text("style").as_deref() {
            None | Some("line") => Style::Line,
            Some("scatter") => Style::Scatter,
            Some(o) => {
                return Err(ApiError::bad(format!(
                    "'style' is line or scatter, not '{o}'"
                )))
            }
        };
        let y = p
            .text("y")
            .ok_or_else(|| ApiError::bad("name the plotted result with ?y=NAME"))?;
        let t = &snap.table;
        let rows = t.select_all(p.text("where").as_deref(), None)?;
        let spec = PlotSpec {
            y,
            x: p.text("x"),
            series: p.text("series"),
            y2: p.text("y2"),
            style,
            title: format!("{traj} in {url}"),
        };
        let chart = Chart::build(t, &rows, &spec)?;
        let r = render(&chart, format, width, height)?;
        Ok(image_response(format, r.bytes))
    })
    .await
}

async fn image(
    st: Arc<AppState>,
    traj: String,
    format: Format,
    raw: Option<String>,
) -> Result<Response, ApiError> {
    let p = Params::parse(raw, &["path", "item", "width"])?;
    let path = p
        .text("path")
        .ok_or_else(|| ApiError::bad("give the array with ?path=FULL.PATH"))?;
    let snap = st.get(&traj)?;
    let store = st.store.clone();
    blocking(move || {
        let width = p.number("width", 600, 50, 2000)? as u32;
        let (full, data) = match snap.traj.resolve(&path) {
            Ok(full) => {
                let data = store.read_data(&traj, &full)?;
                (full, data)
            }
            Err(_) => (path.clone(), run_leaf(&store, &traj, &path)?),
        };
        let panel = Panel::of_leaf(&data, &full, p.text("item").as_deref(), full.clone())?;
        let panels = Panels::new(String::new(), vec![panel], width)?;
        let (w, h) = panels.size();
        let r = render(&panels, format, w, h)?;
        Ok(image_response(format, r.bytes))
    })
    .await
}
