//! The chapter claims that the compiler refuses some programs, and quotes the errors.
//! The `compile_fail` doctests in `src/refused/mod.rs` prove that each snippet does not
//! compile; these tests prove it fails for the reason the chapter gives, and no other.

use support::testkit::assert_refused;

#[test]
fn a_plain_f32_shared_with_a_running_thread_is_refused_with_e0502() {
    assert_refused(
        include_str!("../src/refused/plain_f32.rs"),
        &[],
        "error[E0502]: cannot borrow `progress` as immutable because it is also \
         borrowed as mutable",
    );
}

#[test]
fn a_getter_while_a_mut_self_method_runs_is_refused_with_e0502() {
    assert_refused(
        include_str!("../src/refused/mut_getter.rs"),
        &[],
        "error[E0502]: cannot borrow `object` as immutable because it is also borrowed \
         as mutable",
    );
}

#[test]
fn writing_a_plain_field_through_shared_self_is_refused_with_e0594() {
    assert_refused(
        include_str!("../src/refused/assign_through_ref.rs"),
        &[],
        "error[E0594]: cannot assign to `self.progress`, which is behind a `&` \
         reference",
    );
}

#[test]
fn thread_spawn_borrowing_a_local_is_refused_with_e0373() {
    assert_refused(
        include_str!("../src/refused/spawn_borrow.rs"),
        &[],
        "error[E0373]: closure may outlive the current function, but it borrows \
         `progress`, which is owned by the current function",
    );
}

#[test]
fn an_rc_sent_to_another_thread_is_refused_with_e0277() {
    assert_refused(
        include_str!("../src/refused/rc_not_send.rs"),
        &[],
        "error[E0277]: `Rc<AtomicU32>` cannot be sent between threads safely",
    );
}
