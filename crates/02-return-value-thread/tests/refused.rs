//! The chapter claims the compiler refuses a `thread::spawn` closure that borrows local
//! data (E0373), and a second `join` of the same handle (E0382). The compile_fail
//! doctests in lib.rs prove each snippet does not compile (stable rustdoc does not check
//! the code it names); these tests prove it fails for the reason the chapter gives, and
//! no other.

use support::testkit::assert_refused;

#[test]
fn a_spawned_closure_that_borrows_a_local_is_refused_with_e0373() {
    assert_refused(
        include_str!("../src/refused_borrow.rs"),
        &[],
        "error[E0373]: closure may outlive the current function, but it borrows \
         `inputs`, which is owned by the current function",
    );
}

#[test]
fn joining_a_thread_twice_is_refused_with_e0382() {
    assert_refused(
        include_str!("../src/refused_join_twice.rs"),
        &[],
        "error[E0382]: use of moved value: `handle`",
    );
}
