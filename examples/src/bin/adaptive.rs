//! Adaptive exploration (the paper's section 3.5): an evolution strategy
//! minimises the Rastrigin function. Each generation is a set of points; when a
//! generation finishes, the post-processing callback breeds the next one and
//! expands the trajectory, while pet keeps the workers busy and stores every run.
//! `cargo run --release -p pet-examples --bin adaptive [STORE_URL]`

use pet::prelude::*;
use pet_examples::Rng;

const POPULATION: usize = 16;
const GENERATIONS: usize = 10;
const PARENTS: usize = 4;

fn rastrigin(x: f64, y: f64) -> f64 {
    let a = 10.0;
    2.0 * a + x * x - a * (2.0 * std::f64::consts::PI * x).cos() + y * y
        - a * (2.0 * std::f64::consts::PI * y).cos()
}

fn main() -> anyhow::Result<()> {
    let url = pet_examples::store_url("sqlite://results/adaptive.db")?;
    let mut env = Environment::open(&url)?.mode(Mode::Threads(2));
    let mut rng = Rng::new(7);
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
    let mut fitness: Vec<(usize, f64)> = Vec::new();
    let mut sigma = 1.0;
    let report = env.run_with(
        &mut traj,
        |run| {
            let f = rastrigin(run.param("x")?, run.param("y")?);
            run.add_result_commented("f", f, "Rastrigin value (lower is better)")?;
            Ok(f)
        },
        |t, batch| {
            fitness.extend(batch.iter().copied());
            let generation = (t.len() / POPULATION) as i64 - 1;
            let start = generation as usize * POPULATION;
            let done = fitness.iter().filter(|(i, _)| *i >= start).count();
            if done < POPULATION || t.len() >= GENERATIONS * POPULATION {
                return Ok(());
            }
            let mut gen: Vec<(usize, f64)> = fitness
                .iter()
                .filter(|(i, _)| *i >= start)
                .copied()
                .collect();
            gen.sort_by(|a, b| a.1.total_cmp(&b.1));
            println!(
                "generation {generation}: best f = {:.4} (run {})",
                gen[0].1, gen[0].0
            );
            let parents: Vec<(f64, f64)> = gen[..PARENTS]
                .iter()
                .map(|(i, _)| {
                    let p = t.point(*i)?;
                    let get = |n: &str| {
                        p.iter()
                            .find(|(k, _)| k.ends_with(n))
                            .and_then(|(_, v)| v.as_scalar()?.as_f64())
                    };
                    Ok((get(".x").unwrap_or(0.0), get(".y").unwrap_or(0.0)))
                })
                .collect::<pet::Result<_>>()?;
            sigma *= 0.7;
            let children: Vec<(f64, f64)> = (0..POPULATION)
                .map(|k| {
                    let (px, py) = parents[k % PARENTS];
                    (px + sigma * rng.normal(), py + sigma * rng.normal())
                })
                .collect();
            t.expand([
                ("x", vals(children.iter().map(|c| c.0))),
                ("y", vals(children.iter().map(|c| c.1))),
                ("generation", vals(vec![generation + 1; POPULATION])),
            ])?;
            Ok(())
        },
    )?;
    let best = report
        .results
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
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
