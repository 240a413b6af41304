//! Adaptive exploration (the paper's section 3.5): an evolution strategy
//! minimises the Rastrigin function. Each generation is a set of points; when a
//! generation finishes, the post-processing callback breeds the next one and
//! expands the trajectory, while pet keeps the workers busy and stores every run.
//!
//! Resumable: run it again after a crash or Ctrl-C and it continues the
//! generations it had not finished. Breeding depends only on the stored
//! results (each generation has its own random stream), so an interrupted and
//! resumed search reaches the same best point as an uninterrupted one.
//!
//! `cargo run --release -p pet-examples --bin adaptive [STORE_URL] [--sleep-ms MS] [--mode seq|threads=K|processes=K|mpi]`

use pet::prelude::*;
use pet_examples::Rng;

const POPULATION: usize = 16;
const GENERATIONS: usize = 10;
const PARENTS: usize = 4;
const SEED: u64 = 7;

fn rastrigin(x: f64, y: f64) -> f64 {
    let a = 10.0;
    2.0 * a + x * x - a * (2.0 * std::f64::consts::PI * x).cos() + y * y
        - a * (2.0 * std::f64::consts::PI * y).cos()
}

/// The x and y of run `i`.
fn point(t: &Trajectory, i: usize) -> pet::Result<(f64, f64)> {
    let p = t.point(i)?;
    let get = |n: &str| {
        p.iter()
            .find(|(k, _)| k.ends_with(n))
            .and_then(|(_, v)| v.as_scalar()?.as_f64())
    };
    Ok((get(".x").unwrap_or(0.0), get(".y").unwrap_or(0.0)))
}

/// Breeds the next generation once the last one is complete: the best
/// `PARENTS` individuals, mutated with a step that shrinks each generation.
fn breed_if_complete(t: &mut Trajectory, fitness: &[(usize, f64)]) -> pet::Result<()> {
    let generation = t.len() / POPULATION - 1;
    let start = generation * POPULATION;
    let mut gen: Vec<(usize, f64)> = fitness
        .iter()
        .filter(|(i, _)| *i >= start)
        .copied()
        .collect();
    if gen.len() < POPULATION || t.len() >= GENERATIONS * POPULATION {
        return Ok(());
    }
    gen.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    println!(
        "generation {generation}: best f = {:.4} (run {})",
        gen[0].1, gen[0].0
    );
    let parents: Vec<(f64, f64)> = gen[..PARENTS]
        .iter()
        .map(|(i, _)| point(t, *i))
        .collect::<pet::Result<_>>()?;
    let sigma = 0.7f64.powi(generation as i32 + 1);
    let mut rng = Rng::new(SEED * 1000 + generation as u64 + 1);
    let children: Vec<(f64, f64)> = (0..POPULATION)
        .map(|k| {
            let (px, py) = parents[k % PARENTS];
            (px + sigma * rng.normal(), py + sigma * rng.normal())
        })
        .collect();
    t.expand([
        ("x", vals(children.iter().map(|c| c.0))),
        ("y", vals(children.iter().map(|c| c.1))),
        ("generation", vals(vec![generation as i64 + 1; POPULATION])),
    ])
}

/// One individual: the Rastrigin value at its point (a named function, so
/// that worker processes and MPI ranks can run it).
fn evaluate(run: &mut Run) -> RunResult<f64> {
    std::thread::sleep(pet_examples::sleep_flag(0));
    let f = rastrigin(run.param("x")?, run.param("y")?);
    run.add_result_commented("f", f, "Rastrigin value (lower is better)")?;
    Ok(f)
}

fn main() -> anyhow::Result<()> {
    pet::serve_if_worker(evaluate)?;
    let url = pet_examples::store_url("sqlite://results/adaptive.db")?;
    pet_examples::number_flag("--sleep-ms", 0u64)?;
    let mut env = Environment::open(&url)?.mode(pet_examples::mode(Mode::Threads(2))?);
    let mut rng = Rng::new(SEED);
    let first: Vec<(f64, f64)> = (0..POPULATION)
        .map(|_| (rng.uniform() * 10.0 - 5.0, rng.uniform() * 10.0 - 5.0))
        .collect();
    let mut traj = env.trajectory("adaptive", "evolution strategy on Rastrigin", |t| {
        t.add_parameter("x", 0.0, "first coordinate")?;
        t.add_parameter("y", 0.0, "second coordinate")?;
        t.add_parameter("generation", 0i64, "generation of the individual")?;
        t.explore([
            ("x", vals(first.iter().map(|p| p.0))),
            ("y", vals(first.iter().map(|p| p.1))),
            ("generation", vals(vec![0i64; POPULATION])),
        ])
    })?;
    // Resuming: the fitness of every run completed before, read from the store;
    // and the generation an interruption left unbred, bred now.
    let mut fitness: Vec<(usize, f64)> = Vec::new();
    for i in 0..traj.len() {
        if traj.run_info(i)?.completed {
            let f = traj.get_as::<f64>(&format!("results.runs.{}.f", pet::name::run_name(i)))?;
            fitness.push((i, f));
        }
    }
    if !fitness.is_empty() {
        println!(
            "resuming: {} of {} runs were done before",
            fitness.len(),
            traj.len()
        );
    }
    breed_if_complete(&mut traj, &fitness)?;
    env.run_with(&mut traj, evaluate, |t, batch| {
        fitness.extend(batch.iter().copied());
        breed_if_complete(t, &fitness)?;
        Ok(())
    })?;
    let best = fitness
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .copied();
    if let Some((i, f)) = best {
        println!(
            "best of {} runs: f = {f:.5} at {} ({})",
            traj.len(),
            pet::name::run_name(i),
            traj.run_info(i)?.summary
        );
    }
    Ok(())
}
