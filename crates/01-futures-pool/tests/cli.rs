//! End-to-end tests: run the lesson's binary as a reader would.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};
use support::testkit::assert_usage_error;

const BIN: &str = env!("CARGO_BIN_EXE_futures-pool");

/// Runs the binary with `args`; a run still going after 10 s is killed and fails the test
/// (a hang guard: a healthy run takes milliseconds).
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the lesson binary");
    // Drain both pipes on their own threads so a chatty child can never block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err = thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "hang guard: `futures-pool {}` ran over 10 s",
                args.join(" ")
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
    }
}

fn stdout_of(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}

#[test]
fn happy_path_ends_with_the_result() {
    let output = run(&["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let stdout = stdout_of(&output);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(last_line(&stdout), "Result: 9", "{stdout}");
    assert!(stdout.contains("Cores this process may use: "), "{stdout}");
    assert!(stdout.contains("task(4.5) = 9\n"), "{stdout}");
    assert!(
        stdout.contains("Results in submission order: 9, 11, 13, 15\n"),
        "{stdout}"
    );
}

#[test]
fn default_pool_has_one_worker_per_core() {
    let output = run(&["--steps", "1", "--max-sleep-ms", "0", "--seed", "1"]);
    let stdout = stdout_of(&output);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        stdout.contains(&format!("Cores this process may use: {cores}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Worker threads in the pool: {cores}\n")),
        "{stdout}"
    );
}

#[test]
fn workers_flag_sets_the_pool_size() {
    for workers in ["1", "3"] {
        let output = run(&["--workers", workers, "--steps", "3", "--max-sleep-ms", "1"]);
        let stdout = stdout_of(&output);
        assert!(output.status.success(), "{output:?}");
        assert!(
            stdout.contains(&format!("Worker threads in the pool: {workers}\n")),
            "{stdout}"
        );
        assert_eq!(last_line(&stdout), "Result: 9");
    }
}

#[test]
fn value_flag_changes_the_result() {
    let output = run(&["--value", "-1.25", "--steps", "2", "--max-sleep-ms", "0"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(last_line(&stdout_of(&output)), "Result: -2.5");
}

#[test]
fn panicking_task_is_reported_not_sprayed() {
    let output = run(&["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let stdout = stdout_of(&output);
    let stderr = stderr_of(&output);
    assert!(
        stdout.contains(
            "The failing task reported an error: the task panicked: \
             simulated failure: the input was rejected\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("The pool still works: task(4.5) = 9\n"),
        "{stdout}"
    );
    // The default panic hook would print "thread 'pool-worker-0' panicked at ..." and a
    // RUST_BACKTRACE hint; the lesson keeps stderr for progress only.
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
}

#[test]
fn progress_goes_to_stderr_and_ends_at_all_done() {
    let output = run(&["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let stderr = stderr_of(&output);
    // Not a terminal, so each change is its own line; the last one says all four are done.
    assert_eq!(last_line(&stderr), "tasks done: 4/4 100.00%", "{stderr}");
    assert!(!stdout_of(&output).contains("tasks done"));
}

#[test]
fn bad_steps_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--steps", "abc"], "--steps");
}

#[test]
fn zero_workers_exit_2_with_one_line() {
    let output = run(&["--workers", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "error: --workers 0: a thread pool needs at least one worker\n"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn help_lists_the_flags() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let stdout = stdout_of(&output);
    for flag in [
        "--workers",
        "--steps",
        "--max-sleep-ms",
        "--seed",
        "--value",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
}
