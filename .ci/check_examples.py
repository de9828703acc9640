#!/usr/bin/env python3
"""Checks the Rust twins in crates/*/examples/ are what the book promises a reader.

  check_examples.py [NAME...]   every twin (or those named: file stem or LESSON/STEM)

For each twin:
  - at most 40 lines of code (blank lines and comment lines aside);
  - no `support`, `clap` or other lesson in it: only std and the lesson's crates.io
    dependencies;
  - copied as src/main.rs into a fresh crate whose [dependencies] are its lesson's crates.io
    dependencies (clap aside), with the workspace's Cargo.lock, it builds offline;
  - run there, it exits 0 within 20 s and its last stdout line starts with `Result:`;
  - its Python twin python/examples/STEM.py exists, exits 0 within 20 s, and ends with a
    `Result:` line too.
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib
import os

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "twins"
MAX_CODE = 40
NOT_FOR_TWINS = {"support", "clap"}


def code_lines(text):
    count = 0
    in_block = False
    for line in text.splitlines():
        s = line.strip()
        if in_block:
            in_block = "*/" not in s
            continue
        if s.startswith("/*"):
            in_block = "*/" not in s
            continue
        if s and not s.startswith("//"):
            count += 1
    return count


def dependency_lines(lesson_toml, workspace):
    """The lesson's crates.io dependencies, written out in full for a standalone crate."""
    deps = tomllib.loads(lesson_toml.read_text()).get("dependencies", {})
    shared = workspace["workspace"]["dependencies"]
    lines = []
    for name, spec in sorted(deps.items()):
        if name in NOT_FOR_TWINS:
            continue
        if isinstance(spec, dict) and spec.get("workspace"):
            spec = shared[name]
        if isinstance(spec, dict) and "path" in spec:
            continue
        if isinstance(spec, str):
            spec = {"version": spec}
        fields = []
        for key, value in spec.items():
            if isinstance(value, bool):
                fields.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, list):
                fields.append(f"{key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in value)}]")
            else:
                fields.append(f'{key} = "{value}"')
        lines.append(f"{name} = {{ {', '.join(fields)} }}")
    return lines


def check(twin, workspace):
    problems = []
    lesson = twin.parent.parent
    text = twin.read_text()
    where = twin.relative_to(ROOT)
    n = code_lines(text)
    if n > MAX_CODE:
        problems.append(f"{where}: {n} lines of code, more than {MAX_CODE}")
    lessons = {c.name[3:].replace("-", "_") for c in ROOT.glob("crates/[0-9][0-9]-*")}
    for crate in NOT_FOR_TWINS | lessons:
        if re.search(rf"\b{crate}::", text):
            problems.append(f"{where}: uses `{crate}`, which a reader's fresh crate lacks")
    name = f"twin-{lesson.name[3:]}-{twin.stem}".replace("_", "-")
    crate = WORK / name
    if crate.exists():
        shutil.rmtree(crate)
    (crate / "src").mkdir(parents=True)
    deps = "\n".join(dependency_lines(lesson / "Cargo.toml", workspace))
    (crate / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2024"\n\n'
        f"[dependencies]\n{deps}\n\n[workspace]\n")
    shutil.copy(ROOT / "Cargo.lock", crate / "Cargo.lock")
    shutil.copy(twin, crate / "src" / "main.rs")
    env_target = {"CARGO_TARGET_DIR": str(WORK / "target")}
    env = {**os.environ, **env_target}
    build = subprocess.run(["cargo", "build", "--offline", "--quiet"], cwd=crate, env=env,
                           capture_output=True, text=True)
    if build.returncode != 0:
        problems.append(f"{where}: does not build alone:\n{build.stderr[-3000:]}")
        return problems, n
    binary = WORK / "target" / "debug" / name
    try:
        run = subprocess.run([str(binary)], cwd=crate, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        problems.append(f"{where}: still running after 20 s")
        return problems, n
    last = (run.stdout.splitlines() or [""])[-1]
    if run.returncode != 0:
        problems.append(f"{where}: exited {run.returncode}:\n{run.stderr[-2000:]}")
    elif not last.startswith("Result:"):
        problems.append(f"{where}: last stdout line is {last!r}, not `Result: ...`")
    python = ROOT / "python" / "examples" / f"{twin.stem}.py"
    if not python.is_file():
        problems.append(f"{where}: no Python twin {python.relative_to(ROOT)}")
        return problems, n
    try:
        run = subprocess.run([sys.executable, str(python)], cwd=ROOT, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        problems.append(f"{python.relative_to(ROOT)}: still running after 20 s")
        return problems, n
    last = (run.stdout.splitlines() or [""])[-1]
    if run.returncode != 0 or not last.startswith("Result:"):
        problems.append(f"{python.relative_to(ROOT)}: exited {run.returncode}, last line "
                        f"{last!r}:\n{run.stderr[-2000:]}")
    return problems, n


def main():
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())
    twins = sorted(ROOT.glob("crates/[0-9][0-9]-*/examples/*.rs"))
    wanted = sys.argv[1:]
    if wanted:
        twins = [t for t in twins
                 if t.stem in wanted or f"{t.parent.parent.name[3:]}/{t.stem}" in wanted]
    problems = []
    for twin in twins:
        found, n = check(twin, workspace)
        status = "ok" if not found else "FAILED"
        print(f"  {twin.relative_to(ROOT)}: {n} lines of code, {status}", flush=True)
        problems += found
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"twins: {len(twins)} checked, {len(problems)} problems")
    if not twins:
        print("error: no twin found", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
