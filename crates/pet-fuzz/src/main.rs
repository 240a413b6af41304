//! `pet-fuzz`: runs the fuzz campaign and prints its table.
//!
//! ```text
//! pet-fuzz [--inputs N] [--seed S] [--mem-limit-mib M] [--hang-secs H] [--target NAME]... [--strict]
//! pet-fuzz repro TARGET --seed S --input N [--out FILE]
//! pet-fuzz list
//! ```

use std::time::Duration;

use anyhow::{bail, Context, Result};

use pet_fuzz::campaign::{self, Plan};
use pet_fuzz::targets::{self, Work, TARGETS};

fn value<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> Result<T> {
    match args.iter().position(|a| a == flag) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{flag} needs a number")),
        None => Ok(default),
    }
}

fn target(name: Option<&String>) -> Result<&'static targets::Target> {
    let name = name.context("name a target (pet-fuzz list shows them)")?;
    targets::find(name).with_context(|| format!("no target '{name}' (pet-fuzz list shows them)"))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("list") => {
            for t in TARGETS {
                println!("{:<14} {}", t.name, t.about);
            }
            Ok(())
        }
        Some("child") => {
            let t = target(args.get(1))?;
            let dir = tempfile::tempdir()?;
            let work = Work::new(dir.path())?;
            pet_fuzz::child::run(
                t,
                &work,
                value(&args, "--seed", 1)?,
                value(&args, "--start", 0)?,
                value(&args, "--end", 0)?,
            )
        }
        Some("repro") => {
            let t = target(args.get(1))?;
            let dir = tempfile::tempdir()?;
            let work = Work::new(dir.path())?;
            let seeds = (t.seeds)(&work)?;
            let n: u64 = value(&args, "--input", 0)?;
            let data = pet_fuzz::child::input(&seeds, t.name, value(&args, "--seed", 1)?, n);
            if let Some(i) = args.iter().position(|a| a == "--out") {
                let out = args.get(i + 1).context("--out needs a file name")?;
                std::fs::write(out, &data)?;
            }
            println!("input {n} of {}: {} bytes", t.name, data.len());
            match (t.run)(&work, &data) {
                Ok(()) => println!("accepted"),
                Err(e) => println!("refused: {e}"),
            }
            Ok(())
        }
        _ => {
            let plan = Plan {
                seed: value(&args, "--seed", 1)?,
                inputs: value(&args, "--inputs", 20_000)?,
                mem_limit_mib: value(&args, "--mem-limit-mib", 2048)?,
                hang: Duration::from_secs(value(&args, "--hang-secs", 20)?),
            };
            let only: Vec<&String> = args
                .iter()
                .enumerate()
                .filter(|(i, a)| *i > 0 && args[i - 1] == "--target" && !a.starts_with("--"))
                .map(|(_, a)| a)
                .collect();
            for name in &only {
                target(Some(name))?;
            }
            let exe = std::env::current_exe()?;
            let mut rows = Vec::new();
            for t in TARGETS {
                if !only.is_empty() && !only.iter().any(|n| *n == t.name) {
                    continue;
                }
                let p = Plan {
                    inputs: (plan.inputs / t.cost).max(1),
                    ..plan.clone()
                };
                eprintln!("fuzzing {} ({} inputs)...", t.name, p.inputs);
                rows.push(campaign::run_target(&exe, t, &p)?);
            }
            print!("{}", campaign::table(&rows, &plan));
            let ours: u64 = rows
                .iter()
                .map(|r| r.panics + r.aborts + r.hangs - r.in_libhdf5)
                .sum();
            let theirs: u64 = rows.iter().map(|r| r.in_libhdf5).sum();
            if theirs > 0 {
                println!(
                    "\n{theirs} input(s) crashed or hung inside the HDF5 C library itself (see docs/security.md)"
                );
            }
            if ours > 0 || (theirs > 0 && args.iter().any(|a| a == "--strict")) {
                bail!("the campaign found failures (listed above)");
            }
            Ok(())
        }
    }
}
