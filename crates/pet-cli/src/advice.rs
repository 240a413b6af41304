//! How the `pet` command prints an error: the chain of causes once each (a
//! cause whose text its parent already shows is left out), plus advice in the
//! command's own terms for errors the library reports without naming commands.

use pet_core::PetError;

/// The error as one line, with the command's advice appended where it has some.
pub fn render(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    let hint = e.chain().find_map(|c| match c.downcast_ref::<PetError>() {
        Some(PetError::NotFound(_)) => Some("list the tree with `pet tree STORE`"),
        Some(PetError::NoTrajectory(_)) => Some("list the trajectories with `pet ls STORE`"),
        Some(PetError::ReadOnly { .. }) => Some(
            "commands that only read open stores read-only; copy with `pet migrate` to change one",
        ),
        _ => None,
    });
    if let Some(h) = hint {
        out.push_str(&format!(" ({h})"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_appear_once_and_advice_names_commands() {
        let io = std::io::Error::other("disk on fire");
        let e = anyhow::Error::new(PetError::backend(
            "sqlite",
            "cannot write: disk on fire",
            io,
        ))
        .context("cannot open store x.db");
        assert_eq!(
            render(&e),
            "cannot open store x.db: sqlite store error: cannot write: disk on fire"
        );
        let e = anyhow::Error::new(PetError::NotFound("results.z".into()));
        assert!(render(&e).contains("`pet tree STORE`"), "{}", render(&e));
    }
}
