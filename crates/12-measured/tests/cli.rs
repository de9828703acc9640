//! End-to-end tests of the `measured` binary. They check the harness, never speed:
//! every run here uses `--smoke` sizes (a few loop turns, one or two children), so it
//! takes a fraction of a second and no assertion depends on how fast the machine is.

use std::process::{Command, Output};
use support::testkit::assert_usage_error;

const BIN: &str = env!("CARGO_BIN_EXE_measured");

fn measured(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run measured")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The rows of the JSON output, one object per line, checked for shape; returns the
/// lines.
fn json_rows(text: &str) -> Vec<String> {
    let text = text.trim();
    assert!(
        text.starts_with('[') && text.ends_with(']'),
        "not a JSON array: {text}"
    );
    let rows: Vec<String> = text
        .lines()
        .skip(1)
        .filter(|l| *l != "]")
        .map(String::from)
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let body = row.trim().trim_end_matches(',');
        assert_eq!(
            row.trim().ends_with(','),
            i + 1 < rows.len(),
            "commas: {row}"
        );
        assert!(
            body.starts_with("{\"name\": \"") && body.ends_with('}'),
            "{row}"
        );
        // Every `"key":` in order.
        let keys: Vec<&str> = body
            .match_indices("\":")
            .map(|(i, _)| body[..i].rsplit('"').next().unwrap())
            .collect();
        assert_eq!(keys, measured::JSON_KEYS, "{row}");
    }
    rows
}

#[test]
fn help_lists_the_flags() {
    let out = measured(&["--help"]);
    assert!(out.status.success());
    for flag in [
        "--quick",
        "--json",
        "--svg",
        "--repeats",
        "--only",
        "--no-python",
    ] {
        assert!(stdout(&out).contains(flag), "--help lacks {flag}");
    }
    assert!(
        !stdout(&out).contains("--child"),
        "the child role is hidden"
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--repeats", "0"], "--repeats");
    assert_usage_error(BIN, &["--only", "nope"], "--only");
    assert_usage_error(BIN, &["--bogus"], "--bogus");
    assert_usage_error(BIN, &["--repeats", "x"], "--repeats");
}

#[test]
fn every_rust_row_runs_without_python() {
    // An empty PATH: no python3 to find, so only the Rust side is measured.
    let out = Command::new(BIN)
        .args(["--smoke", "--repeats", "1", "--json"])
        .env("PATH", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("python3 not found"),
        "{}",
        stderr(&out)
    );
    let rows = json_rows(&stdout(&out));
    assert_eq!(rows.len(), measured::SPECS.len());
    for (row, spec) in rows.iter().zip(measured::SPECS) {
        assert!(
            row.contains(&format!("\"name\": \"{}\"", spec.name)),
            "{row}"
        );
        assert!(row.contains("\"python\": null"), "{row}");
        assert!(!row.contains("\"rust\": null"), "{row}");
        // Only the rows whose score is Rust's own figure have one without Python.
        assert_eq!(
            row.contains("\"speedup\": null"),
            spec.ratio != measured::Ratio::RustFigure,
            "{row}"
        );
        // A row with a ceiling has its figure, measured in the same run.
        assert_eq!(
            row.contains("\"ceiling\": null"),
            spec.ceiling.is_none(),
            "{row}"
        );
    }
}

#[test]
fn python_twin_is_paired_when_python3_is_there() {
    if measured::python::Python::find().is_none() {
        eprintln!("python3 is not on PATH: nothing to pair with");
        return;
    }
    // A row with a companion, and the rows of lessons 9 and 11, whose Python programs
    // start a process pool and open connections to the harness's server.
    let only =
        "thread-lock,process-pool-batch,cpu-processes-speedup,io-many-connections";
    let out = measured(&["--smoke", "--repeats", "1", "--json", "--only", only]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = json_rows(&stdout(&out));
    let names: Vec<&str> = rows.iter().map(|r| r.split('"').nth(3).unwrap()).collect();
    assert_eq!(
        names,
        [
            "thread-lock",
            "thread-lock-uncontended",
            "process-pool-batch",
            "cpu-processes-speedup",
            "io-many-connections",
            "io-many-connections-threads",
            "io-many-connections-mem",
            "io-many-connections-threads-mem"
        ]
    );
    for row in &rows {
        for key in ["python", "rust", "speedup"] {
            assert!(!row.contains(&format!("\"{key}\": null")), "{key}: {row}");
        }
    }
    // Both sides say whether the lock's two threads ran at once.
    for side in ["python", "rust"] {
        let null = format!("\"{side}_cpu_wall\": null");
        assert!(!rows[0].contains(&null), "{}", rows[0]);
    }
}

#[test]
fn table_and_chart() {
    let svg =
        std::env::temp_dir().join(format!("measured-test-{}.svg", std::process::id()));
    let out = measured(&[
        "--smoke",
        "--repeats",
        "1",
        "--no-python",
        "--only",
        "io-threads,process-start",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("row") && lines[0].contains("speedup"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("io-threads") && lines[2].starts_with("process-start"),
        "{text}"
    );
    assert!(text.contains("I/O-bound, 4 workers"), "{text}");
    // The second table: process-start against its ceiling.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("process-start") && l.contains("posix_spawn")),
        "{text}"
    );
    // Without Python no row has a speedup to judge, and the closing line says so.
    let last = lines.last().unwrap();
    assert!(last.contains("(0 of 0 against Python, "), "{text}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    std::fs::remove_file(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("process-start"));
}

#[test]
fn the_shared_value_row_leaves_no_shared_memory() {
    let ours = |name: &str| name.starts_with("shmem_measured_");
    let before: Vec<String> = std::fs::read_dir("/dev/shm")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let out = measured(&[
        "--smoke",
        "--repeats",
        "2",
        "--no-python",
        "--only",
        "shared-value",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let Ok(after) = std::fs::read_dir("/dev/shm") else {
        return; // no /dev/shm here (macOS): nothing to look at
    };
    let left: Vec<String> = after
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| ours(n) && !before.contains(n))
        .collect();
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
}

#[test]
fn unknown_child_role_is_refused() {
    let out = measured(&["--child", "dance"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown child role"));
}
