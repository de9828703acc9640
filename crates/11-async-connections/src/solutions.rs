//! Solutions to the chapter's exercises, with their tests.

use crate::tasks::{connect, round_trip};
use crate::{Outcome, Plan};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// One connection, one request asking for `delay`: the unit of the exercises.
async fn one_request(addr: SocketAddr, delay: Duration, value: f64) -> io::Result<f64> {
    let (mut reader, mut writer) = connect(addr).await?;
    round_trip(&mut reader, &mut writer, delay, value).await
}

// ANCHOR: as_they_come
/// Exercise 1: one request per delay, all at once, and the answers in the order they
/// *arrive* (Python's `asyncio.as_completed`), each with the index of its request.
pub async fn as_they_come(
    addr: SocketAddr,
    delays: &[Duration],
    value: f64,
) -> Vec<(usize, io::Result<f64>)> {
    let mut set = JoinSet::new();
    for (index, &delay) in delays.iter().enumerate() {
        set.spawn(async move { (index, one_request(addr, delay, value).await) });
    }
    let mut arrived = Vec::with_capacity(delays.len());
    while let Some(joined) = set.join_next().await {
        arrived.push(joined.map_err(io::Error::from).expect("a request panicked"));
    }
    arrived
}
// ANCHOR_END: as_they_come

// ANCHOR: at_most
/// Exercise 2: the plan's connections, but never more than `limit` open at once (for
/// a low open-files limit, or a server that asks for fewer): a task first waits for a
/// permit, and gives it back when it is dropped. `most` records the highest number of
/// connections that were open together.
pub async fn at_most(
    addr: SocketAddr,
    plan: Plan,
    limit: usize,
    most: Arc<AtomicUsize>,
) -> Vec<Outcome> {
    let permits = Arc::new(Semaphore::new(limit));
    let open = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for index in 0..plan.connections {
        let (permits, open, most) = (permits.clone(), open.clone(), most.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            most.fetch_max(open.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            let delay = plan.delays(index).next().unwrap_or_default();
            let outcome = match one_request(addr, delay, plan.value).await {
                Ok(value) => Outcome::Answered { value },
                Err(err) => Outcome::from_error(&err, 0),
            };
            open.fetch_sub(1, Ordering::SeqCst);
            outcome
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a connection panicked"));
    }
    outcomes
}
// ANCHOR_END: at_most

// ANCHOR: first_answer
/// Exercise 3: the same request to two servers, and the first answer wins (a
/// "hedged" request). `select!` drops the slower call, which closes its connection.
/// If one call fails, the other may still answer.
pub async fn first_answer(a: SocketAddr, b: SocketAddr, value: f64) -> io::Result<f64> {
    let no_delay = Duration::ZERO;
    let (call_a, call_b) = (
        one_request(a, no_delay, value),
        one_request(b, no_delay, value),
    );
    tokio::pin!(call_a, call_b);
    tokio::select! {
        answer = &mut call_a => match answer {
            Ok(value) => Ok(value),
            Err(_) => call_b.await,
        },
        answer = &mut call_b => match answer {
            Ok(value) => Ok(value),
            Err(_) => call_a.await,
        },
    }
}
// ANCHOR_END: first_answer

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Behaviour, Delay, SlowServer};

    #[tokio::test]
    async fn answers_arrive_fastest_first() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let ms = Duration::from_millis;
        let arrived = as_they_come(server.addr(), &[ms(1500), ms(0)], 4.5).await;
        let order: Vec<usize> = arrived.iter().map(|(index, _)| *index).collect();
        assert_eq!(order, [1, 0]);
        assert!(arrived.iter().all(|(_, a)| matches!(a, Ok(v) if *v == 9.0)));
    }

    #[tokio::test]
    async fn never_more_than_the_limit_at_once() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let plan = Plan {
            connections: 40,
            steps: 1,
            value: 4.5,
            delay: Delay::UpTo(Duration::from_millis(20)),
            seed: 3,
            timeout: Duration::from_secs(10),
        };
        let most = Arc::new(AtomicUsize::new(0));
        let outcomes = at_most(server.addr(), plan, 5, most.clone()).await;
        assert!(
            outcomes
                .iter()
                .all(|o| *o == Outcome::Answered { value: 9.0 })
        );
        let most = most.load(Ordering::SeqCst);
        assert!((1..=5).contains(&most), "{most} open at once");
    }

    #[tokio::test]
    async fn the_server_that_answers_wins_whichever_it_is() {
        let silent = SlowServer::start(Behaviour::Silent).unwrap();
        let answering = SlowServer::start(Behaviour::Answer).unwrap();
        let (s, a) = (silent.addr(), answering.addr());
        assert_eq!(first_answer(s, a, 4.5).await.unwrap(), 9.0);
        assert_eq!(first_answer(a, s, 4.5).await.unwrap(), 9.0);
    }

    #[tokio::test]
    async fn a_failed_call_leaves_the_other() {
        let answering = SlowServer::start(Behaviour::Answer).unwrap();
        // A server that hangs up on its first connection without a word.
        let rude = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let rude_addr = rude.local_addr().unwrap();
        let hang_up = std::thread::spawn(move || drop(rude.accept()));
        let answer = first_answer(rude_addr, answering.addr(), 4.5).await;
        assert_eq!(answer.unwrap(), 9.0);
        hang_up.join().unwrap();
    }
}
