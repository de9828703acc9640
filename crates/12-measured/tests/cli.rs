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
        assert_eq!(keys, ["name", "unit", "python", "rust", "speedup"], "{row}");
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
    let names: Vec<&str> = measured::SPECS.iter().map(|s| s.name).collect();
    assert_eq!(rows.len(), names.len());
    for (row, name) in rows.iter().zip(names) {
        assert!(row.contains(&format!("\"name\": \"{name}\"")), "{row}");
        assert!(row.contains("\"python\": null"), "{row}");
        assert!(!row.contains("\"rust\": null"), "{row}");
        // Only the row whose score is Rust's own figure has one without Python.
        assert_eq!(
            row.contains("\"speedup\": null"),
            name != "cpu-threads-speedup",
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
    let out = measured(&[
        "--smoke",
        "--repeats",
        "1",
        "--json",
        "--only",
        "thread-lock",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = json_rows(&stdout(&out));
    assert_eq!(rows.len(), 1);
    for key in ["python", "rust", "speedup"] {
        assert!(
            !rows[0].contains(&format!("\"{key}\": null")),
            "{key}: {}",
            rows[0]
        );
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
    // Without Python no row has a speedup to judge, and the closing line says so.
    assert_eq!(lines.last(), Some(&"Result: 0 of 0 goals met"), "{text}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    std::fs::remove_file(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("process-start"));
}

#[test]
fn unknown_child_role_is_refused() {
    let out = measured(&["--child", "dance"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown child role"));
}
