//! Printing that never panics: a closed pipe (`neurobatch info x | head -1`)
//! or a closed stderr must not stop a convert half way.

use std::io::Write;

/// A line on stdout (results: info, plans, summaries).
pub fn out(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// A line on stderr (progress and errors).
pub fn err(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}
