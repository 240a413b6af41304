//! Analysis of the cellular automata sweep: loads lazily, iterates the runs,
//! finds runs with 30 < rule < 120, and writes a PNG of the six patterns.
//! `cargo run --release -p pet-examples --bin ca_analysis [STORE_URL] [--out FILE]`

use ndarray::ArrayD;
use pet::prelude::*;
use plotters::prelude::*;

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

    pet_examples::ensure_parent(&out)?;
    let (w, h) = (400u32, 250u32);
    let root = BitMapBackend::new(&out, (3 * w + 40, 2 * h + 30)).into_drawing_area();
    root.fill(&WHITE)?;
    for i in 0..traj.len() {
        traj.set_run(i)?;
        let rule = traj.get_as::<i64>("rule_number")?;
        // Touching the run's result loads just that result from the store.
        let pattern: ArrayD<u8> =
            traj.get_as(&format!("results.runs.{}.pattern", pet::name::run_name(i)))?;
        let (x0, y0) = (
            (i % 3) as i32 * (w as i32 + 20),
            (i / 3) as i32 * (h as i32 + 30),
        );
        for ((step, cell), &v) in pattern.indexed_iter().map(|(ix, v)| ((ix[0], ix[1]), v)) {
            let colour = if v == 1 { &BLACK } else { &WHITE };
            root.draw_pixel((x0 + cell as i32, y0 + step as i32), colour)?;
        }
        let marked = hits.contains(&i);
        root.draw(&Rectangle::new(
            [(x0 - 1, y0 - 1), (x0 + w as i32, y0 + h as i32)],
            if marked {
                RED.stroke_width(3)
            } else {
                BLACK.stroke_width(1)
            },
        ))?;
        println!(
            "{}: rule {rule}{}",
            pet::name::run_name(i),
            if marked { " (selected)" } else { "" }
        );
    }
    root.present()?;
    println!("wrote {out} (selected runs framed in red)");
    Ok(())
}
