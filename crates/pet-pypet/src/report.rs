//! What reading a pypet trajectory found: every node read, converted,
//! carried opaque (pickles) or skipped with its reason, counted once per
//! path however often it is read, and the warning that names every pickle.

use std::collections::BTreeMap;

/// What became of one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Converted to pet values (groups, links and leaves).
    Converted,
    /// A leaf holding a pickle carried over as opaque bytes.
    Opaque,
    /// Left out, with the reason.
    Skipped(String),
}

/// The conversion report of one trajectory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The trajectory.
    pub trajectory: String,
    /// Outcome by path in the file (pet path, or the HDF5 path of a node pet cannot name).
    pub nodes: BTreeMap<String, Outcome>,
    /// Remarks on values pet keeps in another form than pypet (by path).
    pub notes: BTreeMap<String, String>,
}

impl Report {
    /// Records the outcome of `path` (the latest read wins).
    pub fn record(&mut self, path: &str, outcome: Outcome) {
        self.nodes.insert(path.to_string(), outcome);
    }

    /// Nodes read.
    pub fn read(&self) -> usize {
        self.nodes.len()
    }

    /// Nodes converted to typed pet values.
    pub fn converted(&self) -> usize {
        self.count(|o| *o == Outcome::Converted)
    }

    /// Paths of leaves carried as opaque pickles.
    pub fn opaque(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|(_, o)| **o == Outcome::Opaque)
            .map(|(p, _)| p.as_str())
            .collect()
    }

    /// Skipped nodes with their reasons.
    pub fn skipped(&self) -> Vec<(&str, &str)> {
        self.nodes
            .iter()
            .filter_map(|(p, o)| match o {
                Outcome::Skipped(r) => Some((p.as_str(), r.as_str())),
                _ => None,
            })
            .collect()
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.nodes.values().filter(|o| f(o)).count()
    }

    /// One line: `nodes read N, converted N, carried as opaque N, skipped N`.
    pub fn summary(&self) -> String {
        format!(
            "pypet trajectory '{}': {} nodes read, {} converted, {} carried as opaque pickles, {} skipped",
            self.trajectory,
            self.read(),
            self.converted(),
            self.opaque().len(),
            self.skipped().len()
        )
    }

    /// The warning naming every pickled item, `None` when there is none.
    pub fn pickle_warning(&self) -> Option<String> {
        let paths = self.opaque();
        if paths.is_empty() {
            return None;
        }
        Some(format!(
            "{} pickled item(s) of pypet trajectory '{}' were carried over as opaque bytes and never unpickled \
             (pet runs no code from files): {}. Their bytes are kept exactly as pypet wrote them \
             (user type 'pypet.pickle' in results, u8 arrays noted 'pickle' in parameters); \
             only unpickle them in Python if you trust the file",
            paths.len(),
            self.trajectory,
            paths.join(", ")
        ))
    }

    /// Every line a user should see: the summary, the pickle warning, each
    /// skipped node with its reason.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.summary()];
        if let Some(w) = self.pickle_warning() {
            out.push(format!("warning: {w}"));
        }
        for (p, r) in self.skipped() {
            out.push(format!("skipped {p}: {r}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_once_per_path() {
        let mut r = Report {
            trajectory: "t".into(),
            ..Report::default()
        };
        r.record("results.a", Outcome::Converted);
        r.record("results.a", Outcome::Converted);
        r.record("results.p", Outcome::Opaque);
        r.record("/t/x-y", Outcome::Skipped("bad name".into()));
        assert_eq!(
            (r.read(), r.converted(), r.opaque().len(), r.skipped().len()),
            (3, 1, 1, 1)
        );
        let w = r.pickle_warning().unwrap();
        assert!(
            w.contains("results.p") && w.contains("never unpickled"),
            "{w}"
        );
        assert!(r
            .lines()
            .iter()
            .any(|l| l.contains("skipped /t/x-y: bad name")));
    }
}
