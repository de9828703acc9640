//! The chapter claims the compiler refuses a `thread::spawn` closure that borrows local
//! data (E0373), and a second `join` of the same handle (E0382). The compile_fail
//! doctests in lib.rs prove each snippet does not compile (stable rustdoc does not check
//! the code it names); these tests prove it fails for the reason the chapter gives, and
//! no other.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn a_spawned_closure_that_borrows_a_local_is_refused_with_e0373() {
    assert_refused(
        "refused_borrow",
        "error[E0373]: closure may outlive the current function, but it borrows \
         `inputs`, which is owned by the current function",
    );
}

#[test]
fn joining_a_thread_twice_is_refused_with_e0382() {
    assert_refused(
        "refused_join_twice",
        "error[E0382]: use of moved value: `handle`",
    );
}

/// Compiles `src/NAME.rs` as the body of `fn main` (as rustdoc does) and asserts that
/// it fails with exactly one error, the one given.
fn assert_refused(name: &str, error: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snippet = std::fs::read_to_string(root.join(format!("src/{name}.rs")))
        .expect("the snippet exists");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
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
