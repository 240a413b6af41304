//! Turning a drawing into PNG or SVG bytes: one drawing routine, two backends.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Result, ViewError};

/// Widest and tallest chart drawn, in pixels.
pub const MAX_SIDE: u32 = 2000;
/// Largest image drawn, in pixels (width × height).
pub const MAX_PIXELS: u64 = 4_000_000;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG, RGB.
    Png,
    /// SVG, text as `<text>` elements.
    Svg,
}

impl Format {
    /// The format a file name asks for (`.png`, `.svg`).
    pub fn of_path(path: &str) -> Result<Format> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".png") {
            Ok(Format::Png)
        } else if lower.ends_with(".svg") {
            Ok(Format::Svg)
        } else {
            Err(ViewError::Unplottable(format!(
                "'{path}' ends in neither .png nor .svg; name the file FILE.png or FILE.svg"
            )))
        }
    }

    /// The media type served for it.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }
}

/// Something that draws itself on any plotters backend and reports its layout.
pub trait Draw {
    /// What the drawing reports (where a heatmap's cells went, for example).
    type Layout;
    /// Draws on `area`.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Self::Layout>
    where
        DB::ErrorType: 'static;
}

/// A drawn chart.
#[derive(Clone, Debug)]
pub struct Rendered<L> {
    /// PNG or SVG bytes.
    pub bytes: Vec<u8>,
    /// The format of `bytes`.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What the drawing reported.
    pub layout: L,
}

/// Checks a requested size against the limits.
pub fn check_size(width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ViewError::TooLarge(format!(
            "a chart of {width}×{height} pixels is outside 1–{MAX_SIDE} per side"
        )));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ViewError::TooLarge(format!(
            "a chart of {width}×{height} pixels is more than {MAX_PIXELS} pixels; ask for a smaller one"
        )));
    }
    Ok(())
}

/// Draws `d` into a `width`×`height` image of `format`.
pub fn render<D: Draw>(
    d: &D,
    format: Format,
    width: u32,
    height: u32,
) -> Result<Rendered<D::Layout>> {
    crate::font::ensure()?;
    check_size(width, height)?;
    let (bytes, layout) = match format {
        Format::Png => {
            let mut rgb = vec![255u8; width as usize * height as usize * 3];
            let layout = {
                let area =
                    BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
                area.fill(&WHITE)?;
                let layout = d.draw(&area)?;
                area.present()?;
                layout
            };
            (png(&rgb, width, height)?, layout)
        }
        Format::Svg => {
            let mut svg = String::new();
            let layout = {
                let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
                area.fill(&WHITE)?;
                let layout = d.draw(&area)?;
                area.present()?;
                layout
            };
            (svg.into_bytes(), layout)
        }
    };
    Ok(Rendered {
        bytes,
        format,
        width,
        height,
        layout,
    })
}

/// Encodes an RGB buffer as PNG.
fn png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgb, width, height, image::ColorType::Rgb8)
        .map_err(|e| ViewError::Draw(format!("PNG encoding: {e}")))?;
    Ok(out)
}

/// Writes a rendered chart to a file.
pub fn write<L>(r: &Rendered<L>, path: &std::path::Path) -> Result<()> {
    std::fs::write(path, &r.bytes).map_err(|source| ViewError::Write {
        path: path.display().to_string(),
        source,
    })
}
