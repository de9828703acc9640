//! The chapter claims the compiler refuses a slot used after its segment is dropped,
//! with E0505. The `compile_fail` doctest in lib.rs proves the snippet does not compile
//! (stable rustdoc does not check the error code); this test proves it fails for the
//! reason the chapter gives, by compiling it against this crate as rustdoc would.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn a_slot_used_after_its_segment_is_dropped_is_refused_with_e0505() {
    let snippet = include_str!("../src/refused_slot.rs");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("refused_slot");
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
        .args([
            "--edition",
            "2024",
            "--emit",
            "metadata",
            "--crate-name",
            "refused",
        ])
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("shared_value={}", newest_lib(&deps).display()))
        .arg("--out-dir")
        .arg(&dir)
        .arg(&source)
        .output()
        .expect("rustc runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it compiled:\n{err}");
    assert!(
        err.contains("error[E0505]: cannot move out of `slots` because it is borrowed"),
        "{err}"
    );
    assert_eq!(
        err.matches("error[").count(),
        1,
        "one error, no other: {err}"
    );
}

/// The most recently built `libshared_value-*.rlib` in `deps`: the one cargo built for
/// this test run (older builds of other versions may lie beside it).
fn newest_lib(deps: &Path) -> PathBuf {
    std::fs::read_dir(deps)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("libshared_value-") && name.ends_with(".rlib")
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
