//! The chapter claims that the compiler refuses two programs, and quotes the errors.
//! The `compile_fail` doctests in `src/lib.rs` prove that each snippet does not compile;
//! stable rustdoc does not check why, so these tests compile each one with `rustc` (and
//! the rayon this workspace builds) and check the error: CI notices if a claim stops
//! being true, or stays true for another reason.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn a_par_iter_job_adding_to_a_captured_total_is_refused_with_e0594() {
    assert_refused(
        "refused_total",
        "error[E0594]: cannot assign to `total`, as it is a captured variable in a `Fn` \
         closure",
    );
}

#[test]
fn rayon_spawn_borrowing_a_local_is_refused_with_e0597() {
    assert_refused(
        "refused_spawn",
        "error[E0597]: `sums` does not live long enough",
    );
}

/// Compiles `src/NAME.rs` as the body of `fn main` (as rustdoc does), with rayon, and
/// asserts that it fails with exactly one error, the one given.
fn assert_refused(name: &str, error: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snippet = std::fs::read_to_string(root.join(format!("src/{name}.rs")))
        .expect("the snippet exists");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("main.rs");
    std::fs::write(&source, format!("fn main() {{\n{snippet}}}\n")).unwrap();
    let (deps, rayon) = rayon_rlib();
    let out = Command::new(rustc())
        .args([
            "--edition",
            "2024",
            "--emit",
            "metadata",
            "--crate-name",
            name,
        ])
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("rayon={}", rayon.display()))
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

/// The folder of this test's dependencies and, in it, the newest rayon library that
/// cargo built for this workspace (a test binary lives in that same `deps` folder).
fn rayon_rlib() -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("the deps folder").to_path_buf();
    let rayon = std::fs::read_dir(&deps)
        .expect("the deps folder can be read")
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.starts_with("librayon-") && name.ends_with(".rlib")
        })
        .max_by_key(|entry| entry.metadata().and_then(|m| m.modified()).ok())
        .expect("cargo built rayon for this test")
        .path();
    (deps, rayon)
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
