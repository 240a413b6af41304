//! The one font charts draw text with, embedded (DejaVu Sans, Bitstream Vera
//! licence in `assets/DejaVuSans.LICENSE`), so a chart looks the same on every
//! machine and needs no system fonts.

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::error::{Result, ViewError};

static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name charts ask for.
pub const FAMILY: &str = "sans-serif";

/// Registers the font with the drawing library (once per process).
pub fn ensure() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ]
        .into_iter()
        .all(|s| plotters::style::register_font(FAMILY, s, DEJAVU_SANS).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ViewError::Draw("the embedded font does not load".into()))
    }
}
