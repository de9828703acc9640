//! The chapter says the compiler refuses a plain `bool` as a stop flag shared with a
//! running thread. The `compile_fail` doctest in `src/lib.rs` proves the snippet does
//! not compile; this test proves it fails for the reason the chapter gives (E0506),
//! and no other.

use support::testkit::assert_refused;

#[test]
fn a_plain_bool_written_while_a_thread_reads_it_is_refused_with_e0506() {
    assert_refused(
        include_str!("../src/refused/plain_bool.rs"),
        &[],
        "error[E0506]: cannot assign to `stop` because it is borrowed",
    );
}
