//! Exercise 3: the first answer wins.
//!
//! Send the same request to two servers and keep the first answer (a "hedged"
//! request); if one call fails, wait for the other.

use async_connections::tasks::{connect, round_trip};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// One connection, one request asking for `delay`: the unit of the exercises.
async fn one_request(addr: SocketAddr, delay: Duration, value: f64) -> io::Result<f64> {
    let (mut reader, mut writer) = connect(addr).await?;
    round_trip(&mut reader, &mut writer, delay, value).await
}

// ANCHOR: first_answer
/// The same request to `a` and `b`; the first answer wins, and the slower call is
/// dropped (which closes its connection). If one call fails, the other may still
/// answer; if both fail, the error of the last one.
pub async fn first_answer(a: SocketAddr, b: SocketAddr, value: f64) -> io::Result<f64> {
    let no_delay = Duration::ZERO;
    let (call_a, call_b) = (
        one_request(a, no_delay, value),
        one_request(b, no_delay, value),
    );
    tokio::pin!(call_a, call_b);
    // TODO: race the two calls with `tokio::select!` (`answer = &mut call_a => ...`);
    // an `Ok` wins, and after an `Err`, await the other call.
    // SOLUTION
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
    // END SOLUTION
}
// ANCHOR_END: first_answer

#[cfg(test)]
mod tests {
    use super::*;
    use async_connections::{Behaviour, SlowServer};

    const GUARD: Duration = Duration::from_secs(10);

    async fn guarded(a: SocketAddr, b: SocketAddr) -> io::Result<f64> {
        tokio::time::timeout(GUARD, first_answer(a, b, 4.5))
            .await
            .expect("no end in 10 s: is a silent server awaited alone?")
    }

    /// A server that hangs up on its first connection without a word.
    fn rude() -> (SocketAddr, std::thread::JoinHandle<()>) {
        let rude = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = rude.local_addr().unwrap();
        (addr, std::thread::spawn(move || drop(rude.accept())))
    }

    #[tokio::test]
    async fn the_server_that_answers_wins_whichever_it_is() {
        let silent = SlowServer::start(Behaviour::Silent).unwrap();
        let answering = SlowServer::start(Behaviour::Answer).unwrap();
        let (s, a) = (silent.addr(), answering.addr());
        assert_eq!(guarded(s, a).await.unwrap(), 9.0);
        assert_eq!(guarded(a, s).await.unwrap(), 9.0);
    }

    #[tokio::test]
    async fn a_failed_call_leaves_the_other() {
        let answering = SlowServer::start(Behaviour::Answer).unwrap();
        let (rude_addr, hang_up) = rude();
        assert_eq!(guarded(rude_addr, answering.addr()).await.unwrap(), 9.0);
        hang_up.join().unwrap();
    }

    #[tokio::test]
    async fn two_failed_calls_are_an_error() {
        let ((a, hang_up_a), (b, hang_up_b)) = (rude(), rude());
        assert!(guarded(a, b).await.is_err());
        hang_up_a.join().unwrap();
        hang_up_b.join().unwrap();
    }
}
