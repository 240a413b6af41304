//! `pet migrate` and `pet merge`: copying trajectories between stores, streaming.

use anyhow::{bail, Context, Result};

use pet_core::transfer::copy_trajectory;
use pet_core::{LoadSpec, MergeOptions, Store, Trajectory};

use crate::stores;

/// Peak resident memory of this process in MiB (Linux), for the record.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn copy_one(src: &dyn Store, dst: &dyn Store, name: &str) -> Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {pos}/{len} runs ({per_sec}, ETA {eta})",
    ) {
        bar.set_style(style);
    }
    bar.set_message(name.to_string());
    let stats = copy_trajectory(src, dst, name, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .with_context(|| {
        format!(
            "copying trajectory '{name}' from {} to {}",
            src.location(),
            dst.location()
        )
    })?;
    bar.finish_and_clear();
    println!(
        "{name}: {} runs, {} run nodes, {} other nodes",
        stats.runs, stats.run_nodes, stats.nodes
    );
    Ok(())
}

/// Copies all (or the named) trajectories from `src` to `dst`.
pub fn migrate(src_url: &str, dst_url: &str, only: &[String]) -> Result<()> {
    let src = stores::open(src_url, false)?;
    let names: Vec<String> = if only.is_empty() {
        src.list()?.into_iter().map(|i| i.name).collect()
    } else {
        only.to_vec()
    };
    if names.is_empty() {
        bail!("{src_url} holds no trajectory to migrate");
    }
    let dst = stores::open(dst_url, true)?;
    for n in &names {
        if dst.info(n).is_ok() {
            bail!("destination {dst_url} already holds trajectory '{n}'; remove it there or migrate into another store");
        }
    }
    for n in &names {
        copy_one(src.as_ref(), dst.as_ref(), n)?;
    }
    if let Some(mib) = peak_mib() {
        println!(
            "migrated {} trajectories to {dst_url}; peak memory {mib:.0} MiB",
            names.len()
        );
    }
    Ok(())
}

/// Merges trajectory `traj` of stores `a` and `b` into store `into`.
pub fn merge(
    a_url: &str,
    b_url: &str,
    into_url: &str,
    dedupe: bool,
    traj: Option<&str>,
) -> Result<()> {
    let a = stores::open(a_url, false)?;
    let name = stores::pick(a.as_ref(), a_url, traj)?;
    let b = stores::open(b_url, false)?;
    let into = stores::open(into_url, true)?;
    if into.info(&name).is_ok() {
        bail!("destination {into_url} already holds trajectory '{name}'; merge into another store");
    }
    copy_one(a.as_ref(), into.as_ref(), &name)?;
    let mut target = Trajectory::load(into, &name, LoadSpec::default())?;
    let mut other = Trajectory::load(b, &name, LoadSpec::default())
        .with_context(|| format!("{b_url} has no trajectory '{name}' to merge"))?;
    let report = target.merge(&mut other, MergeOptions { dedupe })?;
    target.store()?;
    println!(
        "merged '{name}': {} runs added from {b_url}, {} duplicates skipped, {} runs in {into_url}",
        report.added.len(),
        report.skipped_runs.len(),
        target.len()
    );
    Ok(())
}
