//! Backend descriptors: what a backend tells the rest of pet about itself
//! (schemes, file extensions, URL options, how to open it), and [`resolve`],
//! the one place where a URL or path is matched against a list of backends.

use std::sync::Arc;

use crate::location::Location;
use crate::{PetError, Result};

use super::Store;

/// How a store is opened when its URL does not say (`?mode=ro` or `?mode=rw`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reading and writing; file stores are created when missing.
    ReadWrite,
    /// Reading only: nothing is created, every write is refused.
    ReadOnly,
}

/// URL option every backend takes: `mode=ro|rw`.
pub const MODE_OPTION: &str = "mode";

impl Access {
    /// The access a location asks for with `mode=`, else `default`.
    pub fn from_location(loc: &Location, default: Access) -> Result<Access> {
        match loc.option(MODE_OPTION) {
            None => Ok(default),
            Some("rw") => Ok(Access::ReadWrite),
            Some("ro") => Ok(Access::ReadOnly),
            Some(m) => Err(PetError::BadLocation {
                url: loc.to_string(),
                reason: format!("mode must be ro or rw, not '{m}'"),
            }),
        }
    }

    /// True for [`Access::ReadOnly`].
    pub fn is_read_only(self) -> bool {
        self == Access::ReadOnly
    }
}

/// Opens a store from a resolved location (its scheme is the backend's).
pub type OpenFn = fn(&Location, Access) -> Result<Arc<dyn Store>>;

/// Which URL options a backend takes besides `mode`.
#[derive(Clone, Copy, Debug)]
pub enum UrlOptions {
    /// Only these (file stores also take the shared [`super::file::FILE_OPTIONS`]).
    Only(&'static [&'static str]),
    /// Any: the backend hands unknown options to its driver, which checks them.
    Any,
}

/// Everything pet needs to know about one backend. Each backend crate exports
/// one; the list of backends compiled into a program holds them.
#[derive(Clone, Copy, Debug)]
pub struct Descriptor {
    /// Display name (`SQLite`).
    pub name: &'static str,
    /// The cargo feature of the `pet` facade that compiles it in (`sqlite`).
    pub feature: &'static str,
    /// URL schemes, the canonical one first (`mongodb`, `mongodb+srv`).
    pub schemes: &'static [&'static str],
    /// File extensions (lower case, no dot) that name this backend for a bare path.
    pub extensions: &'static [&'static str],
    /// True for stores in one local file (they take `sync=` and are opened
    /// through [`super::file::prepare`]).
    pub file: bool,
    /// URL options besides `mode`.
    pub options: UrlOptions,
    /// A URL to show in messages (`sqlite://FILE`).
    pub example: &'static str,
    /// Opens a store; `None` when the backend is not compiled in.
    pub open: Option<OpenFn>,
}

impl Descriptor {
    /// The entry of a backend this build leaves out: enough to recognise its
    /// URLs and say which feature to enable.
    pub const fn missing(self) -> Descriptor {
        Descriptor { open: None, ..self }
    }

    /// True when the backend is compiled in.
    pub fn is_available(&self) -> bool {
        self.open.is_some()
    }

    /// The canonical scheme.
    pub fn scheme(&self) -> &'static str {
        self.schemes.first().copied().unwrap_or("")
    }

    /// True when `scheme` is one of this backend's.
    pub fn takes_scheme(&self, scheme: &str) -> bool {
        self.schemes.contains(&scheme)
    }

    /// Rejects options this backend does not take, naming them and the known ones.
    pub fn check_options(&self, loc: &Location) -> Result<()> {
        let UrlOptions::Only(own) = self.options else {
            return Ok(());
        };
        let mut known = vec![MODE_OPTION];
        if self.file {
            known.extend(super::file::FILE_OPTIONS);
        }
        known.extend(own);
        loc.check_options(&known)
    }

    /// Opens the store at `loc` (resolved to this backend by [`resolve`], which
    /// checked its options).
    pub fn open(&self, loc: &Location, default: Access) -> Result<Arc<dyn Store>> {
        let Some(open) = self.open else {
            return Err(PetError::NotCompiled {
                url: loc.to_string(),
                backend: self.name,
                feature: self.feature,
            });
        };
        open(loc, default)
    }
}

fn schemes_of(list: &[&Descriptor], available: bool) -> String {
    list.iter()
        .filter(|d| d.is_available() == available)
        .map(|d| d.example)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the backend for `url` in `list`: by scheme, or by file extension for a
/// bare path (whose location then gets the backend's scheme), and checks the
/// URL's options against it (the one place they are checked). An unknown scheme
/// or extension is an error that lists what this build takes; a backend that is
/// listed but not compiled in is [`PetError::NotCompiled`] naming its feature.
pub fn resolve<'a>(url: &str, list: &[&'a Descriptor]) -> Result<(&'a Descriptor, Location)> {
    let mut loc = Location::parse(url)?;
    let found = if loc.is_bare() {
        let ext = loc.extension().unwrap_or_default();
        let hit = list
            .iter()
            .find(|d| d.extensions.contains(&ext.as_str()))
            .copied();
        let Some(d) = hit else {
            let exts: Vec<String> = list
                .iter()
                .filter(|d| d.is_available())
                .flat_map(|d| d.extensions.iter().map(|e| format!(".{e}")))
                .collect();
            return Err(PetError::BadLocation {
                url: url.to_string(),
                reason: format!(
                    "no scheme and no known file extension; write a URL ({}) or a file name ending in {}",
                    schemes_of(list, true),
                    if exts.is_empty() { "(none in this build)".to_string() } else { exts.join(", ") }
                ),
            });
        };
        loc.scheme = d.scheme().to_string();
        d
    } else {
        let hit = list.iter().find(|d| d.takes_scheme(&loc.scheme)).copied();
        let Some(d) = hit else {
            let missing = schemes_of(list, false);
            return Err(PetError::BadLocation {
                url: url.to_string(),
                reason: format!(
                    "unknown store type '{}'; this build takes {}{}",
                    loc.scheme,
                    schemes_of(list, true),
                    if missing.is_empty() {
                        String::new()
                    } else {
                        format!(" (and, with their features enabled, {missing})")
                    }
                ),
            });
        };
        d
    };
    if !found.is_available() {
        return Err(PetError::NotCompiled {
            url: url.to_string(),
            backend: found.name,
            feature: found.feature,
        });
    }
    found.check_options(&loc)?;
    Ok((found, loc))
}

/// Resolves `url` in `list` and opens it; `default` applies when the URL has no `mode=`.
///
/// A backend that finds a file another program wrote answers
/// [`PetError::Foreign`] naming the scheme of the backend that reads it (an
/// `.hdf5` path holding a pypet file): the file is then opened through that
/// backend, read-only, when the list has it (and [`PetError::NotCompiled`]
/// naming its feature when the build leaves it out). A file is thus recognised
/// by its content wherever a store is taken, not by its name.
pub fn open(url: &str, list: &[&Descriptor], default: Access) -> Result<Arc<dyn Store>> {
    let (d, loc) = resolve(url, list)?;
    match d.open(&loc, default) {
        Err(PetError::Foreign { location, format }) => {
            let Some(reader) = list
                .iter()
                .find(|r| r.takes_scheme(format) && !std::ptr::eq(**r, d))
            else {
                return Err(PetError::Foreign { location, format });
            };
            let mut loc = loc;
            loc.scheme = reader.scheme().to_string();
            reader.check_options(&loc)?;
            reader.open(&loc, Access::ReadOnly)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory;

    const FAKE: Descriptor = Descriptor {
        name: "Fake",
        feature: "fake",
        schemes: &["fake"],
        extensions: &["fk"],
        file: true,
        options: UrlOptions::Only(&["speed"]),
        example: "fake://FILE",
        open: None,
    };

    #[test]
    fn resolves_by_scheme_and_extension_and_explains_failures() {
        let list = [&memory::DESCRIPTOR, &FAKE];
        let (d, _) = resolve("memory://", &list).unwrap();
        assert_eq!(d.name, "memory");
        let e = resolve("x.fk", &list).unwrap_err();
        assert!(
            matches!(
                e,
                PetError::NotCompiled {
                    feature: "fake",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("features = [\"fake\"]"), "{e}");
        let e = resolve("nope://x", &list).unwrap_err().to_string();
        assert!(e.contains("memory://") && e.contains("fake://FILE"), "{e}");
        let e = resolve("x.txt", &list).unwrap_err().to_string();
        assert!(e.contains("no known file extension"), "{e}");
    }

    #[test]
    fn options_are_checked_against_the_descriptor() {
        let loc = Location::parse("fake://a.fk?speed=1&sync=full&mode=ro").unwrap();
        FAKE.check_options(&loc).unwrap();
        let loc = Location::parse("fake://a.fk?colour=red").unwrap();
        let e = FAKE.check_options(&loc).unwrap_err().to_string();
        assert!(e.contains("colour") && e.contains("speed"), "{e}");
        let loc = Location::parse("memory://?mode=ro").unwrap();
        let store = memory::DESCRIPTOR.open(&loc, Access::ReadWrite).unwrap();
        assert!(store.is_read_only());
    }
}

#[cfg(test)]
mod forged {
    use super::*;
    use crate::storage::memory;

    /// URLs an attacker or a typo could give: huge, option-flooded, odd bytes.
    /// Each is answered with an error or a store, never a panic.
    #[test]
    fn forged_urls_get_errors_not_panics() {
        let list = [&memory::DESCRIPTOR];
        let huge = format!("memory://{}", "a".repeat(1 << 20));
        let flood = format!(
            "memory://?{}",
            (0..100_000)
                .map(|i| format!("k{i}=v"))
                .collect::<Vec<_>>()
                .join("&")
        );
        let cases = [
            huge.as_str(),
            flood.as_str(),
            "",
            "://",
            "?",
            "memory://?mode",
            "memory://?mode=ro=rw",
            "memory://?=&&&=",
            "MEMORY://",
            "x.",
            ".h5",
            "a/b/c.\u{0}h5",
            "m\u{e9}moire://x",
            "memory:///../../etc/passwd?mode=ro",
            "💥://💥",
        ];
        for url in cases {
            let shown: String = url.chars().take(40).collect();
            match open(url, &list, Access::ReadWrite) {
                Ok(s) => assert_eq!(s.location(), "memory://", "{shown}"),
                Err(e) => assert!(!e.to_string().is_empty(), "{shown}"),
            }
        }
        let e = open(&flood, &list, Access::ReadWrite)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("unknown option"), "{}", &e[..e.len().min(200)]);
    }
}
