#!/usr/bin/env python3
"""Checks for the book that `mdbook build` does not make (it exits 0 on a missing include).

  check_book.py includes   every {{#include}} names an existing file and, if given, anchor
  check_book.py html       the built HTML has no leftover `{{#` and no broken internal link
  check_book.py sizes      lesson chapters (measured aside): the first included Rust file is a twin from examples/,
                           no included block is over 60 lines, the Rust shown outside
                           <details> and the Exercises section is at most 300 lines, and no shown line is over 88 columns
  check_book.py commands   every `$ ...` command line in the book's and the README's code
                           blocks runs and exits as the book says: 0, or N when the line ends
                           with the comment `# exits N` (`cargo test --workspace` is skipped:
                           CI has just run it)
"""
import html.parser
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "book" / "src"
OUT = ROOT / "book" / "book"
INCLUDE = re.compile(r"\{\{#(?:rustdoc_)?include\s+([^}\s]+)\s*\}\}")
COMMAND = re.compile(r"^\$ (.+?)\s*$")
ALREADY_RUN = {"cargo test --workspace"}
EXITS = re.compile(r"#\s*exits\s+(\d+)\s*$")


def check_includes():
    problems = []
    count = 0
    for md in sorted(SRC.rglob("*.md")):
        for lineno, line in enumerate(md.read_text().splitlines(), 1):
            for ref in INCLUDE.findall(line):
                count += 1
                path, _, anchor = ref.partition(":")
                target = (md.parent / path).resolve()
                where = f"{md.relative_to(ROOT)}:{lineno}"
                if not target.is_file():
                    problems.append(f"{where}: includes {path}, which does not exist")
                    continue
                if not anchor or re.fullmatch(r"[0-9]*(:[0-9]*)?", anchor):
                    continue
                text = target.read_text()
                start = re.search(rf"ANCHOR:\s*{re.escape(anchor)}\b", text)
                end = re.search(rf"ANCHOR_END:\s*{re.escape(anchor)}\b", text)
                if not start or not end:
                    problems.append(f"{where}: anchor '{anchor}' is not defined in {path}")
                elif end.start() <= start.end() or not text[start.end():end.start()].strip(" \n/"):
                    problems.append(f"{where}: anchor '{anchor}' in {path} is empty")
    if count == 0:
        problems.append("the book includes no code at all")
    return problems, f"{count} includes"


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def check_html():
    problems = []
    pages = {}
    for page in OUT.rglob("*.html"):
        parser = Links()
        text = page.read_text(errors="replace")
        parser.feed(text)
        pages[page.resolve()] = parser
        if "{{#" in text:
            problems.append(f"{page.relative_to(ROOT)}: leftover '{{{{#' (an include that failed)")
    if not pages:
        return ["no HTML found: was the book built?"], ""
    links = 0
    for page, parser in pages.items():
        for href in parser.hrefs:
            if re.match(r"^[a-z]+:", href) or href.startswith("//"):
                continue  # external
            links += 1
            path, _, fragment = href.partition("#")
            target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{page.relative_to(ROOT)}: broken link {href}")
            elif fragment and target in pages and fragment not in pages[target].ids:
                problems.append(f"{page.relative_to(ROOT)}: link {href} names a missing anchor")
    return problems, f"{len(pages)} pages, {links} internal links"


def book_commands():
    sources = sorted(SRC.rglob("*.md")) + [ROOT / "README.md"]
    for md in sources:
        in_code = False
        for lineno, line in enumerate(md.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
                continue
            match = COMMAND.match(line.strip()) if in_code else None
            if match and match.group(1) not in ALREADY_RUN:
                yield f"{md.relative_to(ROOT)}:{lineno}", match.group(1)


def check_commands():
    problems = []
    ran = 0
    for where, command in book_commands():
        expected = int(EXITS.search(command).group(1)) if EXITS.search(command) else 0
        print(f"  {where}: {command}", flush=True)
        try:
            done = subprocess.run(["bash", "-c", command], cwd=ROOT, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            problems.append(f"{where}: `{command}` ran over 900 s")
            continue
        ran += 1
        if done.returncode != expected:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            problems.append(f"{where}: `{command}` exited {done.returncode}, "
                            f"the book says {expected}\n{tail}")
    if ran == 0:
        problems.append("the book shows no command to run")
    return problems, f"{ran} commands"


MAX_BLOCK, MAX_CHAPTER, MAX_COLUMNS = 60, 300, 88


def included_lines(md, ref):
    """The lines an include shows, as mdBook would (anchor lines dropped)."""
    path, _, anchor = ref.partition(":")
    lines = (md.parent / path).resolve().read_text().splitlines()
    if anchor and not re.fullmatch(r"[0-9]*(:[0-9]*)?", anchor):
        inside, shown = False, []
        for line in lines:
            if re.search(rf"ANCHOR_END:\s*{re.escape(anchor)}\b", line):
                inside = False
            elif re.search(rf"ANCHOR:\s*{re.escape(anchor)}\b", line):
                inside = True
            elif inside:
                shown.append(line)
        lines = shown
    elif anchor:
        first, _, last = anchor.partition(":")
        lines = lines[int(first or 1) - 1:int(last) if last else None]
    return [line for line in lines if "ANCHOR" not in line]


def check_sizes():
    problems, report = [], []
    # Every lesson chapter but the measured one, which has no twin of its own.
    for md in sorted(SRC.glob("[0-9][0-9]-*.md")):
        if md.stem.endswith("-measured"):
            continue
        text = md.read_text().splitlines()
        in_details, fence, first_rust, main_rust = False, None, None, 0
        in_exercises = False
        for lineno, line in enumerate(text, 1):
            where = f"{md.relative_to(ROOT)}:{lineno}"
            # The exercises (skeletons to edit, solutions to compare) are the reader's
            # work, not the chapter's main text: they do not count towards its size.
            if line.startswith("## "):
                in_exercises = line.strip() == "## Exercises"
            if "<details" in line:
                in_details = True
            if "</details>" in line:
                in_details = False
            stripped = line.strip()
            if stripped.startswith("```"):
                fence = None if fence is not None else stripped[3:].split(",")[0]
                continue
            rust = fence in ("rust", "")
            for ref in INCLUDE.findall(line):
                path = ref.partition(":")[0]
                if not path.endswith(".rs"):
                    continue
                if not (md.parent / path).resolve().is_file():
                    problems.append(f"{where}: includes {path}, which does not exist")
                    continue
                shown = included_lines(md, ref)
                if first_rust is None:
                    first_rust = path
                if len(shown) > MAX_BLOCK:
                    problems.append(f"{where}: includes {len(shown)} lines of {ref}")
                wide = [l for l in shown if len(l) > MAX_COLUMNS]
                if wide:
                    problems.append(f"{where}: {len(wide)} lines over {MAX_COLUMNS} columns "
                                    f"in {ref}")
                if not in_details and not in_exercises:
                    main_rust += len(shown)
            else:
                if fence == "rust" and not (in_details or in_exercises) and "{{#" not in line:
                    main_rust += 1
        name = md.relative_to(ROOT)
        if first_rust is None or "/examples/" not in first_rust:
            problems.append(f"{name}: the first Rust included is {first_rust}, not a twin")
        if main_rust > MAX_CHAPTER:
            problems.append(f"{name}: {main_rust} lines of Rust in the main text")
        report.append(f"{md.stem} {main_rust}")
    return problems, "Rust lines in main text: " + ", ".join(report)


def main():
    checks = {"includes": check_includes, "html": check_html, "commands": check_commands,
              "sizes": check_sizes}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    problems, summary = checks[sys.argv[1]]()
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"book {sys.argv[1]}: {summary}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
