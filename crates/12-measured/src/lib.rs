//! Lesson `measured`: the tutorial's claims, measured. Each row of the benchmark runs
//! one of our Rust building blocks and its Python twin (a small program in `python/`)
//! back to back, several times, and compares the medians. Most rows also measure the
//! simplest thing the machine can do for the same operation (the row's *ceiling*), in
//! the same run, so that a figure says how far the building block is from the machine
//! as well as how far it is from Python.
//!
//! - [`idioms`]: the Rust side of the rows of lessons 1 to 7 (what is timed, and how).
//! - [`pools`]: the rows of lessons 9 and 10 (a pool of processes, rayon).
//! - [`connections`]: the row of lesson 11 (many slow connections, tokio and threads).
//! - [`ceiling`]: the probes: each row's operation done the plainest way.
//! - [`machine`]: how busy the machine is before a row.
//! - [`python`]: running a Python twin and reading its answer.
//! - [`chart`]: the SVG chart of a run.
//! - this module: the rows, medians, the ratios, the tables and the JSON.
//!
//! Why medians: a shared machine is noisy (other programs, the CPU's clock, the page
//! cache), and noise only ever makes a run slower. The median of a few runs ignores the
//! odd slow one; the mean would not.

pub mod ceiling;
pub mod chart;
pub mod child;
pub mod connections;
pub mod idioms;
pub mod machine;
pub mod pools;
pub mod python;

use std::collections::BTreeMap;
use std::fmt::Write as _;

// ANCHOR: ratio
/// How a row's two figures turn into "how many times better Rust is".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ratio {
    /// A rate (tasks/s, msgs/s...): more is better, so the ratio is rust / python.
    Rate,
    /// A cost (a time in us or ms, memory in MB): less is better, so the ratio is
    /// inverted: python / rust.
    Cost,
    /// The Rust figure is already the score (a speedup of Rust over itself); the
    /// Python figure beside it is Python's own speedup, for comparison.
    RustFigure,
}

/// How many times better Rust did than Python, or `None` when a figure is missing or is
/// not a positive number.
pub fn speedup(ratio: Ratio, python: Option<f64>, rust: Option<f64>) -> Option<f64> {
    let positive = |x: Option<f64>| x.filter(|v| v.is_finite() && *v > 0.0);
    match ratio {
        Ratio::Rate => Some(positive(rust)? / positive(python)?),
        Ratio::Cost => Some(positive(python)? / positive(rust)?),
        Ratio::RustFigure => positive(rust),
    }
}

/// How close the Rust figure comes to the row's ceiling: 1.0 is at the ceiling, 0.5
/// half as good. The same division as [`speedup`], with the ceiling in Python's place
/// and turned around.
pub fn of_ceiling(
    ratio: Ratio,
    ceiling: Option<f64>,
    rust: Option<f64>,
) -> Option<f64> {
    match ratio {
        Ratio::Rate | Ratio::RustFigure => speedup(Ratio::Rate, ceiling, rust),
        Ratio::Cost => speedup(Ratio::Cost, ceiling, rust),
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

/// How far the samples spread: (largest - smallest) / median. `None` for fewer than
/// two samples or a zero median.
pub fn spread(samples: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.len() < 2 {
        return None;
    }
    let middle = median(&finite)?;
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(*x), h.max(*x))
        });
    (middle != 0.0).then(|| (hi - lo) / middle.abs())
}

/// A row whose samples spread more than this (largest - smallest over the median) is
/// flagged: its median is not a clean figure, most likely the machine was busy.
pub const NOISY: f64 = 0.25;

/// The goal of every row that measures a lesson's building block against its ceiling:
/// at least this fraction of what the plainest way does.
pub const NEAR_CEILING: f64 = 0.7;

/// What one row measures, the goal its ratio should reach, and its ceiling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    /// The row's name, as in the JSON and on the command line (`--only`).
    pub name: &'static str,
    /// The unit of the `python`, `rust` and `ceiling` figures.
    pub unit: &'static str,
    pub ratio: Ratio,
    /// The ratio to Python this row should reach on the 2-core reference machine, if it
    /// has a goal.
    pub goal: Option<f64>,
    /// One line: what is measured.
    pub what: &'static str,
    /// The row's ceiling, if it has one: the same operation done the plainest way the
    /// machine offers, measured in the same run.
    pub ceiling: Option<&'static str>,
    /// The fraction of the ceiling the Rust figure should reach ([`NEAR_CEILING`] for a
    /// lesson's building block).
    pub ceiling_goal: Option<f64>,
    /// A companion row has no runs of its own: its figures come from the runs of the
    /// row named here (one run of the I/O row gives time and memory, say).
    pub part_of: Option<&'static str>,
}

/// A row with no goal, no ceiling and runs of its own; the table below fills in the
/// rest.
const ROW: Spec = Spec {
    name: "",
    unit: "",
    ratio: Ratio::Rate,
    goal: None,
    what: "",
    ceiling: None,
    ceiling_goal: None,
    part_of: None,
};

/// Every row, in the order of the lessons.
pub const SPECS: [Spec; 22] = [
    Spec {
        name: "pool-batch",
        unit: "tasks/s",
        goal: Some(8.0),
        what: "lesson 1: a batch of trivial tasks through a 2-thread pool",
        ceiling: Some(
            "a crossbeam channel to 2 threads, results in a preallocated array",
        ),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "pool-map",
        unit: "tasks/s",
        what: "lesson 1: the same batch through map, 256 items per task",
        ceiling: Some("the same channel, one message per range of 256 tasks"),
        part_of: Some("pool-batch"),
        ..ROW
    },
    Spec {
        name: "pool-roundtrip",
        unit: "us",
        ratio: Ratio::Cost,
        goal: Some(20.0),
        what: "lesson 1: one submit, then wait for its result",
        ceiling: Some(
            "2 threads handing a number back and forth, spinning on an atomic",
        ),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "cpu-threads-speedup",
        unit: "x",
        ratio: Ratio::RustFigure,
        goal: Some(1.7),
        what: "2 threads over sequential on a CPU-bound loop",
        ..ROW
    },
    Spec {
        name: "io-threads",
        unit: "ms",
        ratio: Ratio::Cost,
        // No goal: both languages just wait here, so about 1x is the expected answer.
        what: "4 threads, each sleeping 10 (quick: 5) times 10 ms",
        ..ROW
    },
    Spec {
        name: "process-start",
        unit: "ms",
        ratio: Ratio::Cost,
        goal: Some(20.0),
        what: "lesson 4: start a copy of our program (spawn) and wait for it",
        ceiling: Some("the same child through a plain Command (posix_spawn)"),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "process-start-fork",
        unit: "ms",
        ratio: Ratio::Cost,
        goal: Some(5.0),
        what: "lesson 4: fork a child that sends its result up a pipe; wait for it",
        ceiling: Some("fork, 8 bytes up a pipe, _exit; read to the end, waitpid"),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "empty-start",
        unit: "ms",
        ratio: Ratio::Cost,
        what: "an empty program: python3 -c pass, and ours doing nothing",
        ceiling: Some("/bin/true"),
        ..ROW
    },
    Spec {
        name: "queue",
        unit: "msgs/s",
        goal: Some(10.0),
        what: "lesson 5: small progress messages, child to parent",
        ceiling: Some("one write and one read per 8-byte message"),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "queue-batched",
        unit: "msgs/s",
        what: "the same through lesson 5's BufSender (Python's queue has none)",
        ceiling: Some("writes of up to PIPE_BUF bytes"),
        ceiling_goal: Some(NEAR_CEILING),
        part_of: Some("queue"),
        ..ROW
    },
    Spec {
        name: "shared-value",
        unit: "updates/s",
        goal: Some(50.0),
        what: "lesson 6: set a shared f32, a reading process polls it (Python: lock)",
        ceiling: Some("an atomic store into shared memory, the same reader"),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "shared-value-nolock",
        unit: "updates/s",
        what: "the same; Python's Value made with lock=False",
        ceiling: Some("an atomic store into shared memory, the same reader"),
        ceiling_goal: Some(NEAR_CEILING),
        part_of: Some("shared-value"),
        ..ROW
    },
    Spec {
        name: "process-lock-contended",
        unit: "increments/s",
        goal: Some(5.0),
        what: "lesson 7: 2 processes: lock, counter += 1, unlock",
        ceiling: Some("the same robust pthread mutex called directly"),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "thread-lock",
        unit: "ops/s",
        goal: Some(10.0),
        what: "2 threads: lock, counter += 1, unlock (std's Mutex is the primitive)",
        ..ROW
    },
    Spec {
        name: "thread-lock-uncontended",
        unit: "ops/s",
        what: "the same, 1 thread: the lock is always free",
        part_of: Some("thread-lock"),
        ..ROW
    },
    Spec {
        name: "process-pool-batch",
        unit: "tasks/s",
        goal: Some(5.0),
        what: "lesson 9: a batch of trivial tasks through 2 worker processes",
        ceiling: Some("2 forked workers, one 8-byte write and read per task each way"),
        ceiling_goal: Some(NEAR_CEILING),
        ..ROW
    },
    Spec {
        name: "cpu-processes-speedup",
        unit: "x",
        ratio: Ratio::RustFigure,
        goal: Some(1.7),
        what: "lesson 9: the CPU-bound loop mapped over 2 worker processes",
        ceiling: Some("2 plain threads, the same work"),
        ..ROW
    },
    Spec {
        name: "cpu-rayon-speedup",
        unit: "x",
        ratio: Ratio::RustFigure,
        goal: Some(1.7),
        what: "lesson 10: par_iter over sequential (Python: 2 processes)",
        ceiling: Some("2 plain threads, the same work"),
        ..ROW
    },
    Spec {
        name: "io-many-connections",
        unit: "ms",
        ratio: Ratio::Cost,
        goal: Some(3.0),
        what: "lesson 11: 1000 requests of 50 ms at once, time beyond 50 ms: tokio, asyncio",
        ..ROW
    },
    Spec {
        name: "io-many-connections-threads",
        unit: "ms",
        ratio: Ratio::Cost,
        what: "the same, one thread per connection in both languages",
        part_of: Some("io-many-connections"),
        ..ROW
    },
    Spec {
        name: "io-many-connections-mem",
        unit: "MB",
        ratio: Ratio::Cost,
        what: "peak memory of the tokio and the asyncio client",
        part_of: Some("io-many-connections"),
        ..ROW
    },
    Spec {
        name: "io-many-connections-threads-mem",
        unit: "MB",
        ratio: Ratio::Cost,
        what: "peak memory of the two clients with a thread per connection",
        part_of: Some("io-many-connections"),
        ..ROW
    },
];

/// The spec of the row called `name`.
pub fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

/// The rows measured when `wanted` are asked for: each row, or for a companion the row
/// whose runs give its figures; in the order of [`SPECS`].
pub fn runs_for(wanted: &[String]) -> Vec<&'static Spec> {
    let measured = |s: &Spec| {
        wanted.is_empty()
            || wanted
                .iter()
                .any(|w| w == s.name || spec(w).and_then(|c| c.part_of) == Some(s.name))
    };
    SPECS
        .iter()
        .filter(|s| s.part_of.is_none() && measured(s))
        .collect()
}

/// The figures of one run: keys are row names (the row's figure), `ceiling:ROW`,
/// `cpu_wall:ROW` (CPU time over wall time: about 2 when two threads or processes
/// really ran at once), `ceiling_cpu_wall:ROW` (the same for the ceiling's workers) and
/// `chart:...` (the chart's speedups).
pub type Figures = BTreeMap<String, f64>;

/// Every run's figures of one side, by key.
#[derive(Clone, Debug, Default)]
pub struct Samples(BTreeMap<String, Vec<f64>>);

impl Samples {
    /// Adds one run's figures.
    pub fn push(&mut self, figures: &Figures) {
        for (key, value) in figures {
            self.0.entry(key.clone()).or_default().push(*value);
        }
    }

    /// Adds every sample of `other`.
    pub fn push_all(&mut self, other: &Samples) {
        for (key, values) in &other.0 {
            self.0.entry(key.clone()).or_default().extend(values);
        }
    }

    /// The samples under `key` (none if no run gave one).
    pub fn get(&self, key: &str) -> &[f64] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }
}

/// How the machine was before a row's runs (see [`machine`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    /// The 1-minute load average.
    pub average: Option<f64>,
    /// The share of all CPUs that other programs kept busy, over a quarter second.
    pub busy: Option<f64>,
}

/// One measured row: the medians of both sides, their ratio, and the ceiling.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub spec: Spec,
    pub python: Option<f64>,
    pub rust: Option<f64>,
    pub speedup: Option<f64>,
    pub ceiling: Option<f64>,
    pub of_ceiling: Option<f64>,
    /// The larger spread of the two sides' samples (see [`spread`]).
    pub spread: Option<f64>,
    /// CPU time over wall time, Python's and Rust's, for rows where two workers should
    /// run at once.
    pub cpu_wall: (Option<f64>, Option<f64>),
    /// The same for the ceiling's workers: a ceiling whose workers did not run at once
    /// would be no ceiling for a contended lock.
    pub ceiling_cpu_wall: Option<f64>,
    pub load: Load,
}

impl Row {
    /// A row from the samples of its paired runs.
    pub fn from_samples(spec: Spec, python: &[f64], rust: &[f64]) -> Self {
        let (py, rs) = (median(python), median(rust));
        let spread = [spread(python), spread(rust)]
            .into_iter()
            .flatten()
            .reduce(f64::max);
        Row {
            spec,
            python: py,
            rust: rs,
            speedup: speedup(spec.ratio, py, rs),
            ceiling: None,
            of_ceiling: None,
            spread,
            cpu_wall: (None, None),
            ceiling_cpu_wall: None,
            load: Load::default(),
        }
    }

    /// The row `spec` from every run's figures.
    pub fn from_runs(spec: Spec, python: &Samples, rust: &Samples, load: Load) -> Self {
        let name = spec.name;
        let mut row = Row::from_samples(spec, python.get(name), rust.get(name));
        row.ceiling = median(rust.get(&format!("ceiling:{name}")));
        row.of_ceiling = of_ceiling(spec.ratio, row.ceiling, row.rust);
        let cpu_wall = format!("cpu_wall:{name}");
        row.cpu_wall = (median(python.get(&cpu_wall)), median(rust.get(&cpu_wall)));
        row.ceiling_cpu_wall = median(rust.get(&format!("ceiling_cpu_wall:{name}")));
        row.load = load;
        row
    }

    /// Whether the ratio reached the goal; `None` if there is no ratio or no goal.
    pub fn met_goal(&self) -> Option<bool> {
        Some(self.speedup? >= self.spec.goal?)
    }

    /// Whether the Rust figure came near enough to the ceiling; `None` if there is no
    /// figure or no goal.
    pub fn met_ceiling_goal(&self) -> Option<bool> {
        Some(self.of_ceiling? >= self.spec.ceiling_goal?)
    }

    /// True when the samples spread so much that the median is not a clean figure.
    pub fn noisy(&self) -> bool {
        self.spread.is_some_and(|s| s > NOISY)
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

/// The keys of every JSON row, in order.
pub const JSON_KEYS: [&str; 15] = [
    "name",
    "unit",
    "python",
    "rust",
    "speedup",
    "goal",
    "ceiling",
    "of_ceiling",
    "ceiling_goal",
    "spread",
    "load",
    "busy",
    "python_cpu_wall",
    "rust_cpu_wall",
    "ceiling_cpu_wall",
];

/// The rows as a JSON array, one object per line with the keys of [`JSON_KEYS`]; a
/// missing figure is `null`. (Names and units are plain ASCII, so nothing needs
/// escaping.)
pub fn to_json(rows: &[Row]) -> String {
    let mut out = String::from("[\n");
    for (i, row) in rows.iter().enumerate() {
        let comma = if i + 1 < rows.len() { "," } else { "" };
        let numbers = [
            row.python,
            row.rust,
            row.speedup,
            row.spec.goal,
            row.ceiling,
            row.of_ceiling,
            row.spec.ceiling_goal,
            row.spread,
            row.load.average,
            row.load.busy,
            row.cpu_wall.0,
            row.cpu_wall.1,
            row.ceiling_cpu_wall,
        ];
        let _ = write!(
            out,
            "  {{\"name\": \"{}\", \"unit\": \"{}\"",
            row.spec.name, row.spec.unit
        );
        for (key, value) in JSON_KEYS[2..].iter().zip(numbers) {
            let _ = write!(out, ", \"{key}\": {}", json_number(value));
        }
        let _ = writeln!(out, "}}{comma}");
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

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "-",
    }
}

fn times(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |s| format!("{}x", human(Some(s))))
}

// ANCHOR: table
/// The rows as two plain-text tables: against Python (with each row's goal, the load
/// average before it, the share of the CPUs other programs used then, and a note when
/// its samples spread), then against the ceiling.
pub fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<32}{:>13}{:>9}{:>9}{:>9}{:>8}  {:<7}{:>5}{:>7}  note\n",
        "row", "unit", "python", "rust", "speedup", "goal", "verdict", "load", "others"
    );
    for row in rows {
        let note = match row.spread {
            Some(s) if row.noisy() => format!("noisy: spread {:.0}%", s * 100.0),
            _ => String::new(),
        };
        let load = row.load.average.map_or("-".into(), |l| format!("{l:.1}"));
        let others = row
            .load
            .busy
            .map_or("-".into(), |b| format!("{:.0}%", b * 100.0));
        let line = format!(
            "{:<32}{:>13}{:>9}{:>9}{:>9}{:>8}  {:<7}{:>5}{others:>7}  {note}",
            row.spec.name,
            row.spec.unit,
            human(row.python),
            human(row.rust),
            times(row.speedup),
            row.spec.goal.map_or("-".to_string(), |g| format!(">={g}x")),
            verdict(row.met_goal()),
            load,
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let with_ceiling: Vec<&Row> =
        rows.iter().filter(|r| r.spec.ceiling.is_some()).collect();
    if !with_ceiling.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<32}{:>13}{:>9}{:>9}{:>9}{:>8}  {:<7}  ceiling is",
            "row", "unit", "rust", "ceiling", "of it", "goal", "verdict"
        );
        for row in with_ceiling {
            let _ = writeln!(
                out,
                "{:<32}{:>13}{:>9}{:>9}{:>9}{:>8}  {:<7}  {}",
                row.spec.name,
                row.spec.unit,
                human(row.rust),
                human(row.ceiling),
                row.of_ceiling.map_or("-".into(), |f| format!("{f:.2}")),
                row.spec
                    .ceiling_goal
                    .map_or("-".into(), |g| format!(">={g}")),
                verdict(row.met_ceiling_goal()),
                row.spec.ceiling.unwrap_or_default(),
            );
        }
    }
    out
}
// ANCHOR_END: table

/// The closing line of a table run: how many goals were met, against Python and
/// against the ceiling.
pub fn result_line(rows: &[Row]) -> String {
    let count =
        |judged: Vec<bool>| (judged.iter().filter(|&&m| m).count(), judged.len());
    let (py_met, py) = count(rows.iter().filter_map(Row::met_goal).collect());
    let (cl_met, cl) = count(rows.iter().filter_map(Row::met_ceiling_goal).collect());
    format!(
        "Result: {} of {} goals met ({py_met} of {py} against Python, {cl_met} of {cl} \
         against the ceiling)",
        py_met + cl_met,
        py + cl
    )
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
    fn spread_is_the_range_over_the_median() {
        assert_eq!(spread(&[9.0, 10.0, 11.0]), Some(0.2));
        assert_eq!(spread(&[5.0]), None);
        assert_eq!(spread(&[0.0, 0.0]), None);
    }

    #[test]
    fn rates_divide_rust_by_python() {
        assert_eq!(speedup(Ratio::Rate, Some(100.0), Some(2500.0)), Some(25.0));
    }

    #[test]
    fn costs_are_inverted() {
        // Python takes 50 ms, Rust 2 ms: Rust is 25 times better, not 0.04.
        assert_eq!(speedup(Ratio::Cost, Some(50.0), Some(2.0)), Some(25.0));
    }

    #[test]
    fn rust_figure_is_its_own_score_even_without_python() {
        assert_eq!(speedup(Ratio::RustFigure, Some(0.9), Some(1.8)), Some(1.8));
        assert_eq!(speedup(Ratio::RustFigure, None, Some(1.8)), Some(1.8));
    }

    #[test]
    fn missing_or_zero_figures_give_no_ratio() {
        assert_eq!(speedup(Ratio::Rate, None, Some(1.0)), None);
        assert_eq!(speedup(Ratio::Cost, Some(1.0), None), None);
        assert_eq!(speedup(Ratio::Cost, Some(1.0), Some(0.0)), None);
        assert_eq!(speedup(Ratio::Rate, Some(f64::NAN), Some(1.0)), None);
    }

    #[test]
    fn of_ceiling_is_one_at_the_ceiling_and_less_below() {
        // A rate: 8M/s against a ceiling of 10M/s.
        assert_eq!(of_ceiling(Ratio::Rate, Some(10.0), Some(8.0)), Some(0.8));
        // A cost: 2 ms where the plainest way takes 1 ms is half as good.
        assert_eq!(of_ceiling(Ratio::Cost, Some(1.0), Some(2.0)), Some(0.5));
        // A speedup: 1.5x where plain threads reach 2x.
        assert_eq!(
            of_ceiling(Ratio::RustFigure, Some(2.0), Some(1.5)),
            Some(0.75)
        );
        assert_eq!(of_ceiling(Ratio::Rate, None, Some(8.0)), None);
    }

    #[test]
    fn row_names_are_unique_and_companions_follow_their_row() {
        for (i, s) in SPECS.iter().enumerate() {
            assert_eq!(spec(s.name), Some(s), "{} twice", s.name);
            if let Some(parent) = s.part_of {
                let p = SPECS.iter().position(|p| p.name == parent).unwrap();
                assert!(
                    p < i && spec(parent).unwrap().part_of.is_none(),
                    "{}",
                    s.name
                );
            }
            // Only a row with a ceiling can have a goal against it.
            assert!(
                s.ceiling.is_some() || s.ceiling_goal.is_none(),
                "{}",
                s.name
            );
        }
        assert_eq!(spec("queue").unwrap().unit, "msgs/s");
        assert!(spec("nope").is_none());
    }

    #[test]
    fn asking_for_a_companion_measures_its_row() {
        let names = |wanted: &[&str]| -> Vec<&str> {
            let wanted: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
            runs_for(&wanted).iter().map(|s| s.name).collect()
        };
        assert_eq!(names(&["io-many-connections-mem"]), ["io-many-connections"]);
        assert_eq!(names(&["thread-lock", "queue"]), ["queue", "thread-lock"]);
        assert_eq!(
            names(&[]).len(),
            SPECS.iter().filter(|s| s.part_of.is_none()).count()
        );
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
        // The Rust samples spread from 1 to 9 around a median of 2.
        assert_eq!(row.spread, Some(4.0));
        assert!(row.noisy());
    }

    #[test]
    fn row_from_runs_finds_its_ceiling_and_cpu_time() {
        let run = |pairs: &[(&str, f64)]| -> Figures {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let (mut python, mut rust) = (Samples::default(), Samples::default());
        python.push(&run(&[("queue", 100.0), ("cpu_wall:queue", 1.0)]));
        rust.push(&run(&[("queue", 2000.0), ("ceiling:queue", 2500.0)]));
        rust.push(&run(&[("queue", 1800.0), ("ceiling:queue", 2500.0)]));
        let load = Load {
            average: Some(0.5),
            busy: Some(0.1),
        };
        let row = Row::from_runs(*spec("queue").unwrap(), &python, &rust, load);
        assert_eq!(row.rust, Some(1900.0));
        assert_eq!(row.speedup, Some(19.0));
        assert_eq!(row.ceiling, Some(2500.0));
        assert_eq!(row.of_ceiling, Some(0.76));
        assert_eq!(row.met_ceiling_goal(), Some(true));
        assert_eq!(row.cpu_wall, (Some(1.0), None));
        assert_eq!(row.load, load);
    }

    #[test]
    fn json_has_one_object_per_row_and_null_for_missing() {
        let rows = [
            Row::from_samples(*spec("pool-batch").unwrap(), &[1000.0], &[12345.678]),
            Row::from_samples(*spec("io-threads").unwrap(), &[], &[5.0]),
        ];
        assert_eq!(
            to_json(&rows),
            "[\n  {\"name\": \"pool-batch\", \"unit\": \"tasks/s\", \"python\": 1000, \
             \"rust\": 12350, \"speedup\": 12.35, \"goal\": 8, \"ceiling\": null, \
             \"of_ceiling\": null, \"ceiling_goal\": 0.7, \"spread\": null, \
             \"load\": null, \"busy\": null, \"python_cpu_wall\": null, \
             \"rust_cpu_wall\": null, \"ceiling_cpu_wall\": null},\n  \
             {\"name\": \"io-threads\", \"unit\": \"ms\", \"python\": null, \"rust\": 5, \
             \"speedup\": null, \"goal\": null, \"ceiling\": null, \"of_ceiling\": null, \
             \"ceiling_goal\": null, \"spread\": null, \"load\": null, \"busy\": null, \
             \"python_cpu_wall\": null, \"rust_cpu_wall\": null, \
             \"ceiling_cpu_wall\": null}\n]"
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

    fn three_rows() -> [Row; 3] {
        let mut queue = Row::from_samples(*spec("queue").unwrap(), &[1.0], &[20.0]);
        queue.ceiling = Some(40.0);
        queue.of_ceiling = Some(0.5);
        [
            Row::from_samples(*spec("thread-lock").unwrap(), &[1.0], &[20.0]),
            Row::from_samples(*spec("shared-value").unwrap(), &[1.0], &[20.0]),
            queue,
        ]
    }

    #[test]
    fn result_line_counts_both_kinds_of_goal() {
        assert_eq!(
            result_line(&three_rows()),
            "Result: 2 of 4 goals met (2 of 3 against Python, 0 of 1 against the ceiling)"
        );
    }

    #[test]
    fn table_marks_goals_and_lists_ceilings() {
        let text = table(&three_rows());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8, "{text}");
        assert!(lines[1].starts_with("thread-lock") && lines[1].contains(" met"));
        assert!(lines[2].contains("MISSED"), "{}", lines[2]);
        assert!(lines[3].starts_with("queue") && lines[3].contains(" met"));
        assert!(lines[5].starts_with("row") && lines[5].contains("ceiling"));
        // shared-value has a ceiling but no figure for it; queue is at half of it.
        assert!(lines[6].starts_with("shared-value") && lines[6].contains("-"));
        assert!(lines[7].starts_with("queue") && lines[7].contains("0.50"));
        assert!(lines[7].contains("MISSED"), "{}", lines[7]);
    }
}
