//! `pet migrate` and `pet merge`: copying trajectories between stores,
//! streaming, into a [`Destination`] that a failure leaves as it was.

use anyhow::{bail, Context, Result};

use pet_core::transfer::copy_trajectory;
use pet_core::{LoadSpec, MergeOptions, Store, Trajectory};

use crate::dest::{self, Destination};
use crate::safe_text::clean;
use crate::stores;

/// Peak resident memory of this process in MiB (Linux), for the record.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn copy_one(src: &dyn Store, dst: &dyn Store, dst_url: &str, name: &str) -> Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {pos}/{len} runs ({per_sec}, ETA {eta})",
    ) {
        bar.set_style(style);
    }
    bar.set_message(clean(name).into_owned());
    let stats = copy_trajectory(src, dst, name, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let stats = stats.with_context(|| {
        format!(
            "copying trajectory '{name}' from {} to {dst_url}",
            src.location()
        )
    })?;
    println!(
        "{}: {} runs, {} run nodes, {} other nodes",
        clean(name),
        stats.runs,
        stats.run_nodes,
        stats.nodes
    );
    Ok(())
}

/// What a pypet source found while it was copied: counts, pickles, skipped nodes.
#[cfg(feature = "pypet")]
type Converted = Option<std::sync::Arc<pet_pypet::PypetStore>>;
/// No pypet reader in this build.
#[cfg(not(feature = "pypet"))]
type Converted = Option<()>;

/// Opens the source of a migration; a pypet file is opened as its own type
/// too, so that its conversion report can be printed.
fn open_source(url: &str) -> Result<(std::sync::Arc<dyn Store>, Converted)> {
    let src = stores::open(url)?;
    #[cfg(feature = "pypet")]
    if let Some(path) = src.location().strip_prefix("pypet://") {
        let p = std::sync::Arc::new(
            pet_pypet::PypetStore::open(path)
                .with_context(|| format!("cannot open store {url}"))?,
        );
        return Ok((p.clone(), Some(p)));
    }
    Ok((src, None))
}

/// Prints what converting trajectory `name` from pypet found.
fn print_conversion(conv: &Converted, name: &str) -> Result<()> {
    #[cfg(feature = "pypet")]
    if let Some(p) = conv {
        for line in p.report(name)?.lines() {
            if line.starts_with("warning:") || line.starts_with("skipped ") {
                eprintln!("{}", clean(&line));
            } else {
                println!("{}", clean(&line));
            }
        }
    }
    let _ = (conv, name);
    Ok(())
}

/// Copies all (or the named) trajectories from `src` to `dst`, all or
/// nothing: on failure `dst` is left as it was (absent if it was). From a
/// pypet file, each trajectory's conversion report follows its copy.
pub fn migrate(src_url: &str, dst_url: &str, only: &[String]) -> Result<()> {
    let (src, converted) = open_source(src_url)?;
    let names: Vec<String> = if only.is_empty() {
        src.list()?.into_iter().map(|i| i.name).collect()
    } else {
        for n in only {
            src.info(n)
                .with_context(|| format!("{src_url} has no trajectory '{n}' to migrate"))?;
        }
        only.to_vec()
    };
    if names.is_empty() {
        bail!("{src_url} holds no trajectory to migrate");
    }
    let mut dst = Destination::open(dst_url)?;
    for n in &names {
        if dest::holds(dst.store()?.as_ref(), n)? {
            bail!("destination {dst_url} already holds trajectory '{n}'; remove it there or migrate into another store");
        }
    }
    for n in &names {
        dst.create(n, |store| {
            copy_one(src.as_ref(), store.as_ref(), dst_url, n)
        })?;
        print_conversion(&converted, n)?;
    }
    dst.commit()?;
    if let Some(mib) = peak_mib() {
        println!(
            "migrated {} trajectories to {}; peak memory {mib:.0} MiB",
            names.len(),
            clean(dst_url)
        );
    }
    Ok(())
}

/// Merges trajectory `traj` of stores `a` and `b` into store `into`, all or
/// nothing: on failure `into` is left as it was (absent if it was).
pub fn merge(
    a_url: &str,
    b_url: &str,
    into_url: &str,
    dedupe: bool,
    traj: Option<&str>,
) -> Result<()> {
    let a = stores::open(a_url)?;
    let name = stores::pick(a.as_ref(), a_url, traj)?;
    let b = stores::open(b_url)?;
    let mut other = Trajectory::load(b, &name, LoadSpec::default())
        .with_context(|| format!("{b_url} has no trajectory '{name}' to merge"))?;
    let mut into = Destination::open(into_url)?;
    if dest::holds(into.store()?.as_ref(), &name)? {
        bail!("destination {into_url} already holds trajectory '{name}'; merge into another store");
    }
    let (report, len) = into.create(&name, |store| {
        copy_one(a.as_ref(), store.as_ref(), into_url, &name)?;
        let merging = || format!("merging trajectory '{name}' of {b_url} into {into_url}");
        let mut target =
            Trajectory::load(store.clone(), &name, LoadSpec::default()).with_context(merging)?;
        let report = target
            .merge(&mut other, MergeOptions { dedupe })
            .with_context(merging)?;
        target.store().with_context(merging)?;
        Ok((report, target.len()))
    })?;
    into.commit()?;
    println!(
        "merged '{}': {} runs added from {}, {} duplicates skipped, {len} runs in {}",
        clean(&name),
        report.added.len(),
        clean(b_url),
        report.skipped_runs.len(),
        clean(into_url)
    );
    Ok(())
}
