#!/usr/bin/env python3
"""Writes the outputs the book shows from real runs, and checks them in CI.

book/outputs/NN-name.toml (one file per chapter) lists one transcript per entry:

  ["01-futures-pool/twin"]                 -> book/src/outputs/01-futures-pool/twin.txt
  run = ["cargo run -q -p futures-pool --example futures_submit"]
  stderr = "merged"    # "merged" (default): stdout and stderr as a terminal interleaves
                       # them; "drop": stdout only
  compare = true       # false: the figures differ run to run (timings); CI runs the
                       # commands and checks their exit status, but not the text
  sort = false         # true: the lines of each output are sorted (concurrent lines
                       # whose order varies; the chapter says so)
  normalize = [["pid \\d+", "pid <pid>"]]   # regex, replacement: parts that vary
  varies = ["^tasks done:"]   # lines whose presence or text varies run to run (progress
                              # sampled on a timer): shown, but left out of the comparison

Each command runs from the repository root under bash, with an empty stdin and
RUST_BACKTRACE=0; a command ending in `# exits N` must exit N, every other 0. The
transcript is each `$ command` followed by what it printed; a line rewritten with `\\r`
shows as a terminal would leave it. Chapters include transcripts inside ```console blocks.

  book_outputs.py            run every entry; rewrite a transcript only if its compared
                             lines changed (figures with compare = false: only if named)
  book_outputs.py NAME...    the same for these (e.g. 01-futures-pool/twin)
  book_outputs.py --check    CI: every transcript is what the code prints now
"""
import difflib
import os
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "book" / "outputs"
OUT = ROOT / "book" / "src" / "outputs"
EXITS = re.compile(r"#\s*exits\s+(\d+)\s*$")


def terminal_view(text):
    """What a terminal shows: each `\\r` returns to the line's start (and our progress
    lines clear the rest with ESC[K); trailing blanks dropped."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    lines = []
    for line in text.split("\n"):
        lines.append(line.split("\r")[-1].rstrip() if "\r" in line else line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def transcript(name, entry):
    """Runs the entry's commands; returns (text, problems)."""
    problems, out = [], []
    env = {**os.environ, "RUST_BACKTRACE": "0", "CARGO_TERM_COLOR": "never",
           "NO_COLOR": "1"}
    for command in entry["run"]:
        expected = int(EXITS.search(command).group(1)) if EXITS.search(command) else 0
        stderr = subprocess.DEVNULL if entry.get("stderr") == "drop" else subprocess.STDOUT
        try:
            done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=stderr, timeout=600)
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: `{command}` ran over 600 s")
            continue
        text = done.stdout.decode("utf-8", errors="replace").replace(str(ROOT) + "/", "")
        # The compiler names std's sources by the toolchain's commit, and crates by where
        # cargo keeps them: neither is ours to pin.
        text = re.sub(r"/rustc/[0-9a-f]{40}/", "/rustc/<commit>/", text)
        text = re.sub(r"\S*/\.cargo/registry/src/index\.crates\.io-[0-9a-f]+/",
                      "~/.cargo/registry/src/index.crates.io-<hash>/", text)
        lines = terminal_view(text)
        for pattern, replacement in entry.get("normalize", []):
            lines = [re.sub(pattern, replacement, line) for line in lines]
        if entry.get("sort"):
            lines.sort()
        if done.returncode != expected:
            problems.append(f"{name}: `{command}` exited {done.returncode}, expected "
                            f"{expected}:\n" + "\n".join(lines[-15:]))
        out.append(f"$ {command}")
        out.extend(lines)
    return "\n".join(out) + "\n", problems


def main():
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    wanted = [a for a in args if not a.startswith("--")]
    entries = {}
    for manifest in sorted(MANIFESTS.glob("*.toml")):
        entries.update(tomllib.loads(manifest.read_text()))
    unknown = [w for w in wanted if w not in entries]
    if unknown:
        print(f"error: not in book/outputs/*.toml: {', '.join(unknown)}", file=sys.stderr)
        return 2
    problems, written = [], 0
    for name, entry in entries.items():
        if wanted and name not in wanted:
            continue
        path = OUT / f"{name}.txt"
        print(f"  {name}", flush=True)
        text, found = transcript(name, entry)
        problems += found
        def stable(t, entry=entry):
            return [line for line in t.splitlines()
                    if not any(re.search(v, line) for v in entry.get("varies", []))]
        if check:
            old = path.read_text() if path.is_file() else ""
            if entry.get("compare", True) and stable(old) != stable(text):
                diff = "".join(difflib.unified_diff(old.splitlines(True),
                                                    text.splitlines(True),
                                                    f"committed {name}", f"now {name}"))
                problems.append(f"{path.relative_to(ROOT)} differs from a run now "
                                f"(run `just book-outputs {name}`):\n{diff}")
            if not path.is_file():
                problems.append(f"{path.relative_to(ROOT)} is missing")
        else:
            # A transcript whose compared lines are unchanged is left as it is, so that
            # writing them all again leaves `git status` clean when the code did not
            # change; figures that are not compared are rewritten only when named.
            old = path.read_text() if path.is_file() else None
            keep = old is not None and (
                (entry.get("compare", True) and stable(old) == stable(text))
                or (not entry.get("compare", True) and not wanted))
            if not keep:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                written += 1
    # Every transcript file must belong to an entry, and every entry be shown somewhere.
    if not wanted:
        for path in sorted(OUT.rglob("*.txt")):
            name = str(path.relative_to(OUT))[:-4]
            if name not in entries:
                problems.append(f"{path.relative_to(ROOT)}: no entry in book/outputs/*.toml")
        chapters = "".join(p.read_text() for p in (ROOT / "book" / "src").glob("*.md"))
        for name in entries:
            if f"outputs/{name}.txt" not in chapters:
                problems.append(f"book/outputs: {name} is not included by any chapter")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    total = len(entries) if not wanted else len(wanted)
    if check:
        print(f"book outputs: {total} checked, {len(problems)} problems")
    else:
        print(f"book outputs: {total} run, {written} rewritten (the others unchanged), "
              f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
