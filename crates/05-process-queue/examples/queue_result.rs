//! A child process runs the task and hands its return value back to the parent, as the
//! tutorial's wrapper does with `q.put(ret)` and `q.get()`. The child is this program
//! started again with the argument `child` (Python's "spawn"), and the value travels
//! through a pipe: the child's stdout, which the parent reads.
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The tutorial's task: some work (here random sleeps), then twice the value.
fn task(value: f64) -> f64 {
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(rand::random_range(0..40)));
    }
    value * 2.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        println!("{}", task(args[2].parse()?)); // q.put(ret): into the pipe
        return Ok(());
    }
    let mut child = Command::new(std::env::current_exe()?)
        .args(["child", "4.5"])
        .stdout(Stdio::piped())
        .spawn()?;
    // q.get(): read until end-of-file, which comes when the child exits, however it
    // ends.
    let mut text = String::new();
    child.stdout.take().unwrap().read_to_string(&mut text)?;
    let status = child.wait()?; // after reading: the child is done writing
    let result: f64 = match text.trim().parse() {
        Ok(result) => result,
        Err(_) => return Err(format!("the child sent no result ({status})").into()),
    };
    println!("Result: {result}");
    Ok(())
}
