// Exercise: replace each `todo!()` with your code, then run
// `just exercise async-connections 1` (`just hint async-connections 1` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 1: answers as they come.
//!
//! `gather` gives the answers in the order of the requests. Give them in the order
//! they arrive instead (Python's `asyncio.as_completed`), each with the index of its
//! request: one request per delay, all at once.

use async_connections::tasks::{connect, round_trip};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::task::JoinSet;

/// One connection, one request asking for `delay`: the unit of the exercises.
async fn one_request(addr: SocketAddr, delay: Duration, value: f64) -> io::Result<f64> {
    let (mut reader, mut writer) = connect(addr).await?;
    round_trip(&mut reader, &mut writer, delay, value).await
}

// ANCHOR: as_they_come
/// One request per delay, all at once, and the answers in the order they *arrive*,
/// each with the index of its request.
pub async fn as_they_come(
    addr: SocketAddr,
    delays: &[Duration],
    value: f64,
) -> Vec<(usize, io::Result<f64>)> {
    // TODO: spawn one task per delay into a `JoinSet`, each giving back
    // `(index, one_request(addr, delay, value).await)`; then collect the tasks with
    // `join_next().await`, which yields them in the order they end.
    todo!()
}
// ANCHOR_END: as_they_come

#[cfg(test)]
mod tests {
    use super::*;
    use async_connections::{Behaviour, SlowServer, answer_line, parse_request};
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio::sync::watch;

    const GUARD: Duration = Duration::from_secs(10);

    /// A server whose order of answers is fixed, not timed: it answers a request for
    /// no delay at once, and every other request only once the client has closed
    /// the connection of the first answer (that is, once that answer arrived).
    async fn fast_one_first() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (closed, fast_closed) = watch::channel(false);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (closed, mut fast_closed) = (closed.clone(), fast_closed.clone());
                tokio::spawn(async move {
                    let (reader, mut writer) = stream.into_split();
                    let mut reader = BufReader::new(reader);
                    let mut line = String::new();
                    reader.read_line(&mut line).await.unwrap();
                    let (delay, value) = parse_request(&line).unwrap();
                    if delay.is_zero() {
                        writer
                            .write_all(answer_line(value).as_bytes())
                            .await
                            .unwrap();
                        let _ = reader.read_to_end(&mut Vec::new()).await; // until closed
                        closed.send_replace(true);
                    } else {
                        let _ = fast_closed.wait_for(|&closed| closed).await;
                        writer
                            .write_all(answer_line(value).as_bytes())
                            .await
                            .unwrap();
                    }
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn answers_arrive_fastest_first() {
        let addr = fast_one_first().await;
        let delays = [Duration::from_millis(1), Duration::ZERO];
        let arrived = tokio::time::timeout(GUARD, as_they_come(addr, &delays, 4.5))
            .await
            .expect("no answer in 10 s: are the requests sent all at once?");
        let order: Vec<usize> = arrived.iter().map(|(index, _)| *index).collect();
        assert_eq!(order, [1, 0], "the answer to request 1 came first");
        assert!(arrived.iter().all(|(_, a)| matches!(a, Ok(v) if *v == 9.0)));
    }

    #[tokio::test]
    async fn every_request_gets_its_answer_once() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let delays = [Duration::ZERO; 6];
        let arrived =
            tokio::time::timeout(GUARD, as_they_come(server.addr(), &delays, 2.0))
                .await
                .expect("no answer in 10 s");
        let mut indexes: Vec<usize> = arrived.iter().map(|(index, _)| *index).collect();
        indexes.sort();
        assert_eq!(indexes, [0, 1, 2, 3, 4, 5]);
        assert!(arrived.iter().all(|(_, a)| matches!(a, Ok(v) if *v == 4.0)));
    }
}
