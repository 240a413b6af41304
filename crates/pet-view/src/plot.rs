//! Charts of a runs table: a scalar against one explored parameter (one line or
//! scatter series per value of a second one), or against two (a heatmap with a
//! colour bar). Points at the same coordinates are averaged, and the title says so.

use std::collections::BTreeMap;

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::cell::Cell;
use crate::error::{Result, ViewError};
use crate::font::FAMILY;
use crate::palette::{self, Shading};
use crate::render::Draw;
use crate::table::{ColumnKind, RunTable};

/// Line or scatter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// Points joined in x order, one line per series.
    #[default]
    Line,
    /// Points only.
    Scatter,
}

/// What to plot.
#[derive(Clone, Debug, Default)]
pub struct PlotSpec {
    /// The scalar plotted (a result, derived parameter or parameter column).
    pub y: String,
    /// The horizontal axis: an explored parameter (default: the first).
    pub x: Option<String>,
    /// One series per value of this parameter.
    pub series: Option<String>,
    /// A second explored parameter: the vertical axis of a heatmap.
    pub y2: Option<String>,
    /// Line or scatter (charts of one axis).
    pub style: Style,
    /// Title (the caller names the trajectory and store).
    pub title: String,
}

/// One heatmap cell and where it was drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatCell {
    /// Its value of the horizontal parameter.
    pub x: String,
    /// Its value of the vertical parameter.
    pub y: String,
    /// Mean of the plotted scalar over its runs (`None`: no run has it).
    pub value: Option<f64>,
    /// Pixel rectangle: left, top, right, bottom.
    pub rect: (i32, i32, i32, i32),
}

/// What a chart reports after drawing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// The heatmap's cells (empty for line charts).
    pub cells: Vec<HeatCell>,
    /// Series drawn, by label.
    pub series: Vec<String>,
    /// Points drawn.
    pub points: usize,
}

/// A chart with its data gathered, ready to draw on any backend.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Lines or scatter.
    Xy(XyChart),
    /// A heatmap.
    Heat(HeatChart),
}

/// Series of (x, mean y) points.
#[derive(Clone, Debug)]
pub struct XyChart {
    title: String,
    x_label: String,
    y_label: String,
    style: Style,
    series: Vec<(String, Vec<(f64, f64)>)>,
}

/// A grid of mean values over two parameters.
#[derive(Clone, Debug)]
pub struct HeatChart {
    title: String,
    x_label: String,
    y_label: String,
    z_label: String,
    xs: Vec<Cell>,
    ys: Vec<Cell>,
    grid: Vec<Vec<Option<f64>>>,
}

/// Distinct values of a column over some rows, in sort order.
fn distinct(t: &RunTable, col: usize, rows: &[usize]) -> Vec<Cell> {
    let mut v: Vec<Cell> = rows
        .iter()
        .map(|&r| t.cell(col, r))
        .filter(|c| !c.is_null())
        .cloned()
        .collect();
    v.sort_by(|a, b| a.cmp_sort(b));
    v.dedup();
    v
}

/// Most cells along a heatmap axis; more values are binned.
pub const MAX_BINS: usize = 200;

/// Values per bin so that `n` values make at most [`MAX_BINS`] bins.
fn bin_width(n: usize) -> usize {
    n.div_ceil(MAX_BINS).max(1)
}

/// A column that must hold numbers.
fn numeric(t: &RunTable, name: &str) -> Result<usize> {
    let c = t.column_index(name)?;
    let col = t.column(c);
    if matches!(col.map(|c| c.name.as_str()), Some("status")) {
        return Err(ViewError::Unplottable(format!(
            "'{name}' is not a number; plot a numeric result or parameter"
        )));
    }
    Ok(c)
}

/// Mean over the runs at each key, and whether any key had several runs.
fn means<K: Ord>(pairs: impl Iterator<Item = (K, f64)>) -> (BTreeMap<K, f64>, bool) {
    let mut acc: BTreeMap<K, (f64, usize)> = BTreeMap::new();
    for (k, v) in pairs {
        let e = acc.entry(k).or_insert((0.0, 0));
        e.0 += v;
        e.1 += 1;
    }
    let several = acc.values().any(|(_, n)| *n > 1);
    (
        acc.into_iter()
            .map(|(k, (s, n))| (k, s / n as f64))
            .collect(),
        several,
    )
}

/// Orders f64 keys for maps.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Key(f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

impl Chart {
    /// Gathers the data of `spec` over `rows` of `t`.
    pub fn build(t: &RunTable, rows: &[usize], spec: &PlotSpec) -> Result<Chart> {
        let yc = numeric(t, &spec.y)?;
        let first_param = t
            .columns()
            .iter()
            .find(|c| c.kind == ColumnKind::Param)
            .map(|c| c.name.clone());
        let x = spec.x.clone().or(first_param).ok_or_else(|| {
            ViewError::Unplottable(
                "the trajectory explores no parameter; name the x axis with --x".into(),
            )
        })?;
        let xc = numeric(t, &x)?;
        let label = |c: usize| t.column(c).map(|c| c.label()).unwrap_or_default();
        let mut title = spec.title.clone();
        if let Some(y2) = &spec.y2 {
            let vc = numeric(t, y2)?;
            // Axes of many values are binned: each cell then spans consecutive
            // values and is labelled by the first.
            let (xs_all, ys_all) = (distinct(t, xc, rows), distinct(t, vc, rows));
            let (xk, yk) = (bin_width(xs_all.len()), bin_width(ys_all.len()));
            let xs: Vec<Cell> = xs_all.iter().step_by(xk).cloned().collect();
            let ys: Vec<Cell> = ys_all.iter().step_by(yk).cloned().collect();
            let pos = |vals: &[Cell], c: &Cell| vals.binary_search_by(|v| v.cmp_sort(c)).ok();
            let (m, several) = means(rows.iter().filter_map(|&r| {
                let i = pos(&xs_all, t.cell(xc, r))? / xk;
                let j = pos(&ys_all, t.cell(vc, r))? / yk;
                Some(((i, j), t.cell(yc, r).num()?))
            }));
            if m.is_empty() {
                return Err(ViewError::Unplottable(format!(
                    "no run has '{}', '{x}' and '{y2}' as numbers; nothing to draw",
                    spec.y
                )));
            }
            let mut grid = vec![vec![None; xs.len()]; ys.len()];
            for ((i, j), v) in m {
                grid[j][i] = Some(v);
            }
            if xk > 1 || yk > 1 {
                title.push_str(&format!(" (binned: {xk}×{yk} values per cell, mean)"));
            } else if several {
                title.push_str(" (mean over runs per cell)");
            }
            return Ok(Chart::Heat(HeatChart {
                title,
                x_label: label(xc),
                y_label: label(vc),
                z_label: label(yc),
                xs,
                ys,
                grid,
            }));
        }
        let sc = spec
            .series
            .as_deref()
            .map(|s| t.column_index(s))
            .transpose()?;
        let groups: Vec<(String, Vec<usize>)> = match sc {
            None => vec![(String::new(), rows.to_vec())],
            Some(sc) => {
                // One pass over the rows: each joins the series of its value.
                let name = t.column(sc).map(|c| c.name.clone()).unwrap_or_default();
                let values = distinct(t, sc, rows);
                let mut members: Vec<Vec<usize>> = vec![Vec::new(); values.len()];
                for &r in rows {
                    if let Ok(k) = values.binary_search_by(|v| v.cmp_sort(t.cell(sc, r))) {
                        members[k].push(r);
                    }
                }
                values
                    .iter()
                    .zip(members)
                    .map(|(v, rs)| (format!("{name}={}", v.label()), rs))
                    .collect()
            }
        };
        let mut any_several = false;
        let series = groups
            .into_iter()
            .map(|(name, rs)| {
                let (m, several) = means(
                    rs.iter()
                        .filter_map(|&r| Some((Key(t.cell(xc, r).num()?), t.cell(yc, r).num()?))),
                );
                any_several |= several;
                (
                    name,
                    m.into_iter().map(|(k, v)| (k.0, v)).collect::<Vec<_>>(),
                )
            })
            .filter(|(_, pts)| !pts.is_empty())
            .collect::<Vec<_>>();
        if series.is_empty() {
            return Err(ViewError::Unplottable(format!(
                "no run has both '{}' and '{x}' as numbers; nothing to draw",
                spec.y
            )));
        }
        if any_several {
            title.push_str(" (mean over runs per point)");
        }
        Ok(Chart::Xy(XyChart {
            title,
            x_label: label(xc),
            y_label: label(yc),
            style: spec.style,
            series,
        }))
    }
}

impl Draw for Chart {
    type Layout = Layout;
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Layout>
    where
        DB::ErrorType: 'static,
    {
        match self {
            Chart::Xy(c) => c.draw(area),
            Chart::Heat(c) => c.draw(area),
        }
    }
}

/// The range spanned by values, padded so single values still show.
fn span(vals: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = vals
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.5
    };
    (lo - pad)..(hi + pad)
}

impl XyChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Layout>
    where
        DB::ErrorType: 'static,
    {
        let xr = span(self.series.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)));
        let yr = span(self.series.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FAMILY, 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xr, yr)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let mut layout = Layout::default();
        for (i, (name, pts)) in self.series.iter().enumerate() {
            let colour = palette::series(i);
            let s = if self.style == Style::Line {
                chart.draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?;
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))?
            } else {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))?
            };
            if !name.is_empty() {
                s.label(name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            }
            layout.series.push(name.clone());
            layout.points += pts.len();
        }
        if self.series.iter().any(|(n, _)| !n.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FAMILY, 12))
                .position(SeriesLabelPosition::UpperRight)
                .draw()?;
        }
        Ok(layout)
    }
}

impl HeatChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Layout>
    where
        DB::ErrorType: 'static,
    {
        let (w, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(w.saturating_sub(110));
        let vals = self.grid.iter().flatten().flatten();
        let shade = match Shading::fit(vals.clone()) {
            Shading::Binary => Shading::Range { min: 0.0, max: 1.0 },
            s => s,
        };
        let (nx, ny) = (self.xs.len() as i32, self.ys.len() as i32);
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, (FAMILY, 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (0..(nx - 1).max(0)).into_segmented(),
                (0..(ny - 1).max(0)).into_segmented(),
            )?;
        let name_of = |vals: &[Cell], v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => usize::try_from(*i)
                .ok()
                .and_then(|i| vals.get(i))
                .map(|c| c.label())
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_labels(self.xs.len().min(16))
            .y_labels(self.ys.len().min(16))
            .x_label_formatter(&|v| name_of(&self.xs, v))
            .y_label_formatter(&|v| name_of(&self.ys, v))
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 14))
            .draw()?;
        let mut layout = Layout::default();
        for (j, row) in self.grid.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let (i, j) = (i as i32, j as i32);
                let colour = v.map_or(palette::MISSING, |v| shade.colour(v));
                let (a, b) = (
                    (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                    (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
                );
                chart.draw_series(std::iter::once(Rectangle::new(
                    [a.clone(), b.clone()],
                    colour.filled(),
                )))?;
                let (p, q) = (chart.backend_coord(&a), chart.backend_coord(&b));
                layout.cells.push(HeatCell {
                    x: self.xs[i as usize].label(),
                    y: self.ys[j as usize].label(),
                    value: *v,
                    rect: (p.0.min(q.0), p.1.min(q.1), p.0.max(q.0), p.1.max(q.1)),
                });
                layout.points += usize::from(v.is_some());
            }
        }
        // The colour bar: the value range, bottom to top.
        if let Shading::Range { min, max } = shade {
            let top = if max > min { max } else { min + 1.0 };
            let mut cb = ChartBuilder::on(&bar)
                .margin_top(40)
                .margin_bottom(57)
                .margin_right(10)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..1.0, min..top)?;
            cb.configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_desc(&self.z_label)
                .label_style((FAMILY, 11))
                .axis_desc_style((FAMILY, 13))
                .draw()?;
            let steps = 64;
            cb.draw_series((0..steps).map(|k| {
                let lo = min + (top - min) * f64::from(k) / f64::from(steps);
                let hi = min + (top - min) * f64::from(k + 1) / f64::from(steps);
                Rectangle::new(
                    [(0.0, lo), (1.0, hi)],
                    shade.colour((lo + hi) / 2.0).filled(),
                )
            }))?;
        }
        Ok(layout)
    }
}
