//! `pet`: browse, query, export, plot, serve, merge and migrate pet stores.
//!
//! STORE is a URL (`sqlite://…`, `hdf5://…`, `mongodb://…`, `pypet://…`) or a
//! file path ending in `.db`/`.sqlite` (SQLite) or `.h5`/`.hdf5` (HDF5; a pypet
//! file there is recognised and read read-only).

mod advice;
mod browse;
mod dest;
mod move_data;
mod pipe;
mod plot;
mod query;
mod remove;
mod render;
mod safe_text;
mod serve;
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
    /// Draw a scalar result against explored parameters (line, scatter, heatmap), or array results as images.
    Plot {
        /// Store URL or path.
        store: String,
        /// The scalar to draw (a result, derived parameter or parameter), or with --image an array result.
        y: String,
        /// Explored parameter on the horizontal axis (default: the first explored).
        #[arg(long)]
        x: Option<String>,
        /// A second explored parameter: draws a heatmap with it on the vertical axis.
        #[arg(long)]
        y2: Option<String>,
        /// One line per value of this explored parameter.
        #[arg(long)]
        series: Option<String>,
        /// Only runs matching this expression (as in `pet runs --where`).
        #[arg(short, long = "where")]
        filter: Option<String>,
        /// Output file, .png or .svg.
        #[arg(short, long, default_value = "plot.png")]
        out: std::path::PathBuf,
        /// Draw Y, an array result, as one labelled image per run.
        #[arg(long)]
        image: bool,
        /// Points only, no lines.
        #[arg(long)]
        scatter: bool,
        /// Width in pixels (200–2000).
        #[arg(long, default_value_t = 900)]
        width: u32,
        /// Height in pixels (150–1500).
        #[arg(long, default_value_t = 560)]
        height: u32,
        /// Trajectory name.
        #[arg(short, long)]
        traj: Option<String>,
    },
    /// Serve a read-only dashboard of the store on http://127.0.0.1:PORT.
    Serve {
        /// Store URL or path.
        store: String,
        /// Port (0: any free port).
        #[arg(short, long, default_value_t = 8642)]
        port: u16,
        /// Address to listen on; anything but a loopback address exposes the store to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the dashboard in the default browser.
        #[arg(long)]
        open: bool,
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
        Command::Plot {
            store,
            y,
            x,
            y2,
            series,
            filter,
            out,
            image,
            scatter,
            width,
            height,
            traj,
        } => plot::plot(plot::PlotArgs {
            store: &store,
            traj: traj.as_deref(),
            spec: pet_view::PlotSpec {
                y,
                x,
                series,
                y2,
                style: plot::style(scatter),
                title: String::new(),
            },
            filter: filter.as_deref(),
            out: &out,
            image,
            size: (width, height),
        }),
        Command::Serve {
            store,
            port,
            bind,
            open,
        } => serve::serve(&store, bind, port, open),
        Command::Migrate { src, dst, traj } => move_data::migrate(&src, &dst, &traj),
    };
    if let Err(e) = result {
        eprintln!("error: {}", advice::render(&e));
        std::process::exit(1);
    }
}
