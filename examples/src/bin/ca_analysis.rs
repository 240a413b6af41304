//! Analysis of the cellular automata sweep: loads lazily, iterates the runs,
//! finds runs with 30 < rule < 120, and draws the six patterns with `pet-view`
//! (the panels `pet plot STORE pattern --image` draws), each labelled with its rule.
//! `cargo run --release -p pet-examples --bin ca_analysis [STORE_URL] [--out FILE]`

use pet::prelude::*;
use pet_view::panels::{array2, Panel, Panels};

fn main() -> anyhow::Result<()> {
    let url = pet_examples::store_url("sqlite://results/ca.db")?;
    let out = std::env::args()
        .skip_while(|a| a != "--out")
        .nth(1)
        .unwrap_or_else(|| "results/ca_patterns.png".to_string());
    let store = pet::open_store(&url)?;
    // Parameters with data, results as skeleton, per-run results on demand.
    let mut traj = Trajectory::load(store, "cellular_automata", LoadSpec::default())?;
    println!("{} runs in {url}", traj.len());
    let hits = traj.find_runs(|p| {
        let rule = p.get::<i64>("rule_number")?;
        Ok(30 < rule && rule < 120)
    })?;
    let names: Vec<String> = hits.iter().map(|&i| pet::name::run_name(i)).collect();
    println!("runs with 30 < rule_number < 120: {}", names.join(", "));

    let mut panels = Vec::new();
    for i in 0..traj.len() {
        traj.set_run(i)?;
        let rule = traj.get_as::<i64>("rule_number")?;
        // Touching the run's result loads just that result from the store.
        let pattern = traj.get(&format!("results.runs.{}.pattern", pet::name::run_name(i)))?;
        let data =
            array2(&pattern).ok_or_else(|| anyhow::anyhow!("pattern of run {i} is not 2-D"))?;
        let marked = hits.contains(&i);
        println!(
            "{}: rule {rule}{}",
            pet::name::run_name(i),
            if marked { " (selected)" } else { "" }
        );
        panels.push(Panel {
            label: format!("rule {rule}{}", if marked { ", selected" } else { "" }),
            data,
        });
    }
    pet_examples::ensure_parent(&out)?;
    let panels = Panels::new(
        "Elementary cellular automata (selected: 30 < rule < 120)".into(),
        panels,
        1260,
    )?;
    let (w, h) = panels.size();
    let format = pet_view::Format::of_path(&out)?;
    let drawn = pet_view::render(&panels, format, w, h)?;
    pet_view::render::write(&drawn, std::path::Path::new(&out))?;
    println!("wrote {out} ({w}×{h}, one panel per rule)");
    Ok(())
}
