//! Running a Python twin: one program in `python/` that measures one idiom and prints
//! one line, `<name> <value> <unit>`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Where the Python twins live: `python/` at the top of the workspace, found from this
/// crate.
pub const PYTHON_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../python");

/// A Python interpreter that answered `--version`.
#[derive(Clone, Debug)]
pub struct Python {
    program: PathBuf,
    /// What `--version` printed, e.g. `Python 3.11.7`.
    pub version: String,
}

impl Python {
    /// `python3` from `PATH`, if there is one that runs.
    pub fn find() -> Option<Self> {
        Self::at("python3")
    }

    /// The interpreter `program`, if it runs.
    pub fn at(program: impl Into<PathBuf>) -> Option<Self> {
        let program = program.into();
        let out = Command::new(&program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Some(Self { program, version })
    }

    /// Runs `python/<script>` with `args` and returns the figure it printed.
    pub fn run(&self, script: &str, args: &[String]) -> Result<f64, String> {
        let path = PathBuf::from(PYTHON_DIR).join(script);
        let mut command = Command::new(&self.program);
        command.arg(&path).args(args).stdin(Stdio::null());
        // A twin is a child like any other: it must not outlive the harness.
        crate::child::die_with_parent(&mut command);
        let out = command
            .output()
            .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().last().unwrap_or("").trim();
            return Err(format!("{script} failed ({}): {last}", out.status));
        }
        parse_figure(&String::from_utf8_lossy(&out.stdout))
            .ok_or_else(|| format!("{script} printed no `<name> <value> <unit>` line"))
    }
}

/// The value from the last line of the form `<name> <value> <unit>`.
pub fn parse_figure(stdout: &str) -> Option<f64> {
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty())?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    match fields[..] {
        [_name, value, _unit] => value.parse().ok().filter(|v: &f64| v.is_finite()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_is_read_from_the_last_line() {
        assert_eq!(parse_figure("queue 86175.6 msgs/s\n"), Some(86175.6));
        assert_eq!(
            parse_figure("warming up\nshared-value 4.5e+06 updates/s\n\n"),
            Some(4.5e6)
        );
    }

    #[test]
    fn malformed_output_gives_nothing() {
        assert_eq!(parse_figure(""), None);
        assert_eq!(parse_figure("queue fast msgs/s"), None);
        assert_eq!(parse_figure("queue 12"), None);
        assert_eq!(parse_figure("queue nan msgs/s"), None);
    }

    #[test]
    fn every_twin_is_there() {
        for script in [
            "pool_batch.py",
            "pool_roundtrip.py",
            "cpu_bound.py",
            "io_bound.py",
            "process_start.py",
            "queue_throughput.py",
            "shared_value.py",
            "process_lock.py",
            "thread_lock.py",
        ] {
            assert!(
                PathBuf::from(PYTHON_DIR).join(script).is_file(),
                "{script} is missing"
            );
        }
    }

    #[test]
    fn a_missing_interpreter_is_not_found() {
        assert!(Python::at("/nonexistent/python3").is_none());
    }
}
