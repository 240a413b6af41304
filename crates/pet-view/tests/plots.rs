//! The chart builders on a real SQLite store: image sizes, labels in the SVG,
//! the colour of a known heatmap cell read back from the PNG, array panels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pet_core::{vals, LoadSpec, Trajectory, Value};
use pet_view::palette::viridis;
use pet_view::panels::{array2, Panel, Panels};
use pet_view::{render, Chart, Format, PlotSpec, RunTable, Style};

/// A 4×3 sweep over `x` (in ms) and `y`, storing `z = x + y / 10` (in mV) and a
/// 2×3 pattern per run.
fn store(dir: &std::path::Path) -> Trajectory {
    let url = format!("sqlite://{}", dir.join("plots.db").display());
    let store = pet_stores::open(&url).unwrap();
    let mut t = Trajectory::create(store, "sweep", "plots").unwrap();
    t.add_parameter("x", Value::with_unit(0.0, "ms"), "time")
        .unwrap();
    t.add_parameter("y", 0i64, "level").unwrap();
    t.explore_cartesian([
        (
            "x",
            vals([1.0, 2.0, 3.0, 4.0].map(|v| Value::with_unit(v, "ms"))),
        ),
        ("y", vals([10i64, 20, 30])),
    ])
    .unwrap();
    t.store().unwrap();
    for i in 0..t.len() {
        let mut run = t.run(i).unwrap();
        let x: f64 = match run.param::<Value>("x").unwrap() {
            Value::Quantity(q) => q.value.as_scalar().unwrap().as_f64().unwrap(),
            other => panic!("{other:?}"),
        };
        let y: i64 = run.param("y").unwrap();
        run.add_result("z", Value::with_unit(x + y as f64 / 10.0, "mV"))
            .unwrap();
        let pattern = ndarray::arr2(&[[0u8, 1, 0], [1, (i % 2) as u8, 1]]).into_dyn();
        run.add_result("pattern", pattern).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    let store = t.store_handle().unwrap().clone();
    Trajectory::load(store, "sweep", LoadSpec::default()).unwrap()
}

fn spec(y: &str) -> PlotSpec {
    PlotSpec {
        y: y.into(),
        title: "sweep in plots.db".into(),
        ..PlotSpec::default()
    }
}

#[test]
fn the_table_holds_parameters_results_and_units() {
    let dir = tempfile::tempdir().unwrap();
    let t = store(dir.path());
    let table = RunTable::build(&t).unwrap();
    assert_eq!(table.len(), 12);
    assert_eq!(table.completed(), 12);
    let names: Vec<String> = table.columns().iter().map(|c| c.label()).collect();
    assert_eq!(
        names,
        ["run", "status", "runtime [s]", "x [ms]", "y", "z [mV]"]
    );
    let z = table.column_index("z").unwrap();
    assert_eq!(table.cell(z, 5).num(), Some(2.0 + 30.0 / 10.0));
    assert_eq!(*table.filter("y == 20 && x > 2").unwrap(), vec![7, 10]);
}

#[test]
fn a_heatmap_cell_has_the_colour_of_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let t = store(dir.path());
    let table = RunTable::build(&t).unwrap();
    let rows: Vec<usize> = (0..table.len()).collect();
    let mut s = spec("z");
    s.y2 = Some("y".into());
    let chart = Chart::build(&table, &rows, &s).unwrap();
    let r = render(&chart, Format::Png, 800, 500).unwrap();
    let img = image::load_from_memory(&r.bytes).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (800, 500));
    assert_eq!(r.layout.cells.len(), 12);
    // z runs from 2 (x=1, y=10) to 7 (x=4, y=30): the cell x=2, y=20 holds 4.
    let (min, max) = (2.0, 7.0);
    for (x, y, z) in [("2", "20", 4.0), ("1", "10", 2.0), ("4", "30", 7.0)] {
        let cell = r
            .layout
            .cells
            .iter()
            .find(|c| c.x == x && c.y == y)
            .unwrap();
        assert_eq!(cell.value, Some(z));
        let (l, t, rr, b) = cell.rect;
        assert!(rr - l > 20 && b - t > 20, "{:?}", cell.rect);
        let px = img.get_pixel(((l + rr) / 2) as u32, ((t + b) / 2) as u32);
        let want = viridis((z - min) / (max - min));
        assert_eq!(
            (px[0], px[1], px[2]),
            (want.0, want.1, want.2),
            "cell x={x} y={y}"
        );
    }
    // Higher y is drawn higher up.
    let low = r
        .layout
        .cells
        .iter()
        .find(|c| c.x == "1" && c.y == "10")
        .unwrap();
    let high = r
        .layout
        .cells
        .iter()
        .find(|c| c.x == "1" && c.y == "30")
        .unwrap();
    assert!(high.rect.1 < low.rect.1);
}

#[test]
fn an_svg_chart_names_its_axes_series_and_title() {
    let dir = tempfile::tempdir().unwrap();
    let t = store(dir.path());
    let table = RunTable::build(&t).unwrap();
    let rows: Vec<usize> = (0..table.len()).collect();
    let mut s = spec("z");
    s.series = Some("y".into());
    let chart = Chart::build(&table, &rows, &s).unwrap();
    let r = render(&chart, Format::Svg, 640, 400).unwrap();
    let svg = String::from_utf8(r.bytes).unwrap();
    for text in [
        "sweep in plots.db",
        "x [ms]",
        "z [mV]",
        "y=10",
        "y=20",
        "y=30",
    ] {
        assert!(
            svg.contains(&format!("\n{text}\n</text>")),
            "no text {text:?} in the SVG"
        );
    }
    assert!(svg.starts_with("<svg") && svg.contains("width=\"640\""));
    assert_eq!(r.layout.series, ["y=10", "y=20", "y=30"]);
    assert_eq!(r.layout.points, 12);
    // Without a series, the 3 runs at each x are averaged, and the title says so.
    let chart = Chart::build(
        &table,
        &rows,
        &PlotSpec {
            style: Style::Scatter,
            ..spec("z")
        },
    )
    .unwrap();
    let r = render(&chart, Format::Svg, 640, 400).unwrap();
    assert_eq!(r.layout.points, 4);
    assert!(String::from_utf8(r.bytes)
        .unwrap()
        .contains("mean over runs per point"));
}

#[test]
fn bad_requests_are_errors_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let t = store(dir.path());
    let table = RunTable::build(&t).unwrap();
    let rows: Vec<usize> = (0..table.len()).collect();
    let e = Chart::build(&table, &rows, &spec("nope"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'nope' is not a column") && e.contains("z"),
        "{e}"
    );
    let e = Chart::build(&table, &rows, &spec("status"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a number"), "{e}");
    let chart = Chart::build(&table, &rows, &spec("z")).unwrap();
    let e = render(&chart, Format::Png, 5000, 100)
        .unwrap_err()
        .to_string();
    assert!(e.contains("outside"), "{e}");
    let e = Chart::build(&table, &[], &spec("z"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nothing to draw"), "{e}");
}

#[test]
fn array_panels_are_labelled_and_drawn_black_on_white() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = store(dir.path());
    let panels: Vec<Panel> = (0..4)
        .map(|i| {
            let v: Value = t
                .get(&format!(
                    "results.runs.{}.pattern",
                    pet_core::name::run_name(i)
                ))
                .unwrap();
            Panel {
                label: format!("run {i}"),
                data: array2(&v).unwrap(),
            }
        })
        .collect();
    let p = Panels::new("patterns".into(), panels, 400).unwrap();
    let (w, h) = p.size();
    let r = render(&p, Format::Png, w, h).unwrap();
    let img = image::load_from_memory(&r.bytes).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (w, h));
    let s = p.scale as i32;
    let (x0, y0) = r.layout[1];
    // Element (0, 1) is 1 (black), (0, 0) is 0 (white); run 1 has (1, 1) = 1.
    let at = |i: i32, j: i32| {
        img.get_pixel((x0 + j * s + s / 2) as u32, (y0 + i * s + s / 2) as u32)
            .0
    };
    assert_eq!(at(0, 1), [0, 0, 0]);
    assert_eq!(at(0, 0), [255, 255, 255]);
    assert_eq!(at(1, 1), [0, 0, 0]);
    let svg = render(&p, Format::Svg, w, h).unwrap();
    assert!(String::from_utf8(svg.bytes)
        .unwrap()
        .contains("\nrun 3\n</text>"));
    assert!(Panels::new(String::new(), vec![], 400).is_err());
}
