//! URL options of MongoDB stores (`mongodb://[USER:PASSWORD@]HOST[:PORT][,HOST...]/DATABASE?OPTIONS`):
//! pet's own options, the driver's, bounded default timeouts, and the backend's descriptor.

use std::time::Duration;

use mongodb::options::ClientOptions;

use std::sync::Arc;

use pet_core::location::Location;
use pet_core::storage::descriptor::{UrlOptions, MODE_OPTION};
use pet_core::{Access, Descriptor, PetError, Result, Store};

use crate::MongoStore;

/// The MongoDB backend: `mongodb://HOST/DB` (and `mongodb+srv://`). Options
/// other than pet's own (`mode`, `inline_max`) go to the driver, which checks them.
pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "MongoDB",
    feature: "mongo",
    schemes: &["mongodb", "mongodb+srv"],
    extensions: &[],
    file: false,
    options: UrlOptions::Any,
    example: "mongodb://HOST/DB",
    open: Some(open),
};

fn open(loc: &Location, access: Access) -> Result<Arc<dyn Store>> {
    let opts = MongoOptions {
        read_only: access.is_read_only(),
        ..MongoOptions::default()
    };
    Ok(Arc::new(MongoStore::open_with(&loc.to_string(), opts)?))
}

use crate::error::ErrCtx;

/// Database used when the URL names none.
pub const DEFAULT_DATABASE: &str = "pet";

/// How to open a store.
#[derive(Clone, Debug)]
pub struct MongoOptions {
    /// Database to use instead of the one in the URL (or `pet`).
    pub database: Option<String>,
    /// Array and composite payloads above this many bytes go to the `blobs` GridFS bucket
    /// instead of the node document (URL option `inline_max`).
    pub inline_max: usize,
    /// Server selection and connect timeout unless the URL sets
    /// `serverSelectionTimeoutMS` / `connectTimeoutMS`.
    pub timeout: Duration,
    /// Open read-only: create nothing, refuse every write (URL `mode=ro`).
    pub read_only: bool,
}

impl Default for MongoOptions {
    fn default() -> Self {
        MongoOptions {
            database: None,
            inline_max: 4 * 1024 * 1024,
            timeout: Duration::from_secs(5),
            read_only: false,
        }
    }
}

/// A parsed URL, ready to connect.
pub struct Target {
    /// Driver options.
    pub client: ClientOptions,
    /// Database name.
    pub database: String,
    /// What error messages say about the servers.
    pub ctx: ErrCtx,
    /// Effective pet options.
    pub opts: MongoOptions,
    /// `scheme://hosts` without credentials or database, for display.
    pub shown: String,
}

fn bad(url: &str, reason: impl Into<String>) -> PetError {
    PetError::BadLocation {
        url: url.to_string(),
        reason: reason.into(),
    }
}

/// Checks a database name against MongoDB's rules.
pub fn validate_database(url: &str, db: &str) -> Result<()> {
    if db.is_empty() || db.len() > 63 || db.chars().any(|c| "/\\. \"$*<>:|?\0".contains(c)) {
        return Err(bad(
            url,
            format!("'{db}' is not a usable database name; use letters, digits, '_' and '-' (at most 63)"),
        ));
    }
    Ok(())
}

/// The host list of `rest` (no path), with credentials masked.
fn without_credentials(rest: &str) -> String {
    let rest = rest.split('/').next().unwrap_or("");
    match rest.rsplit_once('@') {
        Some((_, hosts)) => format!("***@{hosts}"),
        None => rest.to_string(),
    }
}

/// Parses a store URL with `base` options.
pub fn parse(url: &str, base: &MongoOptions) -> Result<Target> {
    let (_, mut loc) = pet_core::storage::descriptor::resolve(url, &[&DESCRIPTOR])?;
    let shown = format!("{}://{}", loc.scheme, without_credentials(&loc.rest));
    let mut opts = base.clone();
    let default = if opts.read_only {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    opts.read_only = Access::from_location(&loc, default)?.is_read_only();
    loc.options.remove(MODE_OPTION);
    if let Some(v) = loc.options.remove("inline_max") {
        opts.inline_max = v
            .parse()
            .map_err(|_| bad(&shown, "inline_max must be a number of bytes"))?;
    }
    let mut uri = format!("{}://{}", loc.scheme, loc.rest);
    if !loc.options.is_empty() {
        let q: Vec<String> = loc
            .options
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !loc.rest.contains('/') {
            uri.push('/');
        }
        uri.push('?');
        uri.push_str(&q.join("&"));
    }
    let mut client = ClientOptions::parse(uri.as_str()).run().map_err(|e| {
        let hint = if loc.scheme == "mongodb+srv" {
            "; mongodb+srv:// needs DNS SRV lookups, which this build leaves out: list the hosts in a mongodb:// URL"
        } else {
            ""
        };
        bad(&shown, format!("{e}{hint}"))
    })?;
    let has = |key: &str| loc.options.keys().any(|k| k.eq_ignore_ascii_case(key));
    if !has("serverSelectionTimeoutMS") {
        client.server_selection_timeout = Some(opts.timeout);
    }
    if !has("connectTimeoutMS") {
        client.connect_timeout = Some(opts.timeout);
    }
    if client.app_name.is_none() {
        client.app_name = Some(format!("pet {}", pet_core::VERSION));
    }
    let database = opts
        .database
        .clone()
        .or_else(|| client.default_database.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    validate_database(&shown, &database)?;
    let hosts: Vec<String> = client.hosts.iter().map(|h| h.to_string()).collect();
    let ctx = ErrCtx {
        hosts: hosts.join(","),
        timeout: client.server_selection_timeout.unwrap_or(opts.timeout),
    };
    Ok(Target {
        client,
        database,
        ctx,
        opts,
        shown,
    })
}
