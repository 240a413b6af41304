//! Provenance values as text: what `pet info` prints and the dashboard shows for
//! each item the Environment records under `config.provenance` (times as UTC).

use pet_core::Value;

use crate::cell::Cell;

/// One provenance item as text: `started`/`finished` as UTC timestamps,
/// scalars bare (strings unquoted), anything else as the value prints.
pub fn shown(key: &str, v: &Value) -> String {
    match key {
        "started" | "finished" => v
            .as_scalar()
            .and_then(|x| x.as_f64())
            .map(pet_core::time::utc_timestamp)
            .unwrap_or_else(|| v.to_string()),
        _ => match Cell::of(v) {
            Some(c) => c.label(),
            None => v.to_string(),
        },
    }
}
