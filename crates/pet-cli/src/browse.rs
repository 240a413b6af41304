//! `pet ls`, `pet tree`, `pet show`, `pet info`. Text read from the store is
//! printed through [`clean`] (or [`render`], which cleans it).

use anyhow::Result;

use pet_core::{name, LoadLevel, LoadSpec, NodeKind};

use crate::safe_text::clean;
use crate::{render, stores};

/// Lists the trajectories of a store.
pub fn ls(url: &str) -> Result<()> {
    let store = stores::open(url)?;
    let infos = store.list()?;
    if infos.is_empty() {
        println!("{} holds no trajectory", clean(url));
    }
    println!(
        "{:<30} {:>10} {:>10}  {:<20}  comment",
        "trajectory", "completed", "runs", "created (UTC)"
    );
    for info in infos {
        let runs = store.read_runs(&info.name)?;
        let done = runs.iter().filter(|r| r.completed).count();
        println!(
            "{:<30} {:>10} {:>10}  {:<20}  {}",
            clean(&info.name),
            done,
            runs.len(),
            pet_core::time::utc_timestamp(info.created),
            clean(&info.comment)
        );
    }
    Ok(())
}

/// The full path `name` stands for, loading what it needs: a missing node
/// says how to list them, a node that cannot be read says what is wrong.
fn resolve(t: &mut pet_core::Trajectory, name: &str, url: &str) -> Result<String> {
    t.resolve_loading(name).map_err(|e| {
        let context = match e {
            pet_core::PetError::NotFound(_) | pet_core::PetError::Ambiguous { .. } => {
                format!("no node '{name}' in {url}; list them with: pet tree {url}")
            }
            _ => format!("cannot read '{name}' in {url}"),
        };
        anyhow::Error::new(e).context(context)
    })
}

/// Prints the tree (per-run groups collapsed unless `path` points into them).
pub fn tree(url: &str, path: Option<&str>, traj: Option<&str>) -> Result<()> {
    let mut t = stores::load(url, traj, LoadSpec::skeleton())?;
    let root = match path {
        Some(p) => {
            let full = resolve(&mut t, p, url)?;
            t.load_branch(&full, LoadLevel::Skeleton)?;
            full
        }
        None => String::new(),
    };
    println!(
        "{} ({} runs){}",
        clean(t.name()),
        t.len(),
        if t.info().comment.is_empty() {
            String::new()
        } else {
            format!("  # {}", clean(&t.info().comment))
        }
    );
    let base_depth = if root.is_empty() {
        0
    } else {
        name::depth(&root) - 1
    };
    let mut shown = 0usize;
    for (p, node) in t.iter_nodes() {
        if !root.is_empty() && !pet_core::storage::under(p, &root) {
            continue;
        }
        let depth = name::depth(p) - base_depth;
        println!("{}", render::tree_line(name::last(p), node, depth));
        shown += 1;
        let collapsed =
            root.is_empty() && name::last(p) == name::RUNS && matches!(node.kind, NodeKind::Group);
        if collapsed {
            println!(
                "{}... one group per run; show one with: pet tree {} {}.{}",
                "  ".repeat(depth + 1),
                clean(url),
                clean(p),
                name::run_name(0)
            );
        }
    }
    if shown == 0 {
        println!("(empty)");
    }
    Ok(())
}

/// Prints one leaf.
pub fn show(url: &str, path: &str, traj: Option<&str>) -> Result<()> {
    let mut t = stores::load(url, traj, LoadSpec::default())?;
    let full = resolve(&mut t, path, url)?;
    let node = t.node_loaded(&full)?.clone();
    println!("{}", clean(&full));
    if !node.comment.is_empty() {
        println!("comment: {}", clean(&node.comment));
    }
    for (k, v) in &node.annotations {
        println!("annotation {}: {}", clean(k), clean(&v.to_string()));
    }
    match (&node.kind, &node.data) {
        (NodeKind::Leaf { role, .. }, Some(d)) => {
            println!("kind: {}", role.name());
            println!("{}", render::leaf(d));
        }
        (NodeKind::Link { target }, _) => println!("link to {}", clean(target)),
        _ => {
            println!("group with children:");
            for c in t.children(&full)? {
                println!("  {}", clean(&c));
            }
        }
    }
    Ok(())
}

/// Prints provenance and bookkeeping.
pub fn info(url: &str, traj: Option<&str>) -> Result<()> {
    let mut t = stores::load(url, traj, LoadSpec::default())?;
    let i = t.info().clone();
    println!("trajectory: {}", clean(&i.name));
    println!("comment: {}", clean(&i.comment));
    println!(
        "created: {} by pet {}",
        pet_core::time::utc_timestamp(i.created),
        clean(&i.pet_version)
    );
    println!("store: {}", clean(url));
    let done = t.len() - t.pending_runs().len();
    println!(
        "runs: {} ({done} completed, {} pending)",
        t.len(),
        t.len() - done
    );
    println!("explored: {}", clean(&t.explored_names().join(", ")));
    let sessions = t.children("config.provenance").unwrap_or_default();
    if sessions.is_empty() {
        println!("provenance: none recorded (the trajectory was not run through an Environment)");
    }
    for s in sessions {
        println!("{}:", clean(name::last(&s)));
        for leaf in t.leaves(&s) {
            let v = t.get(&leaf)?;
            let shown = pet_view::provenance::shown(name::last(&leaf), &v);
            println!("  {}: {}", clean(name::last(&leaf)), clean(&shown));
        }
    }
    Ok(())
}
