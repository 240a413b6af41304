//! `pet serve`: starts the read-only dashboard on a store and serves until stopped.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result};

use crate::safe_text::clean;
use crate::stores;

/// Serves the dashboard of `url` on `bind:port`.
pub fn serve(url: &str, bind: IpAddr, port: u16, open: bool) -> Result<()> {
    let addr = SocketAddr::new(bind, port);
    if !pet_serve::is_local(&addr) {
        eprintln!(
            "warning: listening on {addr}: anyone who reaches this machine can read the store \
             (the server is read-only, but it has no login); use the default 127.0.0.1 unless you mean it"
        );
    }
    let store = stores::open(url)?;
    eprintln!("reading {} …", clean(url));
    let server = pet_serve::Server::start(store, url, addr)
        .with_context(|| format!("cannot serve {url}"))?;
    println!(
        "pet dashboard of {} at {}  (Ctrl-C stops it)",
        clean(url),
        server.url()
    );
    if open {
        if let Err(e) = std::process::Command::new("xdg-open")
            .arg(server.url())
            .spawn()
        {
            eprintln!(
                "cannot open a browser ({e}); open {} yourself",
                server.url()
            );
        }
    }
    server.wait();
    Ok(())
}
