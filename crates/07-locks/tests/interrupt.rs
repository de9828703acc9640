//! Interrupt safety: Ctrl-C (SIGINT to the whole group), SIGTERM to the parent, SIGKILL
//! to the parent. Each time the children stop, nothing stays running, and /dev/shm
//! holds nothing of ours, even when the parent is killed while the names still exist.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::testkit::{
    Ended, Finished, HANG_GUARD, Stop, Supervised, stop_while_running,
};

const BIN: &str = env!("CARGO_BIN_EXE_locks");

/// Ready once the turn-taking children have finished a step. A child prints its
/// critical-section lines on stdout before it counts the step done, and the parent's
/// "turns:" progress on stderr shows that count: above 0% means the children are
/// running.
fn children_running(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|line| line.starts_with("turns:") && !line.ends_with(" 0.00%"))
}

/// Starts a long run (about 5 s of turn-taking, with the issue's `--steps 400
/// --max-sleep-ms 20`), lets the children run about a second, then stops it with
/// `stop`; `stop_while_running` checks the exact end and that nothing is left.
fn stop_long_run(stop: Stop) -> Finished {
    let run = stop_while_running(
        BIN,
        &["--steps", "400", "--max-sleep-ms", "20", "--seed", "7"],
        children_running,
        stop,
    );
    assert!(
        run.stdout.contains("in the critical section"),
        "the children never started: {}",
        run.stdout
    );
    run
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let run = stop_long_run(Stop::CtrlC);
    assert!(run.stderr.contains("stopped by signal 2"), "{}", run.stderr);
    assert!(!run.stdout.contains("Result:"));
}

#[test]
fn sigterm_to_the_parent_stops_the_children() {
    let run = stop_long_run(Stop::Terminate);
    assert!(
        run.stderr.contains("stopped by signal 15"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_of_the_parent_takes_the_children_along() {
    stop_long_run(Stop::Kill);
}

/// The names a run's first segment has in /dev/shm: the segment, and its lock file if
/// any. Dropping it removes whatever is left, so that a failing test leaks nothing
/// either.
struct Names(Vec<PathBuf>);

impl Drop for Names {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Starts a long run whose parent holds still right after creating its first segment
/// (the hidden `--hold-after-create-ms`), and returns once the parent has said so: the
/// names exist, and no child has mapped the segment, so only the parent could unlink
/// them.
fn holding_after_create(lock: &str) -> (Supervised, Names) {
    let args = [
        "--steps",
        "400",
        "--max-sleep-ms",
        "20",
        "--seed",
        "7",
        "--lock",
        lock,
        "--hold-after-create-ms",
        "20000",
    ];
    let run = Supervised::start(BIN, &args).unwrap();
    let deadline = Instant::now() + HANG_GUARD;
    let name = loop {
        // Only a whole line: eprintln! may write it in pieces.
        let stderr = run.stderr();
        let said = stderr
            .split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
            .find_map(|line| line.strip_prefix("created "))
            .and_then(|rest| rest.split_once(';'))
            .map(|(name, _)| name.to_string());
        if let Some(name) = said {
            break name;
        }
        assert!(Instant::now() < deadline, "never held; stderr:\n{stderr}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut names = vec![PathBuf::from(format!("/dev/shm{name}"))];
    if lock == "flock" {
        names.push(PathBuf::from(format!("/dev/shm{name}.flock")));
    }
    for path in &names {
        assert!(path.exists(), "{} missing", path.display());
    }
    (run, Names(names))
}

/// SIGKILL runs no handler and the children die with the parent, so between creating
/// the names and unlinking them only the guardian can remove them. It must, whether the
/// SIGKILL goes to the parent alone or to its whole process group (`kill -9 -PGID`).
#[test]
fn sigkill_while_only_the_parent_knows_the_names_leaks_nothing() {
    for (lock, group) in [
        ("mutex", false),
        ("flock", false),
        ("mutex", true),
        ("flock", true),
    ] {
        let (mut run, names) = holding_after_create(lock);
        if group {
            run.signal_group(libc::SIGKILL).unwrap();
        } else {
            Stop::Kill.send(&run).unwrap();
        }
        // Returns once the reaper has reaped everything, the guardian included.
        assert_eq!(
            run.wait(HANG_GUARD),
            Some(Ended::Killed(libc::SIGKILL)),
            "{lock}, group {group}: {}",
            run.stderr()
        );
        for path in &names.0 {
            assert!(
                !path.exists(),
                "{lock}, group {group}: {} leaked",
                path.display()
            );
        }
        run.assert_nothing_left();
    }
}

/// Ctrl-C in the same moment: the parent is alive, removes the names itself and exits
/// 130; the guardian ignores the SIGINT that reaches the whole group, and is dismissed.
#[test]
fn ctrl_c_while_only_the_parent_knows_the_names_leaks_nothing() {
    for lock in ["mutex", "flock"] {
        let (mut run, names) = holding_after_create(lock);
        Stop::CtrlC.send(&run).unwrap();
        assert_eq!(
            run.wait(HANG_GUARD),
            Some(Ended::Exited(130)),
            "{lock}: {}",
            run.stderr()
        );
        assert!(run.stderr().contains("stopped by signal 2"));
        for path in &names.0 {
            assert!(!path.exists(), "{lock}: {} leaked", path.display());
        }
        run.assert_nothing_left();
    }
}
