//! Names and dotted paths: validation rules, the top-level branches, run names.

use crate::{PetError, Result};

/// Longest allowed name part, in characters.
pub const MAX_PART_LEN: usize = 96;

/// Top-level branch holding configuration items and provenance.
pub const CONFIG: &str = "config";
/// Top-level branch holding parameters.
pub const PARAMETERS: &str = "parameters";
/// Top-level branch holding derived parameters.
pub const DERIVED: &str = "derived_parameters";
/// Top-level branch holding results.
pub const RESULTS: &str = "results";
/// The four top-level branches in their canonical order.
pub const BRANCHES: [&str; 4] = [CONFIG, PARAMETERS, DERIVED, RESULTS];
/// Group below `results`/`derived_parameters` that holds one group per run.
pub const RUNS: &str = "runs";

/// Names that stand for the current run inside a path.
pub const CRUN: [&str; 2] = ["crun", "$"];

/// The canonical name of run `index`: `run_00000042`.
pub fn run_name(index: usize) -> String {
    format!("run_{index:08}")
}

/// Parses `run_00000042` back into 42.
pub fn run_index(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("run_")?;
    if digits.len() >= 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The index of a run's canonical name: `Some(i)` only when `name` is
/// exactly [`run_name`]`(i)` (`run_000000042` reads as run 42 with
/// [`run_index`] but is another name). Allocates nothing.
pub fn canonical_run_index(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("run_")?;
    // run_name pads to eight digits; a longer one has no leading zero.
    if digits.len() == 8 || !digits.starts_with('0') {
        run_index(name)
    } else {
        None
    }
}

/// True when a path names the current run with `crun` or `$`.
pub fn has_crun(path: &str) -> bool {
    path.split('.').any(|p| CRUN.contains(&p))
}

/// `path` with every `crun`/`$` part replaced by the name of run `index`.
pub fn replace_crun(path: &str, index: usize) -> String {
    let run = run_name(index);
    path.split('.')
        .map(|p| if CRUN.contains(&p) { run.as_str() } else { p })
        .collect::<Vec<_>>()
        .join(".")
}

/// The run a path belongs to: the first part that is a run name, in the
/// branches runs write to (`results.runs.run_00000042.z` → 42). Parameters and
/// config items never belong to a run, whatever their names look like.
pub fn run_of_path(path: &str) -> Option<usize> {
    let mut parts = path.split('.');
    match parts.next() {
        Some(RESULTS | DERIVED) => parts.find_map(run_index),
        _ => None,
    }
}

/// Validates one part of a dotted name.
pub fn validate_part(part: &str) -> Result<()> {
    let bad = |reason: String| {
        Err(PetError::InvalidName {
            name: part.to_string(),
            reason,
        })
    };
    if part.is_empty() {
        return bad("a name part is empty (check for leading, trailing or doubled dots)".into());
    }
    if part.chars().count() > MAX_PART_LEN {
        return bad(format!(
            "a name part may have at most {MAX_PART_LEN} characters, this one has {}",
            part.chars().count()
        ));
    }
    let mut chars = part.chars();
    let first = chars.next().unwrap_or('_');
    if !(first.is_ascii_alphabetic() || first == '_') {
        return bad("a name must start with an ASCII letter or '_'".into());
    }
    if let Some(c) = part
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return bad(format!(
            "character {c:?} is not allowed; use ASCII letters, digits and '_'"
        ));
    }
    if CRUN.contains(&part) {
        return bad("'crun' is reserved for the current run".into());
    }
    Ok(())
}

/// Validates a dotted name relative to some group (each part, no branch names below the top).
pub fn validate_name(name: &str) -> Result<()> {
    for part in name.split('.') {
        validate_part(part)?;
        if BRANCHES.contains(&part) {
            return Err(PetError::InvalidName {
                name: name.to_string(),
                reason: format!("'{part}' is reserved for a top-level branch"),
            });
        }
    }
    Ok(())
}

/// Validates a full path: a top-level branch followed by a valid relative name.
pub fn validate_path(path: &str) -> Result<()> {
    let (branch, rest) = split_branch(path);
    if !BRANCHES.contains(&branch) {
        return Err(PetError::InvalidName {
            name: path.to_string(),
            reason: format!("a full path starts with one of {}", BRANCHES.join(", ")),
        });
    }
    match rest {
        Some(r) => validate_name(r),
        None => Ok(()),
    }
}

/// Splits `parameters.a.b` into (`parameters`, `Some("a.b")`).
pub fn split_branch(path: &str) -> (&str, Option<&str>) {
    match path.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (path, None),
    }
}

/// Parent path (`a.b.c` → `a.b`); `None` for a top-level name.
pub fn parent(path: &str) -> Option<&str> {
    path.rsplit_once('.').map(|(p, _)| p)
}

/// Last part of a path.
pub fn last(path: &str) -> &str {
    path.rsplit_once('.').map(|(_, l)| l).unwrap_or(path)
}

/// Every ancestor of `path`, from the top-level branch down (not including `path`).
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('.').map(move |(i, _)| &path[..i])
}

/// Number of parts in a path.
pub fn depth(path: &str) -> usize {
    path.split('.').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for n in ["x", "syn.w", "_a1", "neuron.gL", "run_00000001"] {
            validate_name(n).unwrap();
        }
    }

    #[test]
    fn rejects_bad_names_with_reason() {
        for (n, needle) in [
            ("", "empty"),
            ("a..b", "empty"),
            ("a b", "not allowed"),
            ("ä", "start with"),
            ("1abc", "start with"),
            ("a-b", "not allowed"),
            ("crun", "reserved"),
            ("g.parameters", "top-level"),
        ] {
            let e = validate_name(n).unwrap_err().to_string();
            assert!(e.contains(needle), "{n}: {e}");
        }
        let long = "a".repeat(MAX_PART_LEN + 1);
        assert!(validate_name(&long)
            .unwrap_err()
            .to_string()
            .contains("at most 96"));
        validate_name(&"a".repeat(MAX_PART_LEN)).unwrap();
    }

    #[test]
    fn run_names_round_trip() {
        assert_eq!(run_name(42), "run_00000042");
        assert_eq!(run_index("run_00000042"), Some(42));
        assert_eq!(run_index("run_123456789"), Some(123_456_789));
        assert_eq!(run_index("run_42"), None);
        for i in [0, 42, 99_999_999, 100_000_000, 123_456_789] {
            assert_eq!(canonical_run_index(&run_name(i)), Some(i));
        }
        assert_eq!(canonical_run_index("run_000000042"), None);
        assert_eq!(canonical_run_index("run_42"), None);
        assert_eq!(run_index("run_000000042"), Some(42));
    }

    #[test]
    fn only_results_and_derived_parameters_belong_to_runs() {
        assert_eq!(run_of_path("results.runs.run_00000042.z"), Some(42));
        assert_eq!(
            run_of_path("derived_parameters.runs.run_00000001.d"),
            Some(1)
        );
        assert_eq!(run_of_path("results.traces.run_00000002"), Some(2));
        assert_eq!(run_of_path("parameters.run_00000003"), None);
        assert_eq!(run_of_path("parameters.g.run_00000003.x"), None);
        assert_eq!(run_of_path("config.run_00000003"), None);
    }

    #[test]
    fn path_helpers() {
        assert_eq!(parent("a.b.c"), Some("a.b"));
        assert_eq!(last("a.b.c"), "c");
        assert_eq!(ancestors("a.b.c").collect::<Vec<_>>(), vec!["a", "a.b"]);
        validate_path("parameters.x").unwrap();
        assert!(validate_path("params.x").is_err());
    }
}
