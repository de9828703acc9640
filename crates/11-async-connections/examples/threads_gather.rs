//! The same 100 slow requests with threads: one thread per request, and a server on
//! 127.0.0.1 (started by this program) with one thread per connection.
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::{thread, time::Duration, time::Instant};

const REQUESTS: usize = 100;
const DELAY: Duration = Duration::from_millis(50);

/// The slow server: a thread per connection reads a number and, after DELAY, answers
/// its double.
fn serve(listener: TcpListener) {
    for socket in listener.incoming().flatten() {
        thread::spawn(move || -> io::Result<()> {
            let mut line = String::new();
            BufReader::new(&socket).read_line(&mut line)?;
            thread::sleep(DELAY); // this thread does nothing else meanwhile
            let double = 2.0 * line.trim().parse::<f64>().unwrap_or(f64::NAN);
            (&socket).write_all(format!("{double}\n").as_bytes())
        });
    }
}

/// One slow request: connect, send the value, wait for the answer.
fn request(addr: SocketAddr, value: f64) -> io::Result<f64> {
    let mut socket = TcpStream::connect(addr)?;
    socket.write_all(format!("{value}\n").as_bytes())?;
    let mut answer = String::new();
    BufReader::new(socket).read_line(&mut answer)?;
    answer.trim().parse().map_err(io::Error::other)
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?; // port 0: any free port
    let addr = listener.local_addr()?;
    thread::spawn(move || serve(listener)); // the server runs until main returns

    let start = Instant::now();
    // A thread per request; `join` hands back each one's return value, in order.
    let threads: Vec<_> = (0..REQUESTS)
        .map(|_| thread::spawn(move || request(addr, 4.5)))
        .collect();
    let mut answers = Vec::new();
    for thread in threads {
        answers.push(thread.join().expect("a request thread panicked")?);
    }
    let took = start.elapsed();
    println!("{REQUESTS} requests of {DELAY:?} each took {took:.0?}");
    println!("Result: {}", answers[0]);
    Ok(())
}
