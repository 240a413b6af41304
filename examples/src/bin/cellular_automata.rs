//! The paper's elementary cellular automata: rules 10, 30, 90, 110, 184, 190 on
//! 400 cells for 250 steps from one random initial state (seed 100).
//! `cargo run --release -p pet-examples --bin cellular_automata [STORE_URL] [--mode seq|threads=K|processes=K|mpi]`,
//! then `--bin ca_analysis` to plot.

use ndarray::Array2;
use pet::prelude::*;

fn initial_state(ncells: usize, seed: u64) -> Vec<u8> {
    let mut rng = pet_examples::Rng::new(seed);
    (0..ncells).map(|_| (rng.next_u64() & 1) as u8).collect()
}

fn automaton(initial: &[u8], rule: u8, steps: usize) -> Array2<u8> {
    let n = initial.len();
    let mut pattern = Array2::<u8>::zeros((steps, n));
    pattern
        .row_mut(0)
        .assign(&ndarray::ArrayView1::from(initial));
    for s in 1..steps {
        for c in 0..n {
            let left = pattern[[s - 1, (c + n - 1) % n]];
            let mid = pattern[[s - 1, c]];
            let right = pattern[[s - 1, (c + 1) % n]];
            let neighbourhood = (left << 2) | (mid << 1) | right;
            pattern[[s, c]] = (rule >> neighbourhood) & 1;
        }
    }
    pattern
}

/// One run (a named function, so that worker processes and MPI ranks can run it).
fn run_automaton(run: &mut Run) -> RunResult<f64> {
    let rule = u8::try_from(run.param::<i64>("rule_number")?)?;
    let ncells = usize::try_from(run.param::<i64>("ncells")?)?;
    let steps = usize::try_from(run.param::<i64>("steps")?)?;
    let initial = initial_state(ncells, run.param::<u64>("seed")?);
    let pattern = automaton(&initial, rule, steps);
    let density = pattern.iter().map(|&c| f64::from(c)).sum::<f64>() / pattern.len() as f64;
    run.add_result_commented("pattern", pattern, "cell states, steps × cells")?;
    run.add_result_commented("density", density, "fraction of live cells")?;
    Ok(density)
}

fn main() -> anyhow::Result<()> {
    pet::serve_if_worker(run_automaton)?;
    let url = pet_examples::store_url("sqlite://results/ca.db")?;
    let mut env = Environment::open(&url)?.mode(pet_examples::mode(Mode::Threads(2))?);
    let mut traj = env.trajectory("cellular_automata", "elementary cellular automata", |t| {
        t.add_parameter("rule_number", 0i64, "Wolfram rule of the automaton")?;
        t.add_parameter("ncells", 400i64, "number of cells")?;
        t.add_parameter("steps", 250i64, "number of time steps")?;
        t.add_parameter("seed", 100u64, "seed of the random initial state")?;
        t.explore([("rule_number", vals([10i64, 30, 90, 110, 184, 190]))])
    })?;
    let report = env.run(&mut traj, run_automaton)?;
    for (i, density) in &report.results {
        println!(
            "{} ({}): density {density:.3}",
            pet::name::run_name(*i),
            traj.run_info(*i)?.summary
        );
    }
    println!("stored in {url}; plot with: cargo run --release -p pet-examples --bin ca_analysis");
    Ok(())
}
