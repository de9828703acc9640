//! Lesson `measured`: the tutorial's claims, measured. Each row of the benchmark runs
//! one of our Rust building blocks and its Python twin (a small program in `python/`)
//! back to back, several times, and compares the medians.
//!
//! - [`idioms`]: the Rust side of every row (what is timed, and how).
//! - [`python`]: running a Python twin and reading its one-line answer.
//! - [`chart`]: the SVG chart of a run.
//! - this module: the rows, medians, the "times better" ratio, the table and the JSON.
//!
//! Why medians: a shared machine is noisy (other programs, the CPU's clock, the page
//! cache), and noise only ever makes a run slower. The median of a few runs ignores the
//! odd slow one; the mean would not.

pub mod chart;
pub mod child;
pub mod idioms;
pub mod python;
pub mod solutions;

use std::fmt::Write as _;

// ANCHOR: ratio
/// How a row's two figures turn into "how many times better Rust is".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ratio {
    /// A rate (tasks/s, msgs/s...): more is better, so the ratio is rust / python.
    Rate,
    /// A time (us, ms): less is better, so the ratio is inverted: python / rust.
    Time,
    /// The Rust figure is already the score (a speedup of Rust over itself).
    RustFigure,
}

/// How many times better Rust did than Python, or `None` when a figure is missing or is
/// not a positive number.
pub fn speedup(ratio: Ratio, python: Option<f64>, rust: Option<f64>) -> Option<f64> {
    let positive = |x: Option<f64>| x.filter(|v| v.is_finite() && *v > 0.0);
    match ratio {
        Ratio::Rate => Some(positive(rust)? / positive(python)?),
        Ratio::Time => Some(positive(python)? / positive(rust)?),
        Ratio::RustFigure => positive(rust),
    }
}
// ANCHOR_END: ratio

/// The middle value of the samples (the mean of the two middle ones for an even count);
/// `None` for no samples. Samples that are not finite numbers are ignored.
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> =
        samples.iter().copied().filter(|x| x.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// What one row measures, and the goal its ratio should reach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    /// The row's name, as in the JSON and on the command line (`--only`).
    pub name: &'static str,
    /// The unit of the `python` and `rust` figures.
    pub unit: &'static str,
    pub ratio: Ratio,
    /// The ratio this row should reach on the 2-core reference machine, if it has a
    /// goal.
    pub goal: Option<f64>,
    /// One line: what is measured.
    pub what: &'static str,
}

/// Every row, in the order of the lessons.
pub const SPECS: [Spec; 9] = [
    Spec {
        name: "pool-batch",
        unit: "tasks/s",
        ratio: Ratio::Rate,
        goal: Some(8.0),
        what: "a batch of trivial tasks through a 2-thread pool",
    },
    Spec {
        name: "pool-roundtrip",
        unit: "us",
        ratio: Ratio::Time,
        goal: Some(20.0),
        what: "one submit, then wait for its result",
    },
    Spec {
        name: "cpu-threads-speedup",
        unit: "x",
        ratio: Ratio::RustFigure,
        goal: Some(1.7),
        what: "2 threads over sequential on a CPU-bound loop",
    },
    Spec {
        name: "io-threads",
        unit: "ms",
        ratio: Ratio::Time,
        // No goal: both languages just wait here, so about 1x is the expected answer.
        goal: None,
        what: "4 threads, each sleeping 10 (quick: 5) times 10 ms",
    },
    Spec {
        name: "process-start",
        unit: "ms",
        ratio: Ratio::Time,
        goal: Some(20.0),
        what: "start a child process (spawn) and wait for it",
    },
    Spec {
        name: "queue",
        unit: "msgs/s",
        ratio: Ratio::Rate,
        goal: Some(10.0),
        what: "small progress messages, child to parent",
    },
    Spec {
        name: "shared-value",
        unit: "updates/s",
        ratio: Ratio::Rate,
        goal: Some(50.0),
        what: "set a shared f32 in a loop",
    },
    Spec {
        name: "process-lock-contended",
        unit: "increments/s",
        ratio: Ratio::Rate,
        goal: Some(5.0),
        what: "2 processes: lock, counter += 1, unlock",
    },
    Spec {
        name: "thread-lock",
        unit: "ops/s",
        ratio: Ratio::Rate,
        goal: Some(10.0),
        what: "2 threads: lock, counter += 1, unlock",
    },
];

/// The spec of the row called `name`.
pub fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

/// One measured row: the medians of both sides and their ratio.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub spec: Spec,
    pub python: Option<f64>,
    pub rust: Option<f64>,
    pub speedup: Option<f64>,
}

impl Row {
    /// A row from the samples of its paired runs.
    pub fn from_samples(spec: Spec, python: &[f64], rust: &[f64]) -> Self {
        let (python, rust) = (median(python), median(rust));
        Row {
            spec,
            python,
            rust,
            speedup: speedup(spec.ratio, python, rust),
        }
    }

    /// Whether the ratio reached the goal; `None` if there is no ratio or no goal.
    pub fn met_goal(&self) -> Option<bool> {
        Some(self.speedup? >= self.spec.goal?)
    }
}

/// A number rounded to 4 significant digits, so a table or JSON does not pretend to a
/// precision no benchmark has.
pub fn round_sig(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.3e}").parse().unwrap_or(x)
}

fn json_number(x: Option<f64>) -> String {
    match x.filter(|v| v.is_finite()) {
        Some(v) => format!("{}", round_sig(v)),
        None => "null".to_string(),
    }
}

/// The rows as a JSON array of `{"name","unit","python","rust","speedup"}` objects; a
/// missing figure is `null`. (Names and units are plain ASCII, so nothing needs
/// escaping.)
pub fn to_json(rows: &[Row]) -> String {
    let mut out = String::from("[\n");
    for (i, row) in rows.iter().enumerate() {
        let comma = if i + 1 < rows.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "  {{\"name\": \"{}\", \"unit\": \"{}\", \"python\": {}, \"rust\": {}, \"speedup\": {}}}{comma}",
            row.spec.name,
            row.spec.unit,
            json_number(row.python),
            json_number(row.rust),
            json_number(row.speedup),
        );
    }
    out.push(']');
    out
}

/// `46.5k`, `2.1M`, `0.82`: a figure short enough for a table column.
pub fn human(x: Option<f64>) -> String {
    let Some(x) = x.filter(|v| v.is_finite()) else {
        return "-".to_string();
    };
    let (scaled, suffix) = match x.abs() {
        a if a >= 1e9 => (x / 1e9, "G"),
        a if a >= 1e6 => (x / 1e6, "M"),
        a if a >= 1e4 => (x / 1e3, "k"),
        _ => (x, ""),
    };
    let digits = match scaled.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        _ => 2,
    };
    format!("{scaled:.digits$}{suffix}")
}

/// The rows as a plain-text table, one line per row, with the goal and whether it was
/// met.
pub fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<24}{:>14}{:>10}{:>10}{:>9}{:>8}  {}\n",
        "row", "unit", "python", "rust", "speedup", "goal", "verdict"
    );
    for row in rows {
        let verdict = match row.met_goal() {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "-",
        };
        let speedup = row
            .speedup
            .map_or("-".to_string(), |s| format!("{}x", human(Some(s))));
        let _ = writeln!(
            out,
            "{:<24}{:>14}{:>10}{:>10}{:>9}{:>8}  {verdict}",
            row.spec.name,
            row.spec.unit,
            human(row.python),
            human(row.rust),
            speedup,
            row.spec.goal.map_or("-".to_string(), |g| format!(">={g}x")),
        );
    }
    out
}

/// The closing line of a table run: how many rows that have a goal and a figure met it.
pub fn result_line(rows: &[Row]) -> String {
    let judged: Vec<bool> = rows.iter().filter_map(Row::met_goal).collect();
    let met = judged.iter().filter(|&&met| met).count();
    format!("Result: {met} of {} goals met", judged.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn median_ignores_an_outlier_and_non_numbers() {
        assert_eq!(median(&[10.0, 11.0, 1000.0]), Some(11.0));
        assert_eq!(median(&[f64::NAN, 2.0, f64::INFINITY]), Some(2.0));
    }

    #[test]
    fn rates_divide_rust_by_python() {
        assert_eq!(speedup(Ratio::Rate, Some(100.0), Some(2500.0)), Some(25.0));
    }

    #[test]
    fn times_are_inverted() {
        // Python takes 50 ms, Rust 2 ms: Rust is 25 times better, not 0.04.
        assert_eq!(speedup(Ratio::Time, Some(50.0), Some(2.0)), Some(25.0));
    }

    #[test]
    fn rust_figure_is_its_own_score_even_without_python() {
        assert_eq!(speedup(Ratio::RustFigure, Some(0.9), Some(1.8)), Some(1.8));
        assert_eq!(speedup(Ratio::RustFigure, None, Some(1.8)), Some(1.8));
    }

    #[test]
    fn missing_or_zero_figures_give_no_ratio() {
        assert_eq!(speedup(Ratio::Rate, None, Some(1.0)), None);
        assert_eq!(speedup(Ratio::Time, Some(1.0), None), None);
        assert_eq!(speedup(Ratio::Time, Some(1.0), Some(0.0)), None);
        assert_eq!(speedup(Ratio::Rate, Some(f64::NAN), Some(1.0)), None);
    }

    #[test]
    fn row_names_are_exactly_the_agreed_ones() {
        let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "pool-batch",
                "pool-roundtrip",
                "cpu-threads-speedup",
                "io-threads",
                "process-start",
                "queue",
                "shared-value",
                "process-lock-contended",
                "thread-lock"
            ]
        );
        assert_eq!(spec("queue").unwrap().unit, "msgs/s");
        assert!(spec("nope").is_none());
    }

    #[test]
    fn row_from_samples_uses_medians() {
        let row = Row::from_samples(
            *spec("process-start").unwrap(),
            &[40.0, 60.0, 50.0],
            &[1.0, 2.0, 9.0],
        );
        assert_eq!((row.python, row.rust), (Some(50.0), Some(2.0)));
        assert_eq!(row.speedup, Some(25.0));
        assert_eq!(row.met_goal(), Some(true));
    }

    #[test]
    fn json_has_one_object_per_row_and_null_for_missing() {
        let rows = [
            Row::from_samples(*spec("pool-batch").unwrap(), &[1000.0], &[12345.678]),
            Row::from_samples(*spec("queue").unwrap(), &[], &[5.0]),
        ];
        assert_eq!(
            to_json(&rows),
            "[\n  {\"name\": \"pool-batch\", \"unit\": \"tasks/s\", \"python\": 1000, \"rust\": 12350, \"speedup\": 12.35},\n  {\"name\": \"queue\", \"unit\": \"msgs/s\", \"python\": null, \"rust\": 5, \"speedup\": null}\n]"
        );
        assert_eq!(to_json(&[]), "[\n]");
    }

    #[test]
    fn rounding_keeps_four_significant_digits() {
        assert_eq!(round_sig(123456.0), 123500.0);
        assert_eq!(round_sig(0.0012346), 0.001235);
        assert_eq!(round_sig(0.0), 0.0);
    }

    #[test]
    fn human_figures_are_short() {
        assert_eq!(human(Some(46455.6)), "46.5k");
        assert_eq!(human(Some(2_100_000.0)), "2.10M");
        assert_eq!(human(Some(0.8234)), "0.82");
        assert_eq!(human(Some(97.13)), "97.1");
        assert_eq!(human(None), "-");
    }

    #[test]
    fn result_line_counts_only_judged_rows() {
        let rows = [
            Row::from_samples(*spec("thread-lock").unwrap(), &[1.0], &[20.0]),
            Row::from_samples(*spec("shared-value").unwrap(), &[1.0], &[20.0]),
            Row::from_samples(*spec("queue").unwrap(), &[1.0], &[]),
        ];
        assert_eq!(result_line(&rows), "Result: 1 of 2 goals met");
    }

    #[test]
    fn table_marks_goals() {
        let rows = [
            Row::from_samples(*spec("thread-lock").unwrap(), &[1.0], &[20.0]),
            Row::from_samples(*spec("shared-value").unwrap(), &[1.0], &[20.0]),
            Row::from_samples(*spec("queue").unwrap(), &[1.0], &[]),
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("thread-lock") && lines[1].ends_with("met"));
        assert!(lines[2].ends_with("MISSED"), "{}", lines[2]);
        assert!(
            lines[3].starts_with("queue") && lines[3].ends_with("-"),
            "{}",
            lines[3]
        );
    }
}
