//! Colours: viridis for values (perceptually uniform, readable in grey), a
//! ten-colour cycle for series, black on white for 0/1 patterns.

use plotters::style::RGBColor;

/// Viridis at 9 stops; [`viridis`] interpolates between them.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The viridis colour of `t` in `[0, 1]` (clamped; NaN is the low end).
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Series colours (Tableau 10).
const SERIES: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// The colour of series number `i`.
pub fn series(i: usize) -> RGBColor {
    let (r, g, b) = SERIES[i % SERIES.len()];
    RGBColor(r, g, b)
}

/// Colour of a cell with no value.
pub const MISSING: RGBColor = RGBColor(220, 220, 220);

/// How an array's values map to colours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shading {
    /// Only 0 and 1: white and black (cellular automata, masks).
    Binary,
    /// Viridis from `min` to `max`.
    Range {
        /// Value drawn darkest.
        min: f64,
        /// Value drawn brightest.
        max: f64,
    },
}

impl Shading {
    /// The shading that fits a set of values.
    pub fn fit<'a>(values: impl Iterator<Item = &'a f64>) -> Shading {
        let (mut min, mut max, mut binary) = (f64::INFINITY, f64::NEG_INFINITY, true);
        for &v in values.filter(|v| v.is_finite()) {
            min = min.min(v);
            max = max.max(v);
            binary &= v == 0.0 || v == 1.0;
        }
        if binary {
            Shading::Binary
        } else if min > max {
            Shading::Range { min: 0.0, max: 1.0 }
        } else {
            Shading::Range { min, max }
        }
    }

    /// The colour of one value.
    pub fn colour(&self, v: f64) -> RGBColor {
        match *self {
            _ if !v.is_finite() => MISSING,
            Shading::Binary if v == 0.0 => RGBColor(255, 255, 255),
            Shading::Binary => RGBColor(0, 0, 0),
            Shading::Range { min, max } if max > min => viridis((v - min) / (max - min)),
            Shading::Range { .. } => viridis(0.5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_binary_patterns() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(7.0), viridis(1.0));
        let s = Shading::fit([0.0, 1.0, 1.0].iter());
        assert_eq!(s, Shading::Binary);
        assert_eq!(s.colour(1.0), RGBColor(0, 0, 0));
        let s = Shading::fit([2.0, 4.0].iter());
        assert_eq!(s.colour(4.0), viridis(1.0));
    }
}
