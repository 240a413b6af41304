//! How the `pet` command prints an error: the chain of causes once each (a
//! cause whose text its parent already shows is left out), plus advice in the
//! command's own terms for errors the library reports without naming commands.
//! Messages may quote stored text (names, values), so the line is cleaned.

use pet_core::PetError;

use crate::safe_text::clean;

/// The error as one line, safe to print (control characters escaped), with
/// the command's advice appended where it has some.
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
        Some(PetError::Foreign { .. }) => Some(
            "browse it with `pet ls|tree|show FILE`; convert it with `pet migrate FILE sqlite://new.db` and change the copy",
        ),
        Some(PetError::ReadOnly { .. }) => Some(
            "commands that only read open stores read-only; copy with `pet migrate` to change one",
        ),
        _ => None,
    });
    if let Some(h) = hint {
        out.push_str(&format!(" ({h})"));
    }
    clean(&out).into_owned()
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

    #[test]
    fn stored_text_in_messages_is_escaped() {
        let e = anyhow::anyhow!("bad value 'x\x1b]52;c;AAAA\x07'\nsecond line");
        let shown = render(&e);
        assert_eq!(shown, "bad value 'x\\u{1b}]52;c;AAAA\\u{7}'\\nsecond line");
    }
}
