//! Ending quietly when the reader of `pet`'s output goes away (`pet tree STORE |
//! head`): Rust ignores SIGPIPE, so printing to a closed pipe panics with
//! "failed printing to stdout: Broken pipe"; the hook turns that one panic
//! into a normal exit and leaves every other panic as it is.

/// Installs the hook; call it first in `main`.
pub fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
