//! The Rust twin of `asyncio.gather`: 100 slow requests at once, one tokio task each,
//! to a small server on 127.0.0.1 that this program starts itself.
use std::{io, net::SocketAddr, time::Duration, time::Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const REQUESTS: usize = 100;
const DELAY: Duration = Duration::from_millis(50);

/// The slow server: a task per connection reads a number and, after DELAY, answers
/// its double.
async fn serve(listener: TcpListener) {
    while let Ok((mut socket, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut line = String::new();
            BufReader::new(&mut socket).read_line(&mut line).await?;
            tokio::time::sleep(DELAY).await; // waits without holding a thread
            let double = 2.0 * line.trim().parse::<f64>().unwrap_or(f64::NAN);
            socket.write_all(format!("{double}\n").as_bytes()).await
        });
    }
}

/// One slow request: connect, send the value, wait for the answer.
async fn request(addr: SocketAddr, value: f64) -> io::Result<f64> {
    let mut socket = BufReader::new(TcpStream::connect(addr).await?);
    socket.write_all(format!("{value}\n").as_bytes()).await?;
    let answer = socket.lines().next_line().await?.unwrap_or_default();
    answer.parse().map_err(io::Error::other)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?; // port 0: any free port
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener)); // the server runs until main returns

    let start = Instant::now();
    // `asyncio.gather`: start every request, then wait for each, in order.
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|_| tokio::spawn(request(addr, 4.5)))
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await??); // a task that panicked is an error here
    }
    let took = start.elapsed();
    println!("{REQUESTS} requests of {DELAY:?} each took {took:.0?}");
    println!("Result: {}", answers[0]);
    Ok(())
}
