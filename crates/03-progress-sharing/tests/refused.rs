//! The chapter claims that the compiler refuses some programs, and quotes the errors.
//! The `compile_fail` doctests in `src/refused/mod.rs` prove that each snippet does not
//! compile; these tests prove it fails for the reason the chapter gives, and no other.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn a_plain_f32_shared_with_a_running_thread_is_refused_with_e0502() {
    assert_refused(
        "plain_f32",
        "error[E0502]: cannot borrow `progress` as immutable because it is also \
         borrowed as mutable",
    );
}

#[test]
fn a_getter_while_a_mut_self_method_runs_is_refused_with_e0502() {
    assert_refused(
        "mut_getter",
        "error[E0502]: cannot borrow `object` as immutable because it is also borrowed \
         as mutable",
    );
}

#[test]
fn writing_a_plain_field_through_shared_self_is_refused_with_e0594() {
    assert_refused(
        "assign_through_ref",
        "error[E0594]: cannot assign to `self.progress`, which is behind a `&` \
         reference",
    );
}

#[test]
fn thread_spawn_borrowing_a_local_is_refused_with_e0373() {
    assert_refused(
        "spawn_borrow",
        "error[E0373]: closure may outlive the current function, but it borrows \
         `progress`, which is owned by the current function",
    );
}

#[test]
fn an_rc_sent_to_another_thread_is_refused_with_e0277() {
    assert_refused(
        "rc_not_send",
        "error[E0277]: `Rc<AtomicU32>` cannot be sent between threads safely",
    );
}

/// Compiles `src/refused/NAME.rs` as the body of `fn main` (as rustdoc does) and
/// asserts that it fails with exactly one error, the one given.
fn assert_refused(name: &str, error: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snippet = std::fs::read_to_string(root.join(format!("src/refused/{name}.rs")))
        .expect("the snippet exists");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("refused_{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    let out = Command::new(rustc())
        .args([
            "--edition",
            "2024",
            "--emit",
            "metadata",
            "--crate-name",
            name,
        ])
        .arg("--out-dir")
        .arg(&dir)
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{name} compiled:\n{err}");
    assert!(err.contains(error), "{name}: expected {error}\n{err}");
    assert_eq!(
        err.matches("error[").count(),
        1,
        "{name}: one error, no other: {err}"
    );
}

/// The compiler of the toolchain running this test: `$RUSTC` if set, else the `rustc`
/// next to the `cargo` that runs the tests (cargo sets `$CARGO`), else `rustc` from
/// `PATH`.
fn rustc() -> PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = Path::new(&cargo).with_file_name(if cfg!(windows) {
            "rustc.exe"
        } else {
            "rustc"
        });
        if beside.is_file() {
            return beside;
        }
    }
    "rustc".into()
}
