//! What a handle must do to behave like Python's `Future`, as tests that steps 2 and 3
//! (`steps::s2_handle`, `steps::s3_slot`) and the final `TaskHandle` all run:
//! `future_contract!(path::submit)` writes them for a `submit(&ThreadPool, task)`
//! function (or method).

use crate::guard::HANG_GUARD;
use crossbeam_channel::{Sender, bounded};

/// The task a `gated` test submits: it reports "started", then waits for the go.
pub type GatedTask = Box<dyn FnOnce() -> &'static str + Send>;

/// Submits (with `submit`) a task that tells us it has started and then waits until we
/// let it go, so a test knows the task is running without guessing with a sleep.
pub fn gated<H>(submit: impl FnOnce(GatedTask) -> H) -> (H, Sender<()>) {
    let (started_tx, started_rx) = bounded(1);
    let (go_tx, go_rx) = bounded::<()>(1);
    let handle = submit(Box::new(move || {
        started_tx.send(()).unwrap();
        let _ = go_rx.recv();
        "released"
    }));
    started_rx
        .recv_timeout(HANG_GUARD)
        .expect("the gated task never started");
    (handle, go_tx)
}

macro_rules! future_contract {
    ($submit:path) => {
        use crossbeam_channel::unbounded;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;
        use $crate::contract::gated;
        use $crate::guard::{HANG_GUARD, within_guard, within_stall_guard};
        use $crate::{TaskError, ThreadPool, task};

        #[test]
        fn submit_returns_the_value() {
            within_guard(|| {
                let pool = ThreadPool::new(2).unwrap();
                let handle = $submit(&pool, || task(4.5, 2, 1, 7));
                assert_eq!(handle.result(), Ok(9.0));
            });
        }

        #[test]
        fn results_come_back_in_submission_order() {
            within_guard(|| {
                let pool = ThreadPool::new(3).unwrap();
                let handles: Vec<_> = (0..20u64)
                    .map(|i| $submit(&pool, move || task(i as f64, 2, 1, i)))
                    .collect();
                let results: Vec<f64> =
                    handles.into_iter().map(|h| h.result().unwrap()).collect();
                let expected: Vec<f64> = (0..20).map(|i| f64::from(i) * 2.0).collect();
                assert_eq!(results, expected);
            });
        }

        // What step 1 lacks (`a_panic_loses_its_message_and_never_counts_as_done`).
        #[test]
        fn panicking_task_gives_an_error_and_the_pool_goes_on() {
            within_guard(|| {
                // One worker: the task after the panic runs on the very thread that
                // panicked.
                let pool = ThreadPool::new(1).unwrap();
                let bad = $submit(&pool, || -> u32 { panic!("boom at step {}", 3) });
                assert_eq!(
                    bad.result(),
                    Err(TaskError::Panicked("boom at step 3".to_string()))
                );
                let bad_str = $submit(&pool, || -> u32 { panic!("static message") });
                assert_eq!(
                    bad_str.result(),
                    Err(TaskError::Panicked("static message".to_string()))
                );
                let odd = $submit(&pool, || -> u32 { std::panic::panic_any(42_i32) });
                assert!(matches!(odd.result(), Err(TaskError::Panicked(_))));
                let after = $submit(&pool, || -> u32 { panic!("late") });
                assert_eq!($submit(&pool, || 7).result(), Ok(7));
                assert!(after.is_done(), "a panicked task counts as done");
            });
        }

        #[test]
        fn a_running_task_cannot_be_cancelled() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (handle, go) = gated(|task| $submit(&pool, task));
                assert!(!handle.cancel(), "the task is running: cancel must refuse");
                assert!(!handle.is_done());
                go.send(()).unwrap();
                assert_eq!(handle.result(), Ok("released"));
            });
        }

        #[test]
        fn a_queued_task_can_be_cancelled() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (running, go) = gated(|task| $submit(&pool, task));
                // The only worker is busy, so this task is certainly still queued.
                let ran = Arc::new(AtomicUsize::new(0));
                let ran_in_task = Arc::clone(&ran);
                let queued =
                    $submit(&pool, move || ran_in_task.fetch_add(1, Ordering::SeqCst));
                assert!(queued.cancel());
                assert!(queued.is_done(), "a cancelled task counts as done");
                assert!(!queued.cancel(), "cancelling twice reports false");
                // Answers at once, though the worker is still blocked by the gated
                // task.
                assert_eq!(queued.result(), Err(TaskError::Cancelled));
                go.send(()).unwrap();
                assert_eq!(running.result(), Ok("released"));
                pool.shutdown();
                assert_eq!(
                    ran.load(Ordering::SeqCst),
                    0,
                    "a cancelled task never runs"
                );
            });
        }

        #[test]
        fn a_finished_task_cannot_be_cancelled() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let mut handle = $submit(&pool, || 5);
                assert_eq!(handle.result_timeout(HANG_GUARD), Ok(5));
                assert!(handle.is_done());
                assert!(!handle.cancel());
                assert_eq!(
                    handle.result_timeout(HANG_GUARD),
                    Err(TaskError::AlreadyTaken)
                );
            });
        }

        #[test]
        fn result_timeout_times_out_on_a_blocked_task() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (mut handle, go) = gated(|task| $submit(&pool, task));
                // The task waits for `go`, so it cannot finish within any timeout.
                assert_eq!(
                    handle.result_timeout(Duration::from_millis(20)),
                    Err(TaskError::Timeout)
                );
                assert!(!handle.is_done());
                go.send(()).unwrap();
                assert_eq!(handle.result_timeout(HANG_GUARD), Ok("released"));
            });
        }

        #[test]
        fn is_done_turns_true_when_the_task_ends() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (handle, go) = gated(|task| $submit(&pool, task));
                assert!(!handle.is_done());
                go.send(()).unwrap();
                // The next task starts only after the gated one has finished.
                $submit(&pool, || ()).result().unwrap();
                assert!(handle.is_done());
                assert_eq!(handle.result(), Ok("released"));
            });
        }

        #[test]
        fn a_queued_task_can_be_cancelled_after_a_timed_out_wait() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (running, go) = gated(|task| $submit(&pool, task));
                let mut queued = $submit(&pool, || 5);
                assert_eq!(
                    queued.result_timeout(Duration::from_millis(20)),
                    Err(TaskError::Timeout)
                );
                assert!(queued.cancel(), "a wait that gave up must not block cancel");
                assert_eq!(
                    queued.result_timeout(HANG_GUARD),
                    Err(TaskError::Cancelled)
                );
                go.send(()).unwrap();
                assert_eq!(running.result(), Ok("released"));
            });
        }

        #[test]
        fn a_handle_that_waited_on_one_thread_is_woken_on_another() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (mut handle, go) = gated(|task| $submit(&pool, task));
                // This thread waits and gives up: it may stay registered as the waiter.
                assert_eq!(
                    handle.result_timeout(Duration::from_millis(20)),
                    Err(TaskError::Timeout)
                );
                // The handle moves to another thread, which waits for the outcome: the
                // task must wake that thread, not the one that waited before.
                let (waiting_tx, waiting_rx) = unbounded();
                let other = std::thread::spawn(move || {
                    waiting_tx.send(()).unwrap();
                    handle.result()
                });
                waiting_rx.recv().unwrap();
                // Time for it to fall asleep (as below, the pause decides nothing).
                std::thread::sleep(Duration::from_millis(20));
                go.send(()).unwrap();
                assert_eq!(other.join().unwrap(), Ok("released"));
            });
        }

        #[test]
        fn a_handle_asleep_on_a_queued_task_is_woken_when_it_ends() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (running, go) = gated(|task| $submit(&pool, task));
                let queued = $submit(&pool, || 5);
                // Another thread waits for the queued task, and goes to sleep while the
                // only worker is still busy: the task must start, end, and wake it.
                let (waiting_tx, waiting_rx) = unbounded();
                let other = std::thread::spawn(move || {
                    waiting_tx.send(()).unwrap();
                    queued.result()
                });
                waiting_rx.recv().unwrap();
                // Time for it to fall asleep. The pause decides nothing: if the task
                // starts before the other thread sleeps, the test passes without
                // covering the case (`many_round_trips_never_lose_a_wakeup` meets it
                // too).
                std::thread::sleep(Duration::from_millis(20));
                go.send(()).unwrap();
                assert_eq!(running.result(), Ok("released"));
                assert_eq!(other.join().unwrap(), Ok(5));
            });
        }

        /// Adds one to its counter when dropped.
        struct Counted(Arc<AtomicUsize>);

        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }

        #[test]
        fn every_closure_and_outcome_is_dropped_once() {
            within_guard(|| {
                let drops = Arc::new(AtomicUsize::new(0));
                let counted = || Counted(Arc::clone(&drops));
                let pool = ThreadPool::new(1).unwrap();
                let (running, go) = gated(|task| $submit(&pool, task));
                // Each closure owns a `Counted` and returns it as its outcome. Queued
                // behind the gate: one taken, one never asked for, one whose handle
                // is dropped at once, one cancelled (its closure never runs).
                let (a, b, c, d) = (counted(), counted(), counted(), counted());
                let taken = $submit(&pool, move || a);
                let kept = $submit(&pool, move || b);
                drop($submit(&pool, move || c));
                let cancelled = $submit(&pool, move || d);
                assert!(cancelled.cancel());
                go.send(()).unwrap();
                assert_eq!(running.result(), Ok("released"));
                drop(taken.result().unwrap());
                pool.shutdown();
                drop((kept, cancelled));
                assert_eq!(
                    drops.load(Ordering::SeqCst),
                    4,
                    "each dropped exactly once"
                );
            });
        }

        #[test]
        fn many_round_trips_never_lose_a_wakeup() {
            // Some results are ready before `result` looks, some while it spins, some
            // only after it has gone to sleep: a wake-up lost in any of those races
            // would hang here. The guard fails only if no round trip ends for 10 s,
            // not on the total: on a busy machine each one may wait for a core, and
            // 20 000 of them can outlast 10 s.
            // Miri interprets every instruction: there, 200 round trips, same mix.
            const ROUND_TRIPS: u64 = if cfg!(miri) { 200 } else { 20_000 };
            within_stall_guard(|done| {
                let pool = ThreadPool::new(2).unwrap();
                for i in 0..ROUND_TRIPS {
                    let slow = i % (ROUND_TRIPS / 20) == 0;
                    let handle = $submit(&pool, move || {
                        if slow {
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        i * 3
                    });
                    assert_eq!(handle.result(), Ok(i * 3));
                    done.store(i + 1, Ordering::Relaxed);
                }
            });
        }

        #[test]
        fn dropped_handle_does_not_cancel() {
            within_guard(|| {
                let pool = ThreadPool::new(1).unwrap();
                let (tx, rx) = unbounded();
                drop($submit(&pool, move || tx.send("ran").unwrap()));
                drop(pool);
                assert_eq!(rx.try_recv(), Ok("ran"));
            });
        }
    };
}
pub(crate) use future_contract;
