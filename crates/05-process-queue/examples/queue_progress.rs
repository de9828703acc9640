//! The child sends ("progression", x) messages as it works, then ("result", value); the
//! parent shows the progress until the result comes. Each message is one line on the
//! child's stdout, `progression 42` or `result 9`: the pipe is the queue.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The tutorial's task, putting its progress and then its result through `put`.
fn task(value: f64, mut put: impl FnMut(&str, f64)) {
    put("progression", 0.0);
    for k in 1..=50 {
        std::thread::sleep(Duration::from_millis(rand::random_range(0..40)));
        put("progression", f64::from(k * 100) / 50.0);
    }
    put("result", value * 2.0);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        let value: f64 = args[2].parse()?;
        let mut out = std::io::stdout().lock(); // each line leaves at its newline
        task(value, |k, x| writeln!(out, "{k} {x}").unwrap()); // q.put((k, x))
        return Ok(());
    }
    let mut child = Command::new(std::env::current_exe()?)
        .args(["child", "4.5"])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut result = None;
    // q.get() in a loop: one line, one message, up to end-of-file (the child is gone).
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line?;
        let (kind, x) = line.split_once(' ').ok_or("not a message")?;
        let x: f64 = x.parse()?;
        match kind {
            "progression" => eprint!("\rProcess progression: {x:6.2}%"),
            "result" => result = Some(x),
            _ => return Err(format!("not a message: {line:?}").into()),
        }
    }
    eprintln!();
    let status = child.wait()?;
    let result = result.ok_or(format!("the child sent no result ({status})"))?;
    println!("Result: {result}");
    Ok(())
}
