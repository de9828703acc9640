//! The command-line contract every lesson binary shares.
//!
//! One rule for every lesson's flags, enforced here: a number out of its range, a
//! negative number for a count, or a `--value` that is not finite is refused with
//! status 2 and one line naming the flag (and the range).

use clap::{ArgAction, Parser};
use std::ffi::OsString;
use std::fmt::Display;

/// The most steps a task may take: a run stays a demonstration, not a siege.
pub const MAX_STEPS: u32 = 100_000;

/// The longest sleep (or wait, or grace period) a flag may ask for, in milliseconds: a
/// minute.
pub const MAX_SLEEP_MS: u64 = 60_000;

/// The most threads or processes a lesson flag may ask for (`--workers 1000000` would
/// only find the system's limits).
pub const MAX_WORKERS: u32 = 1_024;

/// The flags every lesson accepts. Lessons embed it with `#[command(flatten)]`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Common {
    /// Input of the simulated task; its result is twice this value
    #[arg(
        long,
        default_value_t = 4.5,
        allow_hyphen_values = true,
        value_parser = finite
    )]
    pub value: f64,

    /// Number of steps the simulated task takes
    #[arg(long, default_value_t = 50, value_parser = steps)]
    pub steps: u32,

    /// Upper bound of the random sleep in each step, in milliseconds
    #[arg(long, default_value_t = 100, value_parser = millis)]
    pub max_sleep_ms: u64,

    /// Seed for the random sleeps, so that a run can be repeated exactly
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Common {
    /// The seed to use: the one given with `--seed`, or a fresh random one.
    pub fn seed_or_random(&self) -> u64 {
        self.seed.unwrap_or_else(|| {
            // No `rand` here: the clock's nanoseconds and the pid are random enough for
            // sleeps.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            nanos ^ (u64::from(std::process::id()) << 32)
        })
    }
}

/// `--steps`: 1 to [`MAX_STEPS`].
pub fn steps(text: &str) -> Result<u32, String> {
    in_range(text, 1, MAX_STEPS.into())
}

/// A step of the task (`--crash-at`): 1 to [`MAX_STEPS`]; see also [`check_crash_at`].
pub fn step(text: &str) -> Result<u32, String> {
    steps(text)
}

/// A duration in milliseconds (`--max-sleep-ms`, `--grace-ms`, ...): 0 to
/// [`MAX_SLEEP_MS`].
pub fn millis(text: &str) -> Result<u64, String> {
    in_range(text, 0, MAX_SLEEP_MS)
}

/// A number of threads or processes: 1 to `max` (at most [`MAX_WORKERS`]), as any
/// unsigned type (`u32`, `usize`): `value_parser = workers::<u32>(64)`.
pub fn workers<T: TryFrom<u64>>(
    max: u32,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text| in_range(text, 1, max.min(MAX_WORKERS).into())
}

/// `text` as a whole number from `min` to `max`, or a message saying that range, also
/// for a negative or a huge number (which the integer parsers of std would call
/// "invalid digit" or "too large").
pub fn in_range<T: TryFrom<u64>>(text: &str, min: u64, max: u64) -> Result<T, String> {
    let out_of_range = || format!("{text} is not in {min}..={max}");
    let number: i128 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text} is not a whole number"))?;
    let number = u64::try_from(number).map_err(|_| out_of_range())?;
    if !(min..=max).contains(&number) {
        return Err(out_of_range());
    }
    T::try_from(number).map_err(|_| out_of_range())
}

/// `--value`: a finite number whose double (the task's result) is finite too.
pub fn finite(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| "not a number".to_string())?;
    if value.is_finite() && (2.0 * value).is_finite() {
        Ok(value)
    } else {
        Err(format!(
            "{text} is not a finite number (twice it must be finite too)"
        ))
    }
}

/// Refuses the command line the way clap does: `error: <message>` on stderr, one line,
/// status 2. For the checks clap cannot express (one flag against another).
pub fn refuse(message: impl Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}

/// The rule of every process lesson: `--crash-at` names a step the task reaches, so it
/// is at most `--steps`. Refuses the command line otherwise.
pub fn check_crash_at(crash_at: Option<u32>, steps: u32) {
    if let Some(step) = crash_at.filter(|&step| step > steps) {
        refuse(format!(
            "--crash-at {step} is past the last step (--steps {steps})"
        ));
    }
}

/// Parses this process's arguments. `--help` prints and exits 0; bad input prints one
/// line on stderr and exits with status 2.
pub fn parse<T: Parser>() -> T {
    parse_from(std::env::args_os())
}

/// Like [`parse`], from the given arguments (the first one is the program name).
pub fn parse_from<T, I, S>(args: I) -> T
where
    T: Parser,
    I: IntoIterator<Item = S>,
    S: Into<OsString> + Clone,
{
    match try_parse_from::<T, _, _>(args) {
        Ok(parsed) => parsed,
        Err(err) if !err.use_stderr() => {
            // --help and --version are not errors: clap prints them to stdout.
            let _ = err.print();
            std::process::exit(0);
        }
        Err(err) => {
            eprintln!("{}", one_line(&err));
            std::process::exit(2);
        }
    }
}

/// Like `T::try_parse_from`, with this crate's one rule: every flag that takes a value
/// accepts a leading `-`, so that `--steps -1` is refused by `--steps`'s own parser
/// ("invalid value '-1' for '--steps'") instead of being taken for an unknown flag.
pub fn try_parse_from<T, I, S>(args: I) -> Result<T, clap::Error>
where
    T: Parser,
    I: IntoIterator<Item = S>,
    S: Into<OsString> + Clone,
{
    let mut command = T::command().mut_args(|arg| {
        if matches!(arg.get_action(), ArgAction::Set | ArgAction::Append) {
            arg.allow_negative_numbers(true)
        } else {
            arg
        }
    });
    let mut matches = command.try_get_matches_from_mut(args)?;
    T::from_arg_matches_mut(&mut matches).map_err(|err| err.format(&mut command))
}

/// The first non-empty line of a clap error, without colour codes: clap's own rendering
/// adds a usage hint on further lines, and we promise one line. The list of valid
/// choices, when clap gives one, stays on that line.
pub fn one_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let mut lines = rendered
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let mut line = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .to_string();
    if let Some(choices) = lines.find(|l| l.starts_with("[possible values:")) {
        line.push(' ');
        line.push_str(choices);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Parser, Debug)]
    struct Args {
        #[command(flatten)]
        common: Common,
    }

    #[test]
    fn defaults_follow_the_contract() {
        let args = Args::try_parse_from(["lesson"]).unwrap();
        assert_eq!(args.common.value, 4.5);
        assert_eq!(args.common.steps, 50);
        assert_eq!(args.common.max_sleep_ms, 100);
        assert_eq!(args.common.seed, None);
    }

    #[test]
    fn bad_steps_give_one_line_error() {
        let err = Args::try_parse_from(["lesson", "--steps", "abc"]).unwrap_err();
        let line = one_line(&err);
        assert!(line.starts_with("error:"), "{line}");
        assert!(line.contains("--steps"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn invalid_choice_names_the_valid_ones() {
        #[derive(Parser, Debug)]
        struct Pick {
            #[arg(long, value_parser = ["map", "atomics"])]
            method: String,
        }
        let err = Pick::try_parse_from(["lesson", "--method", "x"]).unwrap_err();
        let line = one_line(&err);
        assert!(line.contains("--method"), "{line}");
        assert!(line.ends_with("[possible values: map, atomics]"), "{line}");
    }

    #[test]
    fn zero_steps_rejected() {
        assert!(Args::try_parse_from(["lesson", "--steps", "0"]).is_err());
    }

    /// The one line a command line gets, parsed with this crate's rule.
    fn refused(args: &[&str]) -> String {
        let err = try_parse_from::<Args, _, _>(args.iter().copied()).unwrap_err();
        one_line(&err)
    }

    #[test]
    fn absurd_numbers_are_refused_with_the_range() {
        let line = refused(&["lesson", "--steps", "4294967295"]);
        assert!(
            line.contains("--steps") && line.contains("1..=100000"),
            "{line}"
        );
        let line = refused(&["lesson", "--max-sleep-ms", "18446744073709551615"]);
        assert!(
            line.contains("--max-sleep-ms") && line.contains("60000"),
            "{line}"
        );
        let ok = try_parse_from::<Args, _, _>(["lesson", "--steps", "100000"]);
        assert_eq!(ok.unwrap().common.steps, MAX_STEPS);
    }

    #[test]
    fn a_negative_number_names_its_flag() {
        let line = refused(&["lesson", "--steps", "-1"]);
        assert!(line.contains("'-1' for '--steps"), "{line}");
        let line = refused(&["lesson", "--max-sleep-ms", "-5"]);
        assert!(line.contains("'-5' for '--max-sleep-ms"), "{line}");
        let line = refused(&["lesson", "--seed", "-3"]);
        assert!(line.contains("'-3' for '--seed"), "{line}");
    }

    #[test]
    fn value_must_be_finite_and_may_be_negative() {
        for bad in ["NaN", "inf", "-inf", "1e308", "x"] {
            let line = refused(&["lesson", "--value", bad]);
            assert!(line.contains(&format!("'{bad}' for '--value")), "{line}");
        }
        let args = try_parse_from::<Args, _, _>(["lesson", "--value", "-1.5"]).unwrap();
        assert_eq!(args.common.value, -1.5);
    }

    #[test]
    fn flags_without_a_value_are_untouched_by_the_rule() {
        #[derive(Parser, Debug)]
        struct Flag {
            #[arg(long)]
            quick: bool,
            #[arg(long, value_parser = workers::<usize>(4))]
            workers: Option<usize>,
        }
        let args = try_parse_from::<Flag, _, _>(["x", "--quick", "--workers", "4"]);
        let args = args.unwrap();
        assert!(args.quick);
        assert_eq!(args.workers, Some(4));
        let err = try_parse_from::<Flag, _, _>(["x", "--workers", "5"]).unwrap_err();
        assert!(one_line(&err).contains("1..=4"), "{}", one_line(&err));
        let err = try_parse_from::<Flag, _, _>(["x", "--quick", "-1"]).unwrap_err();
        assert!(one_line(&err).contains("'-1'"), "{}", one_line(&err));
    }

    #[test]
    fn given_seed_is_kept() {
        let args = Args::try_parse_from(["lesson", "--seed", "7"]).unwrap();
        assert_eq!(args.common.seed_or_random(), 7);
    }
}
