//! Checking a stored trajectory against what the program sets up, so that
//! running the same program again resumes it: as it is when the store holds the
//! program's points and more (added by expansion, or by an earlier, longer run),
//! extended when the program now explores more points.

use std::collections::BTreeMap;

use pet_core::{name, LeafData, Trajectory, Value};

use crate::error::EnvError;

fn parameters(t: &Trajectory) -> BTreeMap<String, (Value, Option<Vec<Value>>)> {
    t.iter_nodes()
        .filter(|(p, _)| name::split_branch(p).0 == name::PARAMETERS)
        .filter_map(|(p, n)| match &n.data {
            Some(LeafData::Param { value, explored }) => {
                Some((p.clone(), (value.clone(), explored.clone())))
            }
            _ => None,
        })
        .collect()
}

/// Makes `stored` match `fresh`: the program's points are a prefix of the
/// stored ones (equal, or the store holds more) → resumed as stored; `fresh`
/// explores the stored points and more → `stored` is expanded; other
/// parameters, other defaults or points that differ → error.
pub fn reconcile(stored: &mut Trajectory, fresh: &Trajectory) -> Result<(), EnvError> {
    let mismatch = |reason: String| EnvError::Mismatch {
        name: stored.name().to_string(),
        reason,
    };
    let a = parameters(stored);
    let b = parameters(fresh);
    let keys_a: Vec<&String> = a.keys().collect();
    let keys_b: Vec<&String> = b.keys().collect();
    if keys_a != keys_b {
        return Err(mismatch(format!(
            "stored parameters are [{}], the program has [{}]; use a new trajectory name",
            keys_a
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            keys_b
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut extra: Vec<(String, Vec<Value>)> = Vec::new();
    for (path, (default_a, explored_a)) in &a {
        let (default_b, explored_b) = &b[path];
        if !default_a.same_as(default_b) {
            return Err(mismatch(format!(
                "the default of {path} is {default_a} in the store but {default_b} in the program; use a new trajectory name"
            )));
        }
        match (explored_a, explored_b) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                let common = x.len().min(y.len());
                if let Some(i) = (0..common).find(|&i| !x[i].same_as(&y[i])) {
                    return Err(mismatch(format!(
                        "point {i} of {path} is {} in the store but {} in the program; points can only be added at the end",
                        x[i], y[i]
                    )));
                }
                if y.len() > x.len() {
                    extra.push((path.clone(), y[x.len()..].to_vec()));
                }
            }
            _ => {
                return Err(mismatch(format!(
                    "{path} is explored in only one of the store and the program; use a new trajectory name"
                )))
            }
        }
    }
    if !extra.is_empty() {
        stored.expand(extra)?;
        stored.store()?;
    }
    Ok(())
}
