#!/usr/bin/env python3
"""Builds a code snippet the book says the compiler refuses, as a reader would: as the
`src/main.rs` of a fresh project that depends on the lesson, and prints what cargo says.

  compile_snippet.py LESSON FILE     e.g. progress-sharing crates/03-progress-sharing/src/refused/plain_f32.rs

A snippet without `fn main` is wrapped in one, as rustdoc does for a doctest. Lines
marked with `// ANCHOR` are dropped. Exits with cargo's status: 101 when the build fails,
which is what the book's transcripts expect of a refused snippet (`# exits 101`).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "snippets"


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    lesson, file = sys.argv[1], ROOT / sys.argv[2]
    crates = [c for c in ROOT.glob("crates/[0-9][0-9]-*") if c.name[3:] == lesson]
    if not crates or not file.is_file():
        print(f"error: no lesson '{lesson}' or no file {sys.argv[2]}", file=sys.stderr)
        return 2
    crate = crates[0]
    snippet = "\n".join(line for line in file.read_text().splitlines()
                        if "ANCHOR" not in line and not line.startswith("//!"))
    if not re.search(r"^\s*fn main\b", snippet, re.M):
        snippet = "fn main() {\n" + snippet + "\n}"
    name = f"snippet-{lesson}-{file.stem}".replace("_", "-")
    project = WORK / name
    shutil.rmtree(project, ignore_errors=True)
    (project / "src").mkdir(parents=True)
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]
    deps = tomllib.loads((crate / "Cargo.toml").read_text()).get("dependencies", {})
    lines = [f'{lesson} = {{ path = "{crate}" }}']
    for dep, spec in sorted(deps.items()):
        if dep in ("support", "clap") or (isinstance(spec, dict) and "path" in spec):
            continue
        if isinstance(spec, dict) and spec.get("workspace"):
            spec = workspace["dependencies"][dep]
        version = spec if isinstance(spec, str) else spec["version"]
        features = [] if isinstance(spec, str) else spec.get("features", [])
        feature_list = ", ".join(f'"{f}"' for f in features)
        defaults = "" if isinstance(spec, str) or spec.get("default-features", True) \
            else "default-features = false, "
        lines.append(f'{dep} = {{ version = "{version}", {defaults}'
                     f'features = [{feature_list}] }}')
    (project / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2024"\n\n'
        "[dependencies]\n" + "\n".join(lines) + "\n\n[workspace]\n")
    shutil.copy(ROOT / "Cargo.lock", project / "Cargo.lock")
    (project / "src" / "main.rs").write_text(snippet + "\n")
    # Unused-variable warnings would only bury the error the snippet is about.
    env = {**os.environ, "CARGO_TARGET_DIR": str(WORK / "target"),
           "CARGO_TERM_COLOR": "never", "RUSTFLAGS": "-A unused"}
    # Build the lesson first, quietly, so that what is printed is the snippet's errors.
    subprocess.run(["cargo", "build", "--offline", "--quiet", "-p", lesson, "--lib"],
                   cwd=project, env=env, capture_output=True)
    done = subprocess.run(["cargo", "build", "--offline", "--quiet"], cwd=project,
                          env=env, capture_output=True, text=True)
    print(done.stderr.replace(str(project) + "/", ""), end="")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
