//! Array results drawn as images, a labelled panel each (the patterns of a
//! cellular automata sweep, one per rule): 0/1 arrays black on white, other
//! values in viridis over the range of all panels.

use ndarray::{Array2, Ix2};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use pet_core::value::Array;
use pet_core::{LeafData, PetError, Value};

use crate::error::{Result, ViewError};
use crate::font::FAMILY;
use crate::palette::Shading;
use crate::render::{Draw, MAX_PIXELS};

/// Most panels in one image.
pub const MAX_PANELS: usize = 64;

/// One array and its label.
#[derive(Clone, Debug)]
pub struct Panel {
    /// Text above the panel (`rule_number=30`).
    pub label: String,
    /// The values, row by row (the first axis goes down).
    pub data: Array2<f64>,
}

/// Panels in a grid.
#[derive(Clone, Debug)]
pub struct Panels {
    /// Title above the grid (empty: none).
    pub title: String,
    /// The panels, left to right, top to bottom.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Pixels per array element.
    pub scale: u32,
}

const GAP: u32 = 14;
const LABEL: u32 = 22;
const TITLE: u32 = 30;

/// A numeric array of one or two dimensions as a 2-D array of f64 (1-D: one row).
pub fn array2(v: &Value) -> Option<Array2<f64>> {
    let a: &Array = match v {
        Value::Array(a) => a,
        Value::Quantity(q) => return array2(&q.value),
        _ => return None,
    };
    macro_rules! conv {
        ($($v:ident),*) => {
            match a {
                $(Array::$v(x) => x.mapv(|e| e as f64),)*
                Array::Bool(x) => x.mapv(|b| f64::from(u8::from(b))),
                Array::F32(x) => x.mapv(f64::from),
                Array::F64(x) => x.clone(),
                _ => return None,
            }
        };
    }
    let d = conv!(I8, I16, I32, I64, U8, U16, U32, U64);
    match d.ndim() {
        1 => {
            let n = d.len();
            d.into_shape_with_order((1, n)).ok()
        }
        2 => d.into_dimensionality::<Ix2>().ok(),
        _ => None,
    }
}

impl Panel {
    /// The panel of the array a leaf at `path` holds: its item `item`, or its
    /// only value. A missing item is not found; a value that is not a numeric
    /// array of one or two dimensions cannot be drawn.
    pub fn of_leaf(
        data: &LeafData,
        path: &str,
        item: Option<&str>,
        label: String,
    ) -> Result<Panel> {
        let v = match (data, item) {
            (LeafData::Result { items }, Some(item)) => items
                .get(item)
                .ok_or_else(|| PetError::NotFound(format!("{path} (item '{item}')")))?,
            (d, _) => d.single_value(path)?,
        };
        let data = array2(v).ok_or_else(|| {
            ViewError::Unplottable(format!(
                "'{path}' is {}, not a numeric array of one or two dimensions",
                v.signature()
            ))
        })?;
        Ok(Panel { label, data })
    }
}

impl Panels {
    /// Panels in about-square rows, scaled so the image is near `target` pixels wide.
    pub fn new(title: String, panels: Vec<Panel>, target: u32) -> Result<Panels> {
        if panels.is_empty() {
            return Err(ViewError::Unplottable(
                "no array to draw: no run matched or stored it".into(),
            ));
        }
        if panels.len() > MAX_PANELS {
            return Err(ViewError::TooLarge(format!(
                "{} panels is more than {MAX_PANELS}; select fewer runs with --where",
                panels.len()
            )));
        }
        let columns = (panels.len() as f64).sqrt().ceil() as usize;
        let widest = panels
            .iter()
            .map(|p| p.data.ncols())
            .max()
            .unwrap_or(1)
            .max(1);
        let per = (target as usize / columns)
            .saturating_sub(GAP as usize)
            .max(1);
        let scale = (per / widest).clamp(1, 16) as u32;
        let p = Panels {
            title,
            panels,
            columns,
            scale,
        };
        let (w, h) = p.size();
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(ViewError::TooLarge(format!(
                "the panels need {w}×{h} pixels, more than {MAX_PIXELS}; select fewer runs"
            )));
        }
        Ok(p)
    }

    /// Pixels of one grid cell: the widest and the tallest panel, scaled.
    fn cell(&self) -> (u32, u32) {
        let most = |f: fn(&Panel) -> usize| {
            self.panels.iter().map(f).max().unwrap_or(1) as u32 * self.scale
        };
        (most(|p| p.data.ncols()), most(|p| p.data.nrows()))
    }

    /// The image size that holds every panel.
    pub fn size(&self) -> (u32, u32) {
        let cols = self.columns.max(1);
        let rows = self.panels.len().div_ceil(cols);
        let (cw, ch) = self.cell();
        let top = if self.title.is_empty() { 0 } else { TITLE };
        (
            cols as u32 * (cw + GAP) + GAP,
            top + rows as u32 * (ch + LABEL + GAP) + GAP,
        )
    }
}

impl Draw for Panels {
    type Layout = Vec<(i32, i32)>;
    /// Draws the panels; reports each panel's top-left pixel.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Vec<(i32, i32)>>
    where
        DB::ErrorType: 'static,
    {
        let shade = Shading::fit(self.panels.iter().flat_map(|p| p.data.iter()));
        let (cw, ch) = self.cell();
        let (cw, ch) = (cw as i32, ch as i32);
        let mut top = GAP as i32;
        if !self.title.is_empty() {
            let (w, _) = area.dim_in_pixel();
            let style =
                TextStyle::from((FAMILY, 18).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
            area.draw_text(&self.title, &style, (w as i32 / 2, 6))?;
            top += TITLE as i32 - GAP as i32;
        }
        let s = self.scale as i32;
        let label = TextStyle::from((FAMILY, 14).into_font());
        let mut corners = Vec::new();
        for (k, p) in self.panels.iter().enumerate() {
            let (c, r) = ((k % self.columns) as i32, (k / self.columns) as i32);
            let x0 = GAP as i32 + c * (cw + GAP as i32);
            let y0 = top + r * (ch + LABEL as i32 + GAP as i32);
            area.draw_text(&p.label, &label, (x0, y0 + 2))?;
            let y0 = y0 + LABEL as i32;
            for ((i, j), &v) in p.data.indexed_iter() {
                let (x, y) = (x0 + j as i32 * s, y0 + i as i32 * s);
                let colour = shade.colour(v);
                if s == 1 {
                    area.draw_pixel((x, y), &colour)?;
                } else {
                    area.draw(&Rectangle::new(
                        [(x, y), (x + s - 1, y + s - 1)],
                        colour.filled(),
                    ))?;
                }
            }
            let (pw, ph) = (p.data.ncols() as i32 * s, p.data.nrows() as i32 * s);
            area.draw(&Rectangle::new(
                [(x0 - 1, y0 - 1), (x0 + pw, y0 + ph)],
                BLACK.stroke_width(1),
            ))?;
            corners.push((x0, y0));
        }
        Ok(corners)
    }
}
