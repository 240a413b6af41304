//! `pet plot` on a real SQLite store: a heatmap over two explored parameters, a
//! line chart per series filtered with `--where`, array results as labelled
//! images, and clear errors for what cannot be drawn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use pet_core::{vals, Trajectory};

/// A 6×5 sweep over `a` and `b` storing `z = sin(a) * b` and a small pattern.
fn store(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}", dir.join("sweep.db").display());
    let store = pet_stores::open(&url).unwrap();
    let mut t = Trajectory::create(store, "sweep", "a 6×5 sweep").unwrap();
    t.add_parameter("a", 0.0, "phase").unwrap();
    t.add_parameter("b", 0i64, "gain").unwrap();
    t.explore_cartesian([
        (
            "a",
            vals((0..6).map(|i| f64::from(i) * 0.5).collect::<Vec<_>>()),
        ),
        ("b", vals((1..=5i64).collect::<Vec<_>>())),
    ])
    .unwrap();
    t.store().unwrap();
    for i in 0..t.len() {
        let mut run = t.run(i).unwrap();
        let (a, b): (f64, i64) = (run.param("a").unwrap(), run.param("b").unwrap());
        run.add_result("z", a.sin() * b as f64).unwrap();
        let p = ndarray::Array2::from_shape_fn((8, 12), |(r, c)| u8::from((r + c + i) % 3 == 0));
        run.add_result("pattern", p.into_dyn()).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    url
}

fn png_size(path: &std::path::Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    let be = |s: &[u8]| u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
    (be(&b[16..20]), be(&b[20..24]))
}

fn pet(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("pet").unwrap().args(args).assert()
}

#[test]
fn heatmaps_lines_and_images() {
    let dir = tempfile::tempdir().unwrap();
    let url = store(dir.path());
    let heat = dir.path().join("heat.png");
    let out = pet(&[
        "plot",
        &url,
        "z",
        "--x",
        "a",
        "--y2",
        "b",
        "--out",
        heat.to_str().unwrap(),
    ])
    .success();
    let said = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        said.contains("heatmap of 30 cells, 30 of 30 runs"),
        "{said}"
    );
    assert_eq!(png_size(&heat), (900, 560));
    if let Ok(d) = std::env::var("PET_SCREENSHOTS") {
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(&heat, std::path::Path::new(&d).join("plot-heatmap.png")).unwrap();
    }

    let svg = dir.path().join("lines.svg");
    let out = pet(&[
        "plot",
        &url,
        "z",
        "--series",
        "b",
        "--where",
        "b >= 4",
        "--out",
        svg.to_str().unwrap(),
    ])
    .success();
    let said = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        said.contains("12 points in 2 series, 12 of 30 runs"),
        "{said}"
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    for label in [
        "\na\n</text>",
        "\nz\n</text>",
        "\nb=4\n</text>",
        "\nb=5\n</text>",
        "\nsweep in ",
    ] {
        assert!(text.contains(label), "no {label:?} in the SVG");
    }

    let img = dir.path().join("patterns.png");
    let out = pet(&[
        "plot",
        &url,
        "pattern",
        "--image",
        "--where",
        "a == 0",
        "--out",
        img.to_str().unwrap(),
    ])
    .success();
    let said = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(said.contains("(5 panels"), "{said}");
    let (w, h) = png_size(&img);
    assert!(w > 100 && h > 50, "{w}×{h}");
}

#[test]
fn what_cannot_be_drawn_is_an_error_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let url = store(dir.path());
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["nope".into(), "--out".into(), out("x.png")],
            "'nope' is not a column",
        ),
        (
            vec!["z".into(), "--out".into(), out("x.gif")],
            "neither .png nor .svg",
        ),
        (
            vec![
                "z".into(),
                "--where".into(),
                "a >".into(),
                "--out".into(),
                out("x.png"),
            ],
            "bad --where",
        ),
        (
            vec![
                "z".into(),
                "--width".into(),
                "9000".into(),
                "--out".into(),
                out("x.png"),
            ],
            "outside",
        ),
        (
            vec!["z".into(), "--image".into(), "--out".into(), out("x.png")],
            "not a numeric array",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["plot".to_string(), url.clone()];
        all.extend(args.iter().cloned());
        let refs: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
        let a = pet(&refs).failure();
        let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!dir.path().join("x.png").exists() && !dir.path().join("x.gif").exists());
}
