// Exercise: replace each `todo!()` with your code, then run
// `just exercise async-connections 2` (`just hint async-connections 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: at most K at once.
//!
//! Run a plan's connections (one request each) with never more than `limit` of them
//! open together: for a low open-files limit, or a server that asks for fewer.

use async_connections::tasks::{connect, round_trip};
use async_connections::{Outcome, Plan};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// One connection, one request asking for `delay`: the unit of the exercises.
async fn one_request(addr: SocketAddr, delay: Duration, value: f64) -> io::Result<f64> {
    let (mut reader, mut writer) = connect(addr).await?;
    round_trip(&mut reader, &mut writer, delay, value).await
}

// ANCHOR: at_most
/// The plan's connections, each sending one request, never more than `limit` open
/// at once; their outcomes in connection order.
pub async fn at_most(addr: SocketAddr, plan: Plan, limit: usize) -> Vec<Outcome> {
    // TODO: share a `Semaphore::new(limit)` (in an `Arc`) with one `tokio::spawn`ed
    // task per connection. A task first waits for a permit (`acquire_owned`), keeps
    // it while its request runs, and lets it go when it is dropped. Then await the
    // tasks' handles in order.
    todo!()
}
// ANCHOR_END: at_most

#[cfg(test)]
mod tests {
    use super::*;
    use async_connections::{Delay, answer_line, parse_request};
    use std::sync::Mutex;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio::sync::watch;

    const GUARD: Duration = Duration::from_secs(10);

    /// The server counts the connections open at once (from its `accept` until it
    /// sends the answer), and keeps every answer back until `together` connections
    /// were open at once: a client that opens fewer never gets one.
    async fn counting_server(
        together: usize,
    ) -> (SocketAddr, Arc<Mutex<(usize, usize)>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counts = Arc::new(Mutex::new((0, 0))); // (open now, most at once)
        let (reached, gate) = watch::channel(false);
        let server_counts = counts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                {
                    let mut counts = server_counts.lock().unwrap();
                    counts.0 += 1;
                    counts.1 = counts.1.max(counts.0);
                    if counts.0 >= together {
                        reached.send_replace(true);
                    }
                }
                let (counts, mut gate) = (server_counts.clone(), gate.clone());
                tokio::spawn(async move {
                    let (reader, mut writer) = stream.into_split();
                    let mut line = String::new();
                    BufReader::new(reader).read_line(&mut line).await.unwrap();
                    let (_, value) = parse_request(&line).unwrap();
                    let _ = gate.wait_for(|&open| open).await;
                    counts.lock().unwrap().0 -= 1;
                    writer
                        .write_all(answer_line(value).as_bytes())
                        .await
                        .unwrap();
                });
            }
        });
        (addr, counts)
    }

    fn plan(connections: usize) -> Plan {
        Plan {
            connections,
            steps: 1,
            value: 4.5,
            delay: Delay::Exactly(Duration::ZERO),
            seed: 3,
            timeout: GUARD,
        }
    }

    async fn check(connections: usize, limit: usize) {
        let (addr, counts) = counting_server(limit.min(connections)).await;
        let outcomes =
            tokio::time::timeout(GUARD, at_most(addr, plan(connections), limit))
                .await
                .unwrap_or_else(|_| {
                    panic!("no end in 10 s: never {limit} open at once?")
                });
        assert_eq!(outcomes.len(), connections);
        assert!(
            outcomes
                .iter()
                .all(|o| *o == Outcome::Answered { value: 9.0 }),
            "{outcomes:?}"
        );
        let most = counts.lock().unwrap().1;
        assert!(
            most <= limit,
            "{most} connections open at once, limit {limit}"
        );
    }

    #[tokio::test]
    async fn never_more_than_the_limit_at_once() {
        check(40, 5).await;
    }

    #[tokio::test]
    async fn a_limit_of_one_is_one_after_the_other() {
        check(6, 1).await;
    }

    #[tokio::test]
    async fn a_limit_above_the_connections_opens_them_all() {
        check(3, 10).await;
    }
}
