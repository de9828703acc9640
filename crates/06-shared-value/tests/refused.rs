//! The chapter claims the compiler refuses a slot used after its segment is dropped,
//! with E0505. The `compile_fail` doctest in lib.rs proves the snippet does not compile
//! (stable rustdoc does not check the error code); this test proves it fails for the
//! reason the chapter gives, by compiling it against this crate as rustdoc would.

use support::testkit::assert_refused;

#[test]
fn a_slot_used_after_its_segment_is_dropped_is_refused_with_e0505() {
    assert_refused(
        include_str!("../src/refused_slot.rs"),
        &["shared_value"],
        "error[E0505]: cannot move out of `slots` because it is borrowed",
    );
}
