//! The dashboard end to end in headless Chromium: open it on a cellular
//! automata store, filter the runs with `rule_number > 100`, look at the chart,
//! open a run, and check what is on screen. Screenshots go to
//! `target/tmp/dashboard/` (and to `$PET_SCREENSHOTS`, when set, for the README).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::cdp::Browser;
use common::*;

fn shots(name: &str) -> Vec<std::path::PathBuf> {
    let mut v = vec![std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("dashboard")
        .join(name)];
    if let Ok(d) = std::env::var("PET_SCREENSHOTS") {
        v.push(std::path::Path::new(&d).join(name));
    }
    v
}

fn screenshot(b: &mut Browser, name: &str) {
    for p in shots(name) {
        b.screenshot(&p);
        let png = std::fs::read(&p).unwrap();
        assert_eq!(png_size(&png), (1280, 900), "{}", p.display());
        println!("screenshot: {}", p.display());
    }
}

#[test]
fn filter_runs_open_one_and_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = ca_store(dir.path(), 6);
    let server = serve(&url, 500);
    let mut b = Browser::start(1280, 900);

    b.goto(&server.url());
    b.wait_for(
        "document.querySelector('a[href=\"#/t/cellular_automata\"]') !== null",
        "the trajectory list",
    );
    let text = b
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("Elementary cellular automata"), "{text}");
    screenshot(&mut b, "trajectories.png");

    b.eval("document.querySelector('a[href=\"#/t/cellular_automata\"]').click()");
    b.wait_for(
        "document.querySelectorAll('#runs tbody tr').length === 6",
        "six runs",
    );

    b.eval(
        "(() => { const w = document.getElementById('where'); w.value = 'rule_number > 100';
                  w.dispatchEvent(new Event('input', {bubbles: true}));
                  document.getElementById('apply').click(); })()",
    );
    b.wait_for(
        "document.querySelectorAll('#runs tbody tr').length === 3",
        "three matching runs",
    );
    b.wait_for(
        "document.getElementById('count').innerText.includes('3 of 6')",
        "the count '3 of 6'",
    );
    // The rule column shows exactly the rules above 100.
    let rules = b.eval(
        "(() => { const h = [...document.querySelectorAll('#runs thead th')].map(t => t.innerText.replace(/[▲▼]/g, '').trim());
                  const c = h.indexOf('rule_number');
                  return [...document.querySelectorAll('#runs tbody tr')].map(r => r.children[c].innerText.trim()); })()",
    );
    assert_eq!(rules, serde_json::json!(["110", "184", "190"]));
    b.wait_for(
        "(() => { const i = document.getElementById('plot'); return i && i.complete && i.naturalWidth > 0; })()",
        "the chart image",
    );
    let src = b
        .eval("document.getElementById('plot').src")
        .as_str()
        .unwrap()
        .to_string();
    assert!(src.contains("plot.png") && src.contains("where="), "{src}");
    screenshot(&mut b, "runs-filtered.png");

    b.eval("document.querySelector('#runs a.run-link[href$=\"/run/3\"]').click()");
    b.wait_for(
        "document.getElementById('run-title') && document.getElementById('run-title').innerText === 'run_00000003 (index 3)'",
        "the page of run 3",
    );
    let params = b
        .eval("document.getElementById('run-params').innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        params.contains("rule_number") && params.contains("110"),
        "{params}"
    );
    let results = b
        .eval("document.getElementById('run-results').innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        results.contains("density") && results.contains("pattern"),
        "{results}"
    );
    b.wait_for(
        "(() => { const i = document.querySelector('img.result-image'); return i && i.complete && i.naturalWidth >= 100; })()",
        "the pattern drawn as an image",
    );
    screenshot(&mut b, "run.png");
}

#[test]
fn runs_a_sweep_stores_appear_on_the_open_page() {
    let dir = tempfile::tempdir().unwrap();
    let url = ca_store(dir.path(), 3);
    let server = serve(&url, 200);
    let mut b = Browser::start(1280, 900);
    b.goto(&format!(
        "{}#/t/cellular_automata?where=status%20%3D%3D%20%22completed%22",
        server.url()
    ));
    b.wait_for(
        "document.getElementById('count').innerText.includes('3 of 6')",
        "three completed runs",
    );
    b.wait_for(
        "document.getElementById('live').checked",
        "live refresh switched on",
    );
    // Another writer finishes the sweep while the page stays open.
    {
        let store = pet_stores::open(&url).unwrap();
        let mut t =
            pet_core::Trajectory::load(store, "cellular_automata", pet_core::LoadSpec::default())
                .unwrap();
        complete(&mut t, 3..6);
        t.close().unwrap();
    }
    b.wait_for(
        "document.getElementById('count').innerText.includes('6 of 6')",
        "the new runs, without a reload",
    );
    b.wait_for(
        "document.querySelectorAll('#runs tbody tr').length === 6",
        "six rows",
    );
    // The same page: no navigation happened.
    assert_eq!(
        b.eval("performance.getEntriesByType('navigation').length"),
        serde_json::json!(1)
    );
    assert!(b.eval("location.hash").as_str().unwrap().contains("where="));
}
