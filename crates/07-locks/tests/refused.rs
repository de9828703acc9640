//! The chapter claims the compiler refuses three snippets, and names each error. The
//! `compile_fail` doctests in lib.rs prove they do not compile (stable rustdoc does not
//! check the error code); this test proves each fails for the reason the chapter gives,
//! by compiling it against this crate as rustdoc would.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles `snippet` wrapped in `fn main`, as a doctest is, and returns the errors.
fn refused(name: &str, snippet: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("locks_{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    // This test's own directory holds the library and its dependencies, built by cargo.
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned();
    let out = Command::new(rustc())
        .args(["--edition", "2024", "--emit", "metadata"])
        .args(["--crate-name", name, "--out-dir"])
        .arg(&dir)
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("locks={}", newest_lib(&deps).display()))
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "it compiled:\n{err}");
    assert_eq!(err.matches("error[").count(), 1, "one error only: {err}");
    err
}

#[test]
fn a_reference_kept_past_the_unlock_is_refused_with_e0505() {
    let err = refused("refused_guard", include_str!("../src/refused_guard.rs"));
    assert!(
        err.contains("error[E0505]: cannot move out of `guard` because it is borrowed"),
        "{err}"
    );
}

#[test]
fn two_threads_writing_a_plain_counter_are_refused_with_e0499() {
    let err = refused("refused_counter", include_str!("../src/refused_counter.rs"));
    assert!(
        err.contains(
            "error[E0499]: cannot borrow `count` as mutable more than once at a time"
        ),
        "{err}"
    );
}

#[test]
fn a_file_lock_shared_by_threads_is_refused_with_e0277() {
    let err = refused(
        "refused_file_lock",
        include_str!("../src/refused_file_lock.rs"),
    );
    assert!(
        err.contains(
            "error[E0277]: `Cell<()>` cannot be shared between threads safely"
        ),
        "{err}"
    );
}

/// The most recently built `liblocks-*.rlib` in `deps`: the one cargo built for this
/// test run (older builds of other versions may lie beside it).
fn newest_lib(deps: &Path) -> PathBuf {
    std::fs::read_dir(deps)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("liblocks-") && name.ends_with(".rlib")
        })
        .max_by_key(|path| path.metadata().and_then(|m| m.modified()).ok())
        .expect("cargo built the library's rlib beside this test")
}

/// The compiler that built the library: `$RUSTC` if set, else the `rustc` next to the
/// `cargo` that runs the tests (cargo sets `$CARGO`), else `rustc` from `PATH`.
fn rustc() -> PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = Path::new(&cargo).with_file_name("rustc");
        if beside.is_file() {
            return beside;
        }
    }
    "rustc".into()
}
