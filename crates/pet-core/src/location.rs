//! Store locations: parsing `scheme://path?key=value` URLs and bare file paths.

use std::collections::BTreeMap;

use crate::{PetError, Result};

/// A parsed store location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// `sqlite`, `hdf5`, `mongodb`, `memory`.
    pub scheme: String,
    /// Everything between `scheme://` and `?` (a file path, or host and database).
    pub rest: String,
    /// Query options (`?mode=ro&sync=full`).
    pub options: BTreeMap<String, String>,
}

impl Location {
    /// Parses a URL (`sqlite:///abs/a.db`, `sqlite://rel/a.db`, `hdf5://x.h5?mode=ro`)
    /// or a bare path whose extension names the backend (`.db`/`.sqlite` → sqlite,
    /// `.h5`/`.hdf5` → hdf5).
    pub fn parse(url: &str) -> Result<Location> {
        let bad = |reason: &str| PetError::BadLocation {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let (body, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut options = BTreeMap::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            options.insert(k.to_string(), v.to_string());
        }
        let (scheme, rest) = match body.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r.to_string()),
            None => {
                let lower = body.to_ascii_lowercase();
                let scheme = if lower.ends_with(".db")
                    || lower.ends_with(".sqlite")
                    || lower.ends_with(".sqlite3")
                {
                    "sqlite"
                } else if lower.ends_with(".h5") || lower.ends_with(".hdf5") {
                    "hdf5"
                } else {
                    return Err(bad(
                        "no scheme and an unknown file extension; write sqlite://FILE, hdf5://FILE or mongodb://HOST/DB, or use a .db/.sqlite/.h5/.hdf5 file name",
                    ));
                };
                (scheme.to_string(), body.to_string())
            }
        };
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return Err(bad(
                "the scheme must be letters, like sqlite://, hdf5:// or mongodb://",
            ));
        }
        if rest.is_empty() && scheme != "memory" {
            return Err(bad("the location after :// is empty"));
        }
        Ok(Location {
            scheme,
            rest,
            options,
        })
    }

    /// An option's value, if given.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    /// Rejects options other than `allowed`, naming them.
    pub fn check_options(&self, allowed: &[&str]) -> Result<()> {
        match self.options.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(PetError::BadLocation {
                url: self.to_string(),
                reason: format!(
                    "unknown option '{k}'; known options: {}",
                    allowed.join(", ")
                ),
            }),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.rest)?;
        let q: Vec<String> = self
            .options
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !q.is_empty() {
            write!(f, "?{}", q.join("&"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_and_paths() {
        let l = Location::parse("sqlite:///tmp/a.db?mode=ro&sync=full").unwrap();
        assert_eq!(
            (l.scheme.as_str(), l.rest.as_str()),
            ("sqlite", "/tmp/a.db")
        );
        assert_eq!(l.option("mode"), Some("ro"));
        assert_eq!(Location::parse("results/ca.h5").unwrap().scheme, "hdf5");
        assert_eq!(Location::parse("x.sqlite").unwrap().scheme, "sqlite");
        assert!(Location::parse("x.txt")
            .unwrap_err()
            .to_string()
            .contains("sqlite://"));
        assert!(Location::parse("sqlite://").is_err());
        assert!(l
            .check_options(&["mode"])
            .unwrap_err()
            .to_string()
            .contains("sync"));
    }
}
