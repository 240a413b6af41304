//! `pet plot`: a scalar against one or two explored parameters, or an array
//! result drawn as a labelled image per run, into a PNG or SVG file.

use std::path::Path;

use anyhow::{Context, Result};

use pet_core::storage::ColumnPath;
use pet_core::LoadSpec;
use pet_view::panels::{Panel, Panels};
use pet_view::{render, Chart, Format, PlotSpec, RunTable, Style};

use crate::safe_text::clean;
use crate::stores;

/// What `pet plot` was asked for.
pub struct PlotArgs<'a> {
    /// Store URL or path.
    pub store: &'a str,
    /// Trajectory name.
    pub traj: Option<&'a str>,
    /// The chart.
    pub spec: PlotSpec,
    /// Runs to draw.
    pub filter: Option<&'a str>,
    /// Output file (.png or .svg).
    pub out: &'a Path,
    /// Draw the Y result of each run as an image.
    pub image: bool,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// Draws the chart and writes it.
pub fn plot(a: PlotArgs<'_>) -> Result<()> {
    let out = a.out.to_string_lossy();
    let format = Format::of_path(&out)?;
    let t = stores::load(a.store, a.traj, LoadSpec::default())?;
    let table = RunTable::build(&t)?;
    let rows = table.select_all(a.filter, None)?;
    let title = format!("{} in {}", t.name(), a.store);
    let mut spec = a.spec;
    spec.title = if spec.title.is_empty() {
        title.clone()
    } else {
        spec.title
    };
    if a.image {
        let store = t.store_handle().context("the trajectory has no store")?;
        let column = ColumnPath::of_name(&spec.y)?;
        let mut panels = Vec::new();
        for &i in rows.iter().take(pet_view::panels::MAX_PANELS + 1) {
            let info = t.run_info(i)?;
            if !info.completed {
                continue;
            }
            let path = column.path_of(i);
            let data = store
                .read_data(t.name(), &path)
                .with_context(|| format!("cannot read {path}"))?;
            let label = format!("{}: {}", info.name(), info.summary);
            panels.push(Panel::of_leaf(&data, &path, None, label)?);
        }
        let p = Panels::new(format!("{} — {}", spec.y, title), panels, a.size.0)?;
        let (w, h) = p.size();
        let r = render(&p, format, w, h)?;
        pet_view::render::write(&r, a.out)?;
        println!("wrote {} ({} panels, {w}×{h})", clean(&out), r.layout.len());
        return Ok(());
    }
    let chart = Chart::build(&table, &rows, &spec)?;
    let r = render(&chart, format, a.size.0, a.size.1)?;
    pet_view::render::write(&r, a.out)?;
    let what = match &chart {
        Chart::Heat(_) => format!("heatmap of {} cells", r.layout.cells.len()),
        Chart::Xy(_) => format!(
            "{} points in {} series",
            r.layout.points,
            r.layout.series.len()
        ),
    };
    println!(
        "wrote {} ({what}, {} of {} runs)",
        clean(&out),
        rows.len(),
        table.len()
    );
    Ok(())
}

/// `--scatter` as a style.
pub fn style(scatter: bool) -> Style {
    if scatter {
        Style::Scatter
    } else {
        Style::Line
    }
}
