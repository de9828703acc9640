//! The command-line contract every lesson binary shares.

use clap::Parser;
use std::ffi::OsString;

/// The flags every lesson accepts. Lessons embed it with `#[command(flatten)]`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Common {
    /// Input of the simulated task; its result is twice this value
    #[arg(long, default_value_t = 4.5, allow_negative_numbers = true)]
    pub value: f64,

    /// Number of steps the simulated task takes
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: u32,

    /// Upper bound of the random sleep in each step, in milliseconds
    #[arg(long, default_value_t = 100)]
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
    match T::try_parse_from(args) {
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

    #[test]
    fn given_seed_is_kept() {
        let args = Args::try_parse_from(["lesson", "--seed", "7"]).unwrap();
        assert_eq!(args.common.seed_or_random(), 7);
    }
}
