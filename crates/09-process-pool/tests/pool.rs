//! The pool with real worker processes: the lesson's binary serves the tasks of
//! `process_pool::work`. Timeouts here are hang guards, never what a test measures.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use process_pool::work::{COUNT_PRIMES, ECHO, INC, NAP, PANIC, PID, TASK, Work};
use process_pool::{Failure, PoolError, ProcessPool, Task, TaskError, TaskHandle};
use process_pool::{as_completed, how_it_ended};
use std::time::{Duration, Instant};

const LESSON: &str = env!("CARGO_BIN_EXE_process-pool");
const HANG_GUARD: Duration = Duration::from_secs(10);

fn pool(workers: usize) -> ProcessPool {
    ProcessPool::builder(workers)
        .program(LESSON)
        .start()
        .unwrap()
}

/// Waits (within the hang guard) until a worker runs the task, and returns its pid.
fn running_on<R: serde::de::DeserializeOwned>(handle: &TaskHandle<R>) -> u32 {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        if let Some(pid) = handle.running_on() {
            return pid;
        }
        assert!(Instant::now() < deadline, "the task never started");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn sigkill(pid: u32) {
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
}

/// True while a process with this pid exists (a zombie too).
fn exists(pid: u32) -> bool {
    kill(Pid::from_raw(pid as i32), None).is_ok()
}

#[test]
fn submit_then_result() {
    let pool = pool(2);
    let handle = pool.submit(&TASK, &Work::new(4.5, 3, 1, 7));
    assert_eq!(handle.result(), Ok(9.0));
    pool.shutdown();
}

#[test]
fn map_keeps_the_input_order() {
    let pool = pool(2);
    let naps = [40, 0, 20, 0, 10, 0];
    let got: Vec<u64> = pool
        .map(&NAP, naps)
        .into_iter()
        .map(|h| h.result().unwrap())
        .collect();
    assert_eq!(got, naps);
    let primes = pool.map(&COUNT_PRIMES, [10, 100, 1000]);
    let primes: Vec<_> = primes.into_iter().map(|h| h.result().unwrap()).collect();
    assert_eq!(primes, [4, 25, 168]);
}

#[test]
fn as_completed_hands_out_the_first_finished_first() {
    let pool = pool(2);
    let order: Vec<usize> = as_completed(pool.map(&NAP, [3000, 0]))
        .map(|(index, result)| {
            result.unwrap();
            index
        })
        .collect();
    assert_eq!(order, [1, 0]);
}

#[test]
fn a_slow_task_does_not_hold_up_the_others() {
    // Dealt round robin, as in the twin, the second and fourth task would wait for the
    // slow one on its worker; here each goes to whichever worker is free.
    let pool = pool(2);
    let slow = pool.submit(&NAP, &5000);
    let slow_pid = running_on(&slow);
    for handle in pool.map(&PID, [(), (), ()]) {
        assert_ne!(handle.result(), Ok(slow_pid));
    }
    assert!(!slow.is_done());
}

#[test]
fn a_worker_killed_mid_task_fails_only_that_task() {
    let pool = pool(2);
    let victim = pool.submit(&NAP, &60_000);
    let others = pool.map(&NAP, [20; 6]);
    let pid = running_on(&victim);
    sigkill(pid);
    let err = victim.result().unwrap_err();
    let TaskError::WorkerDied { pid: died, status } = err else {
        panic!("{err:?}");
    };
    assert_eq!(died, pid);
    assert_eq!(how_it_ended(status), "was killed by signal 9 (SIGKILL)");
    assert_eq!(
        err.to_string(),
        format!("its worker (pid {pid}) was killed by signal 9 (SIGKILL)")
    );
    for handle in others {
        assert_eq!(handle.result(), Ok(20));
    }
    // The pool replaced the dead worker, and goes on.
    let pids = pool.pids();
    assert_eq!(pids.len(), 2, "{pids:?}");
    assert!(!pids.contains(&pid));
    assert!(!exists(pid), "the dead worker was reaped");
    assert_eq!(pool.submit(&INC, &1).result(), Ok(2));
    pool.shutdown();
}

#[test]
fn tasks_sent_ahead_to_a_killed_worker_run_elsewhere() {
    let pool = ProcessPool::builder(2)
        .program(LESSON)
        .send_ahead(8)
        .start()
        .unwrap();
    let victim = pool.submit(&NAP, &60_000);
    let pid = running_on(&victim);
    // A long queue: some of these are sent ahead to the victim's worker.
    let many = pool.map(&INC, 0..200);
    sigkill(pid);
    assert!(matches!(victim.result(), Err(TaskError::WorkerDied { .. })));
    for (i, handle) in many.into_iter().enumerate() {
        assert_eq!(handle.result(), Ok(i as u64 + 1));
    }
}

#[test]
fn a_task_that_aborts_fails_alone() {
    let pool = pool(2);
    let crash = Work {
        crash_at: Some(1),
        ..Work::new(1.0, 2, 0, 1)
    };
    let handles = pool.map(
        &TASK,
        [Work::new(1.0, 2, 1, 1), crash, Work::new(2.0, 2, 1, 2)],
    );
    let results: Vec<_> = handles.into_iter().map(TaskHandle::result).collect();
    assert_eq!(results[0], Ok(2.0));
    assert_eq!(results[2], Ok(4.0));
    let Err(TaskError::WorkerDied { status, .. }) = results[1] else {
        panic!("{:?}", results[1]);
    };
    assert_eq!(how_it_ended(status), "was killed by signal 6 (SIGABRT)");
}

#[test]
fn a_retried_task_runs_again_on_a_new_worker() {
    let pool = ProcessPool::builder(1)
        .program(LESSON)
        .retry_crashed(true)
        .start()
        .unwrap();
    let first = pool.submit(&NAP, &1500);
    sigkill(running_on(&first));
    assert_eq!(first.result(), Ok(1500));
    // Once only: a task that keeps crashing its worker fails.
    let crash = Work {
        crash_at: Some(1),
        ..Work::new(1.0, 1, 0, 1)
    };
    let err = pool.submit(&TASK, &crash).result().unwrap_err();
    assert!(matches!(err, TaskError::WorkerDied { .. }), "{err:?}");
}

#[test]
fn a_panic_fails_its_task_and_the_worker_lives_on() {
    let pool = pool(1);
    let before = pool.submit(&PID, &()).result().unwrap();
    let err = pool.submit(&PANIC, &"no luck".to_string()).result();
    assert_eq!(
        err,
        Err(TaskError::Failed(Failure::Panicked("no luck".into())))
    );
    assert_eq!(pool.submit(&PID, &()).result(), Ok(before));
}

#[test]
fn a_task_the_workers_do_not_know_fails_alone() {
    const NOBODY: Task<u32, u32> = Task::new("nobody", |x| x);
    let pool = pool(1);
    let err = pool.submit(&NOBODY, &1).result();
    assert_eq!(
        err,
        Err(TaskError::Failed(Failure::Unknown("nobody".into())))
    );
    assert_eq!(pool.submit(&INC, &1).result(), Ok(2));
}

#[test]
fn what_a_task_prints_does_not_reach_the_replies() {
    let pool = pool(1);
    let text = "a line on stdout".to_string();
    assert_eq!(pool.submit(&ECHO, &text).result(), Ok(text));
}

#[test]
fn many_small_tasks_all_come_back_right() {
    let pool = pool(2);
    let handles = pool.map(&INC, 0..20_000);
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.result(), Ok(i as u64 + 1));
    }
    pool.shutdown();
}

#[test]
fn only_small_tasks_are_sent_ahead() {
    // One worker, busy: what it is sent ahead waits in its pipe, and cannot be
    // cancelled any more. Many small tasks: the first 128 are sent ahead.
    let small_pool = pool(1);
    let busy = small_pool.submit(&NAP, &10_000);
    running_on(&busy);
    let small = small_pool.map(&INC, 0..300);
    let sent_ahead = small.iter().filter(|handle| !handle.cancel()).count();
    assert_eq!(sent_ahead, 128);
    // Many large ones (1 KiB each): 128 of them would overfill the pipe, and the write
    // would block until the worker reads. None is sent ahead.
    let large_pool = pool(1);
    let busy = large_pool.submit(&NAP, &10_000);
    running_on(&busy);
    let large = large_pool.map(&ECHO, (0..300).map(|_| "x".repeat(1024)));
    assert!(
        large.iter().all(TaskHandle::cancel),
        "a large task was sent ahead"
    );
}

#[test]
fn an_argument_that_does_not_turn_into_bytes_fails_alone() {
    /// A type whose serialization always fails.
    struct Unwritable;
    impl serde::Serialize for Unwritable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no bytes for this one"))
        }
    }
    const NEVER: Task<Unwritable, ()> = Task::new("never", |_| ());
    let pool = pool(1);
    let err = pool.submit(&NEVER, &Unwritable).result().unwrap_err();
    let TaskError::Failed(Failure::Bytes(what)) = &err else {
        panic!("{err:?}")
    };
    assert!(what.starts_with("the argument: "), "{what}");
    assert_eq!(pool.submit(&INC, &1).result(), Ok(2));
}

#[test]
fn shutdown_waits_for_every_queued_task() {
    let pool = pool(1);
    let handles = pool.map(&NAP, [20; 5]);
    let pids = pool.pids();
    pool.shutdown();
    assert!(handles.iter().all(TaskHandle::is_done));
    assert!(
        pids.iter().all(|&pid| !exists(pid)),
        "every worker was reaped"
    );
}

#[test]
fn dropping_the_pool_kills_and_reaps_every_worker() {
    let pool = pool(2);
    let handles = pool.map(&NAP, [60_000; 3]);
    running_on(&handles[0]);
    let pids = pool.pids();
    let start = Instant::now();
    drop(pool);
    assert!(start.elapsed() < HANG_GUARD);
    assert!(
        pids.iter().all(|&pid| !exists(pid)),
        "every worker was reaped"
    );
    for handle in handles {
        assert_eq!(handle.result(), Err(TaskError::Stopped));
    }
}

#[test]
fn terminate_from_another_thread_ends_a_wait() {
    let pool = pool(1);
    std::thread::scope(|s| {
        let handle = pool.submit(&NAP, &60_000);
        running_on(&handle);
        s.spawn(|| pool.terminate());
        assert_eq!(handle.result(), Err(TaskError::Stopped));
    });
    assert_eq!(pool.submit(&INC, &1).result(), Err(TaskError::Stopped));
}

#[test]
fn a_queued_task_can_be_cancelled_a_running_one_cannot() {
    let pool = pool(1);
    let running = pool.submit(&NAP, &300);
    let queued = pool.submit(&NAP, &0);
    running_on(&running);
    assert!(!running.cancel());
    assert!(queued.cancel());
    assert_eq!(queued.result(), Err(TaskError::Cancelled));
    assert_eq!(running.result(), Ok(300));
}

#[test]
fn result_timeout_lets_the_caller_ask_again() {
    let pool = pool(1);
    let mut handle = pool.submit(&NAP, &200);
    assert_eq!(
        handle.result_timeout(Duration::from_millis(1)),
        Err(TaskError::Timeout)
    );
    assert_eq!(handle.result_timeout(HANG_GUARD), Ok(200));
    assert_eq!(
        handle.result_timeout(HANG_GUARD),
        Err(TaskError::AlreadyTaken)
    );
}

#[test]
fn a_program_that_does_not_serve_breaks_the_pool_with_a_clear_error() {
    // `true` exits at once, as a program whose main forgot `serve_if_worker` would
    // fail: the pool says so, and does not start workers without end.
    let pool = ProcessPool::builder(2).program("true").start().unwrap();
    let err = pool.submit(&INC, &1).result().unwrap_err();
    let TaskError::Broken(why) = &err else {
        panic!("{err:?}")
    };
    assert!(
        why.ends_with("exited with code 0 before it was ready"),
        "{why}"
    );
    assert!(matches!(
        pool.submit(&INC, &1).result(),
        Err(TaskError::Broken(_))
    ));
}

#[test]
fn a_pool_needs_a_worker() {
    assert!(matches!(ProcessPool::new(0), Err(PoolError::NoWorkers)));
}
