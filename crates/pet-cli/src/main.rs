//! `pet`: browse, query, export, merge and migrate pet stores.
//!
//! STORE is a URL (`sqlite://…`, `hdf5://…`, `mongodb://…`, `pypet://…`) or a
//! file path ending in `.db`/`.sqlite` (SQLite) or `.h5`/`.hdf5` (HDF5; a pypet
//! file there is recognised and read read-only).

mod advice;
mod browse;
mod dest;
mod expr;
mod move_data;
mod pipe;
mod query;
mod remove;
mod render;
mod safe_text;
mod stores;

use clap::{Parser, Subcommand, ValueEnum};

/// Browse, query, export, merge and migrate pet stores.
#[derive(Parser)]
#[command(name = "pet", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Export formats.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// List the trajectories in a store.
    Ls {
        /// Store URL or path.
        store: String,
    },
    /// Show the tree with types, shapes and comments.
    Tree {
        /// Store URL or path.
        store: String,
        /// Subtree to show (full path, e.g. results.runs.run_00000003).
        path: Option<String>,
        /// Trajectory name (needed when the store holds several).
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// Print one leaf (arrays are summarised).
    Show {
        /// Store URL or path.
        store: String,
        /// Path or shortcut of the leaf.
        path: String,
        /// Trajectory name.
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// List the runs whose parameters match an expression.
    Runs {
        /// Store URL or path.
        store: String,
        /// Expression, e.g. 'rule_number > 30 && rule_number < 120' (at most 64 KiB, 128 levels deep).
        #[arg(short, long = "where")]
        filter: Option<String>,
        /// Trajectory name.
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// Export explored parameters and scalar results, one row per run.
    Export {
        /// Store URL or path.
        store: String,
        /// Output format.
        #[arg(short, long, value_enum, default_value = "csv")]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        out: Option<std::path::PathBuf>,
        /// Trajectory name.
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// Merge the same trajectory of two stores into a third store (all or nothing).
    Merge {
        /// First store (its runs keep their indices).
        a: String,
        /// Second store (its runs are appended).
        b: String,
        /// Destination store (must not hold the trajectory yet).
        #[arg(long)]
        into: String,
        /// Skip runs of B whose parameters equal a run of A.
        #[arg(long)]
        dedupe: bool,
        /// Trajectory name.
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// Show a trajectory's provenance: creation, runs, sessions, git, host.
    Info {
        /// Store URL or path.
        store: String,
        /// Trajectory name.
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// Delete one trajectory and everything in it (named exactly; never guessed).
    Rm {
        /// Store URL or path.
        store: String,
        /// Name of the trajectory to delete.
        traj: String,
    },
    /// Copy trajectories from one store to another, between any backends (all or nothing).
    Migrate {
        /// Source store.
        src: String,
        /// Destination store (created if missing).
        dst: String,
        /// Only these trajectories (default: all).
        #[arg(short, long)]
        traj: Vec<String>,
    },
}

fn main() {
    pipe::exit_quietly_on_broken_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ls { store } => browse::ls(&store),
        Command::Tree { store, path, traj } => {
            browse::tree(&store, path.as_deref(), traj.as_deref())
        }
        Command::Show { store, path, traj } => browse::show(&store, &path, traj.as_deref()),
        Command::Info { store, traj } => browse::info(&store, traj.as_deref()),
        Command::Rm { store, traj } => remove::rm(&store, &traj),
        Command::Runs {
            store,
            filter,
            traj,
        } => query::runs(&store, filter.as_deref(), traj.as_deref()),
        Command::Export {
            store,
            format,
            out,
            traj,
        } => query::export(&store, format, out.as_deref(), traj.as_deref()),
        Command::Merge {
            a,
            b,
            into,
            dedupe,
            traj,
        } => move_data::merge(&a, &b, &into, dedupe, traj.as_deref()),
        Command::Migrate { src, dst, traj } => move_data::migrate(&src, &dst, &traj),
    };
    if let Err(e) = result {
        eprintln!("error: {}", advice::render(&e));
        std::process::exit(1);
    }
}
