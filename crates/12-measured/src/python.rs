//! Running a Python twin: one program in `python/` that measures one idiom and prints
//! one line per figure, `<name> <value> <unit>`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

    /// The interpreter `program`, if it runs. What runs the twins is the interpreter
    /// itself (`sys.executable`), not `program`: a `python3` on `PATH` may be a
    /// wrapper (pyenv's shim is a shell script that costs a tenth of a second or more
    /// per start), which would be timed with every Python figure.
    pub fn at(program: impl Into<PathBuf>) -> Option<Self> {
        let program = program.into();
        let out = Command::new(&program)
            .args(["-c", "import platform, sys; print('Python', platform.python_version()); print(sys.executable)"])
            .stdin(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let version = lines.next()?.trim().to_string();
        let program = match lines.next().map(str::trim) {
            Some(exe) if !exe.is_empty() => PathBuf::from(exe),
            _ => program,
        };
        Some(Self { program, version })
    }

    /// The interpreter that runs the twins.
    pub fn program(&self) -> &std::path::Path {
        &self.program
    }

    /// The mean time to start `python3 -c pass` (an interpreter that runs nothing) and
    /// wait for it, through a plain `Command`, as the `empty-start` row starts ours.
    pub fn empty_start(&self, starts: u32) -> Result<Duration, String> {
        let start = Instant::now();
        for _ in 0..starts {
            let status = Command::new(&self.program)
                .args(["-c", "pass"])
                .stdin(Stdio::null())
                .status()
                .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
            if !status.success() {
                return Err(format!("python3 -c pass ended with {status}"));
            }
        }
        Ok(start.elapsed() / starts.max(1))
    }

    /// Runs `python/<script>` with `args` and returns the figure it printed last.
    pub fn run(&self, script: &str, args: &[String]) -> Result<f64, String> {
        self.run_all(script, args)?
            .last()
            .copied()
            .ok_or_else(|| format!("{script} printed no `<name> <value> <unit>` line"))
    }

    /// Runs `python/<script>` with `args` and returns every figure it printed, in order.
    pub fn run_all(&self, script: &str, args: &[String]) -> Result<Vec<f64>, String> {
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
        let stdout = String::from_utf8_lossy(&out.stdout);
        let figures: Vec<f64> = stdout.lines().filter_map(parse_line).collect();
        if figures.is_empty() {
            return Err(format!("{script} printed no `<name> <value> <unit>` line"));
        }
        Ok(figures)
    }
}

/// The value from the last line of the form `<name> <value> <unit>`.
pub fn parse_figure(stdout: &str) -> Option<f64> {
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty())?;
    parse_line(line)
}

/// The value of one line of the form `<name> <value> <unit>`.
pub fn parse_line(line: &str) -> Option<f64> {
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
            "io_connections.py",
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
