//! The chapter claims the compiler refuses three snippets, and names each error. The
//! `compile_fail` doctests in lib.rs prove they do not compile (stable rustdoc does not
//! check the error code); this test proves each fails for the reason the chapter gives,
//! by compiling it against this crate as rustdoc would.

use support::testkit::assert_refused;

#[test]
fn a_reference_kept_past_the_unlock_is_refused_with_e0505() {
    assert_refused(
        include_str!("../src/refused_guard.rs"),
        &["locks"],
        "error[E0505]: cannot move out of `guard` because it is borrowed",
    );
}

#[test]
fn two_threads_writing_a_plain_counter_are_refused_with_e0499() {
    assert_refused(
        include_str!("../src/refused_counter.rs"),
        &["locks"],
        "error[E0499]: cannot borrow `count` as mutable more than once at a time",
    );
}

#[test]
fn a_file_lock_shared_by_threads_is_refused_with_e0277() {
    assert_refused(
        include_str!("../src/refused_file_lock.rs"),
        &["locks"],
        "error[E0277]: `Cell<()>` cannot be shared between threads safely",
    );
}
