//! Store locations: parsing `scheme://path?key=value` URLs and bare file paths.

use std::collections::BTreeMap;

use crate::{PetError, Result};

/// A parsed store location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The URL's scheme, lower case (`sqlite`, `mongodb+srv`); empty for a bare
    /// path until the backend list resolves it by extension.
    pub scheme: String,
    /// Everything between `scheme://` and `?` (a file path, or host and database).
    pub rest: String,
    /// Query options (`?mode=ro&sync=full`).
    pub options: BTreeMap<String, String>,
}

impl Location {
    /// Parses a URL (`sqlite:///abs/a.db`, `sqlite://rel/a.db`, `hdf5://x.h5?mode=ro`)
    /// or a bare path (`results/a.db`, scheme left empty). Which backends exist
    /// is not known here: [`crate::storage::descriptor::resolve`] picks one.
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
            // A bare path: the backend list picks the scheme from its extension
            // (`storage::descriptor::resolve`).
            None => (String::new(), body.to_string()),
        };
        if !scheme.is_empty()
            && !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return Err(bad(
                "the scheme must be letters, digits or '+', like sqlite:// or mongodb+srv://",
            ));
        }
        if body.split_once("://").is_some_and(|(s, _)| s.is_empty()) {
            return Err(bad("the URL has '://' but no scheme before it"));
        }
        if rest.is_empty() && scheme != "memory" {
            return Err(bad("the location is empty; give a file name or a URL"));
        }
        Ok(Location {
            scheme,
            rest,
            options,
        })
    }

    /// True for a bare path (no `scheme://`).
    pub fn is_bare(&self) -> bool {
        self.scheme.is_empty()
    }

    /// The file extension of the path, lower case (`h5` for `runs/A.H5`).
    pub fn extension(&self) -> Option<String> {
        std::path::Path::new(&self.rest)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
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
        if self.is_bare() {
            write!(f, "{}", self.rest)?;
        } else {
            write!(f, "{}://{}", self.scheme, self.rest)?;
        }
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
        let bare = Location::parse("results/ca.H5").unwrap();
        assert!(bare.is_bare());
        assert_eq!(bare.extension().as_deref(), Some("h5"));
        assert_eq!(bare.to_string(), "results/ca.H5");
        assert!(Location::parse("sqlite://").is_err());
        assert!(Location::parse("://x").is_err());
        assert!(Location::parse("sq lite://x").is_err());
        assert!(l
            .check_options(&["mode"])
            .unwrap_err()
            .to_string()
            .contains("sync"));
    }
}
