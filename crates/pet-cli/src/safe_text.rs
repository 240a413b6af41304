//! Making text from a store safe to print: a forged store must not be able to
//! move the cursor, clear the screen, set the clipboard (OSC 52), ring the
//! bell or overwrite lines on the user's terminal. Every string read from a
//! store goes through [`clean`] before it is printed.

use std::borrow::Cow;

/// True for characters that a terminal may act on rather than show: C0
/// controls (tab and newline included: they break single-line fields), DEL,
/// C1 controls (U+0080..U+009F, e.g. U+009B is CSI), the Unicode line and
/// paragraph separators, and the bidirectional overrides and isolates that
/// reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `s` with every character [`is_unsafe`] finds replaced by a visible escape,
/// written as Rust's `{:?}` writes it (and so as pet shows string values):
/// `\t`, `\n`, `\r`, `\0`, else `\u{1b}` for ESC; borrowed unchanged when
/// there is none.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text with the unsafe characters that JSON allows raw (DEL, C1, the
/// separators and bidi controls; serde_json already escapes C0) written as
/// `\uXXXX` escapes: the same JSON value, safe on a terminal. Only valid JSON
/// text is expected: such characters can only occur inside its strings.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            // JSON's own whitespace between tokens stays as it is.
            '\n' | '\t' | '\r' => out.push(c),
            c if is_unsafe(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_terminals_act_on() {
        let hostile = "a\x1b]52;c;AAAA\x07b\x1b[2J\rc\td\ne\u{7f}\u{9b}1m\u{202e}f\0";
        let shown = clean(hostile);
        assert_eq!(
            shown,
            "a\\u{1b}]52;c;AAAA\\u{7}b\\u{1b}[2J\\rc\\td\\ne\\u{7f}\\u{9b}1m\\u{202e}f\\0"
        );
        // The same escapes as `{:?}` of a string (which is how values are shown).
        let debug = format!("{:?}", "\x1b]52;\x07\r\t\n\u{9b}\0");
        assert_eq!(
            format!("\"{}\"", clean("\x1b]52;\x07\r\t\n\u{9b}\0")),
            debug
        );
        assert!(!shown.chars().any(is_unsafe));
        assert!(matches!(clean("plain, ünïcödé ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_keep_the_value() {
        let v = serde_json::json!({"s": "a\u{1b}[2J\u{7f}\u{9b}\u{2028}b"});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }
}
