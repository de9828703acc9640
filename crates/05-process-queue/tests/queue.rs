//! The library's queue between real processes, used the way another program would use
//! it: this test binary starts copies of itself as children (the hidden test
//! `child_role` runs the role named in `PQ_TEST_ROLE`), each inheriting the write end.

use process_queue::{
    BufSender, Failure, MAX_MESSAGE, Receiver, RecvError, Report, Sender, Workers,
    child, queue,
};
use serde::{Deserialize, Serialize};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HANG_GUARD: Duration = Duration::from_secs(10);

/// A large message that shows any tearing: many copies of one byte.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Blob {
    writer: u32,
    seq: u32,
    fill: Vec<u8>,
}

impl Blob {
    /// Between three quarters of the largest message and nearly all of it (3 to 4 KiB
    /// on Linux), so that any two frames together overflow one atomic write.
    fn new(writer: u32, seq: u32) -> Self {
        let room = MAX_MESSAGE - 16; // the two numbers and the length take at most 13
        let len = room * 3 / 4 + (seq as usize * 7) % (room / 4);
        Blob {
            writer,
            seq,
            fill: vec![(writer * 31 + seq) as u8; len],
        }
    }
}

/// Starts this test binary as a child running `role`, with the queue's write end
/// inherited.
fn start_child<M>(sender: &Sender<M>, role: &str) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    child::die_with_parent(&mut command);
    let fd = sender.inherit(&mut command).unwrap();
    command
        .args(["child_role", "--exact", "--test-threads=1", "--quiet"])
        .env("PQ_TEST_ROLE", role)
        .env("PQ_TEST_FD", fd.to_string())
        .stdout(Stdio::null());
    command.spawn().unwrap()
}

/// Not a test: the body of the children the tests below start (it does nothing
/// otherwise).
#[test]
fn child_role() {
    let Ok(role) = std::env::var("PQ_TEST_ROLE") else {
        return;
    };
    let fd = std::env::var("PQ_TEST_FD").unwrap().parse().unwrap();
    let parts: Vec<&str> = role.split(':').collect();
    match parts[..] {
        ["blobs", writer, count] => {
            // SAFETY: `fd` came from the parent's `Sender::inherit`; nothing else owns
            // it.
            let mut sender = unsafe { Sender::<Blob>::from_inherited(fd) }.unwrap();
            for seq in 0..count.parse().unwrap() {
                sender
                    .send(&Blob::new(writer.parse().unwrap(), seq))
                    .unwrap();
            }
        }
        ["batch", worker, count] => {
            // SAFETY: as above.
            let sender = unsafe { Sender::<Report>::from_inherited(fd) }.unwrap();
            let mut sender = BufSender::new(sender);
            let worker = worker.parse().unwrap();
            for seq in 0..count.parse().unwrap() {
                let percent = seq as f32;
                sender.send(&Report::Progress { worker, percent }).unwrap();
            }
            sender.flush().unwrap();
        }
        [kind, worker] => {
            // SAFETY: as above.
            let mut sender = unsafe { Sender::<Report>::from_inherited(fd) }.unwrap();
            let worker = worker.parse().unwrap();
            match kind {
                "result" => {
                    sender.send(&Report::Result { worker, value: 9.0 }).unwrap()
                }
                "progress-then-exit-3" => {
                    sender
                        .send(&Report::Progress {
                            worker,
                            percent: 50.0,
                        })
                        .unwrap();
                    std::process::exit(3);
                }
                "abort" => std::process::abort(),
                "sleep" => std::thread::sleep(Duration::from_secs(60)),
                other => panic!("unknown role {other}"),
            }
        }
        _ => panic!("bad role {role}"),
    }
}

fn workers_for(roles: &[&str]) -> (Sender<Report>, Workers) {
    let (sender, receiver) = queue::<Report>().unwrap();
    let mut workers = Workers::new(receiver, || None);
    for (index, role) in roles.iter().enumerate() {
        workers.add(start_child(&sender, &format!("{role}:{index}")));
    }
    (sender, workers)
}

#[test]
fn several_writer_processes_never_interleave() {
    const WRITERS: u32 = 4;
    const EACH: u32 = 400;
    let (sender, mut receiver) = queue::<Blob>().unwrap();
    let mut children: Vec<Child> = (0..WRITERS)
        .map(|w| start_child(&sender, &format!("blobs:{w}:{EACH}")))
        .collect();
    drop(sender);
    let mut next = [0; WRITERS as usize];
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        assert!(Instant::now() < deadline, "hang guard: got {next:?}");
        match receiver.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(blob)) => {
                let w = blob.writer as usize;
                assert_eq!(
                    blob,
                    Blob::new(blob.writer, next[w]),
                    "torn or out of order"
                );
                next[w] += 1;
            }
            Ok(None) => {}
            Err(RecvError::Closed) => break,
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(next, [EACH; WRITERS as usize]);
    for child in &mut children {
        assert!(child.wait().unwrap().success());
    }
}

#[test]
fn several_buffered_writers_never_interleave() {
    const WRITERS: u32 = 4;
    const EACH: u32 = 50_000; // about 100 writes of 512 frames each, per writer
    let (sender, mut receiver) = queue::<Report>().unwrap();
    let mut children: Vec<Child> = (0..WRITERS)
        .map(|w| start_child(&sender, &format!("batch:{w}:{EACH}")))
        .collect();
    drop(sender);
    let mut next = [0; WRITERS as usize];
    // `recv` waits for as long as a child holds the pipe open: each child ends on its
    // own, and a dead child closes its end, so the loop ends.
    loop {
        match receiver.recv() {
            Ok(Report::Progress { worker, percent }) => {
                let w = worker as usize;
                assert_eq!(percent, next[w] as f32, "torn or out of order");
                next[w] += 1;
            }
            Ok(other) => panic!("{other:?}"),
            Err(RecvError::Closed) => break,
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(next, [EACH; WRITERS as usize]);
    for child in &mut children {
        assert!(child.wait().unwrap().success());
    }
}

/// A signal that interrupts `recv`'s `read()` (a handler installed without
/// `SA_RESTART`) does not end the wait: the message sent afterwards arrives.
#[cfg(target_os = "linux")]
#[test]
fn recv_waits_on_through_a_signal() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    use std::sync::atomic::{AtomicUsize, Ordering};
    static HANDLED: AtomicUsize = AtomicUsize::new(0);
    extern "C" fn count(_: libc::c_int) {
        HANDLED.fetch_add(1, Ordering::SeqCst);
    }
    let action = SigAction::new(
        SigHandler::Handler(count),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only adds to an atomic, which is async-signal-safe.
    unsafe { sigaction(Signal::SIGUSR1, &action) }.unwrap();
    let (mut sender, mut receiver) = queue::<Report>().unwrap();
    let (ids, reader_ids) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        // SAFETY: both calls only return the calling thread's ids.
        ids.send(unsafe { (libc::gettid(), libc::pthread_self()) })
            .unwrap();
        receiver.recv()
    });
    let (tid, thread) = reader_ids.recv().unwrap();
    // Once the reader sleeps (in its `read()`), interrupt it.
    let stat = format!("/proc/self/task/{tid}/stat");
    let sleeping = || {
        let text = std::fs::read_to_string(&stat).unwrap_or_default();
        text.rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('S'))
    };
    let deadline = Instant::now() + HANG_GUARD;
    while !sleeping() {
        assert!(
            Instant::now() < deadline,
            "hang guard: the reader never slept"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: `thread` is the reader, which is alive: it cannot return before the
    // message below is sent.
    assert_eq!(unsafe { libc::pthread_kill(thread, libc::SIGUSR1) }, 0);
    while HANDLED.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "hang guard: no signal handled");
        std::thread::sleep(Duration::from_millis(1));
    }
    let report = Report::Result {
        worker: 0,
        value: 9.0,
    };
    sender.send(&report).unwrap();
    assert_eq!(reader.join().unwrap().unwrap(), report);
}

#[test]
fn results_from_several_children_arrive_and_they_are_reaped() {
    let (sender, mut workers) = workers_for(&["result", "result", "result"]);
    drop(sender);
    let mut seen = [false; 3];
    while !workers.all_done() {
        match workers.recv().unwrap() {
            Report::Result { worker, value } => {
                assert_eq!(value, 9.0);
                seen[worker as usize] = true;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen, [true; 3]);
    workers.finish().unwrap();
}

#[test]
fn end_of_file_before_the_result_names_the_child_and_its_exit_code() {
    let (sender, mut workers) = workers_for(&["progress-then-exit-3"]);
    drop(sender);
    let first = workers.recv().unwrap();
    assert_eq!(
        first,
        Report::Progress {
            worker: 0,
            percent: 50.0
        }
    );
    match workers.recv() {
        Err(Failure::ChildDied {
            worker: 0,
            status,
            sent_result: false,
            ..
        }) => assert_eq!(status.code(), Some(3)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_crash_is_seen_while_other_children_still_run() {
    let started = Instant::now();
    let (sender, mut workers) = workers_for(&["sleep", "abort", "sleep"]);
    drop(sender);
    // The sleepers keep the pipe open for a minute: no end-of-file helps here.
    match workers.recv() {
        Err(Failure::ChildDied {
            worker: 1, status, ..
        }) => assert_eq!(status.signal(), Some(libc::SIGABRT)),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < HANG_GUARD, "hang guard");
    drop(workers); // kills and reaps the sleepers
}

#[test]
fn a_write_end_left_open_in_the_parent_is_an_error_not_a_hang() {
    let (sender, mut workers) = workers_for(&["result"]);
    // The mistake: `sender` is still alive, so end-of-file can never come.
    assert!(matches!(
        workers.recv(),
        Ok(Report::Result { worker: 0, .. })
    ));
    let started = Instant::now();
    let err = workers.finish().unwrap_err();
    assert!(err.to_string().contains("still open"), "{err}");
    assert!(started.elapsed() < HANG_GUARD, "hang guard");
    drop(sender);
}

#[test]
fn a_receiver_outlives_its_children_and_sees_end_of_file() {
    let (sender, mut receiver): (Sender<Report>, Receiver<Report>) = queue().unwrap();
    let mut child = start_child(&sender, "result:0");
    drop(sender);
    let got = receiver.recv_timeout(HANG_GUARD).unwrap();
    assert_eq!(
        got,
        Some(Report::Result {
            worker: 0,
            value: 9.0
        })
    );
    assert!(child.wait().unwrap().success());
    // Not `try_recv`: a child that another test is starting right now holds a copy of
    // the write end until its `exec`, so end-of-file may come a moment after our
    // child's exit.
    let end = receiver.recv_timeout(HANG_GUARD);
    assert!(matches!(end, Err(RecvError::Closed)), "{end:?}");
}
