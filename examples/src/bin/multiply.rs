//! The paper's basic example: z = x * y over {1,2,3,4} × {6,7,8}.
//! `cargo run -p pet-examples --bin multiply [STORE_URL] [--mode seq|threads=K|processes=K|mpi]`

use pet::prelude::*;

/// One run (a named function, so that worker processes and MPI ranks can run it).
fn multiply(run: &mut Run) -> RunResult<f64> {
    let z = run.param::<f64>("x")? * run.param::<f64>("y")?;
    run.add_result_commented("z", z, "product of x and y")?;
    Ok(z)
}

fn main() -> anyhow::Result<()> {
    pet::serve_if_worker(multiply)?;
    let url = pet_examples::store_url("sqlite://results/multiply.db")?;
    let mut env = Environment::open(&url)?.mode(pet_examples::mode(Mode::Threads(2))?);
    let mut traj = env.trajectory("multiply", "z = x * y", |t| {
        t.add_parameter("x", 1.0, "first factor")?;
        t.add_parameter("y", 1.0, "second factor")?;
        t.explore_cartesian([
            ("x", vals([1.0, 2.0, 3.0, 4.0])),
            ("y", vals([6.0, 7.0, 8.0])),
        ])
    })?;
    let report = env.run(&mut traj, multiply)?;
    for (i, z) in &report.results {
        println!(
            "{}: {} -> z = {z}",
            pet::name::run_name(*i),
            traj.run_info(*i)?.summary
        );
    }
    println!("stored in {url}");
    Ok(())
}
