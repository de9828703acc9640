// Exercise: replace each `todo!()` with your code, then run
// `just exercise locks 2` (`just hint locks 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: repair what a panic left behind. A thread moves money between two
//! accounts and panics after the debit, before the credit: the mutex is poisoned, and
//! the money is gone from both. Take the data out of the poisoned mutex, restore the
//! invariant, and clear the poison.

use std::sync::Mutex;
use std::thread;

// ANCHOR: repair
/// Two accounts whose sum must stay the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accounts {
    pub a: u64,
    pub b: u64,
}

/// Moves `amount` from `a` to `b` on a thread that panics halfway, then repairs the
/// accounts (whose sum was `total`) and returns them.
pub fn transfer_then_repair(
    accounts: &Mutex<Accounts>,
    amount: u64,
    total: u64,
) -> Accounts {
    thread::scope(|s| {
        let failed = s.spawn(|| {
            let mut acc = accounts.lock().unwrap();
            acc.a -= amount;
            panic!("crashed between the debit and the credit");
        });
        assert!(failed.join().is_err());
    });
    // TODO: lock again. The mutex is poisoned, so `lock()` returns an `Err` that still
    // carries the guard: take it, restore `a + b == total`, clear the poison, and
    // return a copy of the repaired accounts.
    todo!()
}
// ANCHOR_END: repair

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_half_done_transfer_is_undone_and_the_poison_cleared() {
        let accounts = Mutex::new(Accounts { a: 70, b: 30 });
        let repaired = transfer_then_repair(&accounts, 20, 100);
        assert_eq!(repaired, Accounts { a: 70, b: 30 });
        assert!(!accounts.is_poisoned(), "the poison is still there");
        assert_eq!(
            *accounts.lock().unwrap(),
            repaired,
            "the mutex holds the repair"
        );
    }

    #[test]
    fn the_whole_balance_can_be_restored() {
        let accounts = Mutex::new(Accounts { a: 5, b: 0 });
        assert_eq!(
            transfer_then_repair(&accounts, 5, 5),
            Accounts { a: 5, b: 0 }
        );
        assert!(!accounts.is_poisoned());
    }
}
