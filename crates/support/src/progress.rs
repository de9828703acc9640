//! A progress line on stderr. On a terminal it is rewritten in place with `\r`;
//! otherwise (a pipe, a file, a test) each change is a plain line, so logs stay
//! readable.

use std::io::{IsTerminal, Write};

/// Prints progress to stderr, keeping stdout for results.
pub struct ProgressLine {
    terminal: bool,
    last: Option<String>,
    open: bool,
}

impl ProgressLine {
    /// A progress line that rewrites itself in place if stderr is a terminal.
    pub fn new() -> Self {
        Self::with_terminal(std::io::stderr().is_terminal())
    }

    /// A progress line that behaves as on a terminal (`true`) or as in a pipe
    /// (`false`).
    pub fn with_terminal(terminal: bool) -> Self {
        Self {
            terminal,
            last: None,
            open: false,
        }
    }

    /// Shows `line`, unless it is the same as the line shown last.
    pub fn show(&mut self, line: &str) {
        if let Some(text) = self.render(line) {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
    }

    /// What [`ProgressLine::show`] writes for `line`, or `None` when nothing changed.
    fn render(&mut self, line: &str) -> Option<String> {
        if self.last.as_deref() == Some(line) {
            return None;
        }
        self.last = Some(line.to_string());
        if self.terminal {
            self.open = true;
            // `\x1b[K` clears what a longer previous line left behind.
            Some(format!("\r{line}\x1b[K"))
        } else {
            Some(format!("{line}\n"))
        }
    }

    /// Ends an in-place line so that what is printed next starts on a fresh line.
    pub fn finish(&mut self) {
        if self.open {
            let _ = writeln!(std::io::stderr());
            self.open = false;
        }
    }
}

impl Default for ProgressLine {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `42.00%`: a percentage the way every lesson prints it.
pub fn percent(progress: f32) -> String {
    format!("{progress:6.2}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_fixed_width() {
        assert_eq!(percent(2.0), "  2.00%");
        assert_eq!(percent(100.0), "100.00%");
    }

    #[test]
    fn pipe_gets_plain_lines_and_repeats_are_skipped() {
        let mut line = ProgressLine::with_terminal(false);
        assert_eq!(line.render("a").as_deref(), Some("a\n"));
        assert_eq!(line.render("a"), None);
        assert_eq!(line.render("b").as_deref(), Some("b\n"));
        assert!(!line.open, "a pipe never leaves a line open");
    }

    #[test]
    fn terminal_line_is_rewritten_in_place() {
        let mut line = ProgressLine::with_terminal(true);
        assert_eq!(line.render("a").as_deref(), Some("\ra\x1b[K"));
        assert!(line.open);
        line.open = false; // nothing was printed, so drop has nothing to end
    }
}
