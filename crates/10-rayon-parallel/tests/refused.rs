//! The chapter claims that the compiler refuses two programs, and quotes the errors.
//! The `compile_fail` doctests in `src/lib.rs` prove that each snippet does not compile;
//! stable rustdoc does not check why, so these tests compile each one with `rustc` (and
//! the rayon this workspace builds) and check the error: CI notices if a claim stops
//! being true, or stays true for another reason.

use support::testkit::assert_refused;

#[test]
fn a_par_iter_job_adding_to_a_captured_total_is_refused_with_e0594() {
    assert_refused(
        include_str!("../src/refused_total.rs"),
        &["rayon"],
        "error[E0594]: cannot assign to `total`, as it is a captured variable in a `Fn` \
         closure",
    );
}

#[test]
fn rayon_spawn_borrowing_a_local_is_refused_with_e0597() {
    assert_refused(
        include_str!("../src/refused_spawn.rs"),
        &["rayon"],
        "error[E0597]: `sums` does not live long enough",
    );
}
