//! Step 2: every call under a timeout.

use crate::tasks::{connect, round_trip};
use crate::{Outcome, Plan};
use std::net::SocketAddr;
use tokio::time::timeout;

/// Step 1's `gather`, with an [`Outcome`] per connection instead of a bare result.
pub async fn gather(addr: SocketAddr, plan: Plan) -> Vec<Outcome> {
    let tasks: Vec<_> = (0..plan.connections)
        .map(|index| tokio::spawn(talk(addr, plan, index)))
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.unwrap_or_else(|err| Outcome::Failed {
            answers: 0,
            error: err.to_string(),
        }));
    }
    outcomes
}

// ANCHOR: s2
/// Connects, then sends the plan's requests one after the other. No call may take
/// longer than `plan.timeout`: `timeout` returns `Err(Elapsed)` when it runs out, and
/// drops the call it gave up on.
async fn talk(addr: SocketAddr, plan: Plan, index: usize) -> Outcome {
    let (mut reader, mut writer) = match timeout(plan.timeout, connect(addr)).await {
        Ok(Ok(halves)) => halves,
        Ok(Err(err)) => return Outcome::from_error(&err, 0),
        Err(_elapsed) => return Outcome::TimedOut { answers: 0 },
    };
    let (mut answers, mut last) = (0, f64::NAN);
    for delay in plan.delays(index) {
        let call = round_trip(&mut reader, &mut writer, delay, plan.value);
        match timeout(plan.timeout, call).await {
            Ok(Ok(value)) => last = value,
            Ok(Err(err)) => return Outcome::from_error(&err, answers),
            Err(_elapsed) => return Outcome::TimedOut { answers },
        }
        answers += 1;
    }
    Outcome::Answered { value: last }
}
// ANCHOR_END: s2

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Behaviour, Delay, SlowServer};
    use std::time::Duration;

    fn plan(connections: usize, steps: u32, timeout: Duration) -> Plan {
        Plan {
            connections,
            steps,
            value: 4.5,
            delay: Delay::UpTo(Duration::from_millis(5)),
            seed: 7,
            timeout,
        }
    }

    #[tokio::test]
    async fn every_connection_is_answered() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let outcomes =
            gather(server.addr(), plan(30, 3, Duration::from_secs(10))).await;
        assert!(
            outcomes
                .iter()
                .all(|o| *o == Outcome::Answered { value: 9.0 })
        );
    }

    // ANCHOR: s2_fix
    #[tokio::test]
    async fn a_server_that_never_answers_is_reported() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let plan = plan(5, 1, Duration::from_millis(200));
        let outcomes = gather(server.addr(), plan).await;
        assert!(
            outcomes
                .iter()
                .all(|o| *o == Outcome::TimedOut { answers: 0 })
        );
    }
    // ANCHOR_END: s2_fix

    #[tokio::test]
    async fn but_nothing_except_the_timeout_ends_a_call() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let waiting = gather(server.addr(), plan(5, 1, Duration::from_secs(600)));
        // With a long timeout, a caller who gives up (Ctrl-C, a user who closed the
        // page) has no way to end the calls: the final client adds one.
        let gave_up = tokio::time::timeout(Duration::from_secs(1), waiting).await;
        assert!(gave_up.is_err());
    }
}
