//! Step 1: the twin's `gather`, with a plan.

use crate::Plan;
use crate::tasks::{connect, round_trip};
use std::io;
use std::net::SocketAddr;

// ANCHOR: s1
/// One task per connection, each sending the plan's requests one after the other;
/// the answers come back in connection order, as `asyncio.gather` gives them.
pub async fn gather(addr: SocketAddr, plan: Plan) -> Vec<io::Result<f64>> {
    let tasks: Vec<_> = (0..plan.connections)
        .map(|index| tokio::spawn(talk(addr, plan, index)))
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(
            task.await
                .map_err(io::Error::from)
                .and_then(|answer| answer),
        );
    }
    answers
}

async fn talk(addr: SocketAddr, plan: Plan, index: usize) -> io::Result<f64> {
    let (mut reader, mut writer) = connect(addr).await?;
    let mut last = f64::NAN;
    for delay in plan.delays(index) {
        last = round_trip(&mut reader, &mut writer, delay, plan.value).await?;
    }
    Ok(last)
}
// ANCHOR_END: s1

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Behaviour, Delay, SlowServer};
    use std::time::Duration;

    pub(crate) fn plan(connections: usize, steps: u32) -> Plan {
        Plan {
            connections,
            steps,
            value: 4.5,
            delay: Delay::UpTo(Duration::from_millis(5)),
            seed: 7,
            timeout: Duration::from_secs(600), // step 1 does not look at it
        }
    }

    #[tokio::test]
    async fn answers_come_back_in_connection_order() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let answers = gather(server.addr(), plan(30, 3)).await;
        assert_eq!(answers.len(), 30);
        assert!(answers.iter().all(|a| matches!(a, Ok(v) if *v == 9.0)));
    }

    // ANCHOR: s1_flaw
    #[tokio::test]
    async fn a_server_that_never_answers_makes_gather_wait_for_ever() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let waiting = gather(server.addr(), plan(5, 1));
        // Still waiting after a second, and it would wait for as long as we let it:
        // the server will never answer.
        let gave_up = tokio::time::timeout(Duration::from_secs(1), waiting).await;
        assert!(gave_up.is_err(), "gather finished without any answer");
    }
    // ANCHOR_END: s1_flaw
}
