//! The tutorial's basic `mp.Process` example: start a child process that runs the task,
//! do other work meanwhile, join it. The child is this same program run again with the
//! argument `child` (Python's "spawn" start method); it prints its result on its
//! stdout, which the parent reads through a pipe.

use rand::Rng;
use std::error::Error;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

/// The tutorial's task: 50 steps of pretend work, then the value doubled.
fn task(value: f64) -> f64 {
    let mut rng = rand::rng();
    for k in 0..50 {
        thread::sleep(Duration::from_millis(rng.random_range(0..=40)));
        // The progress lives in the child's memory only (lessons 5 and 6 send it).
        let _progress = (k + 1) * 100 / 50;
    }
    value * 2.0
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        println!("{}", task(args[2].parse()?));
        return Ok(());
    }
    // p = mp.Process(target=task, args=(4.5,)); p.start()
    let child = Command::new(std::env::current_exe()?)
        .args(["child", "4.5"])
        .stdout(Stdio::piped())
        .spawn()?;
    // Do whatever you want: the child runs on its own.
    eprintln!(
        "parent: started child {}, free to do other work",
        child.id()
    );
    // p.join(): read the pipe to its end (the child has ended), then reap the child.
    let output = child.wait_with_output()?;
    eprintln!("parent: the child ended with {}", output.status);
    if !output.status.success() {
        return Err("the child failed".into());
    }
    let result: f64 = String::from_utf8(output.stdout)?.trim().parse()?;
    println!("Result: {result}");
    Ok(())
}
