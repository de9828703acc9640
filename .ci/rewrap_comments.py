#!/usr/bin/env python3
"""Rewraps Rust comments that run past 88 columns (rustfmt's max_width here; stable rustfmt
cannot wrap comments). Only a paragraph with an over-long line is refilled; code blocks in
doc comments, tables and headings are left alone; list items keep their hanging indent.

  rewrap_comments.py FILE...      rewrite in place
  rewrap_comments.py --check FILE...   list over-long comment lines, exit 1 if any
"""
import re
import sys

WIDTH = 88
COMMENT = re.compile(r"^(\s*)(///|//!|//)( ?)(.*)$")
ITEM = re.compile(r"^([-*] |\d+\. )")


def paragraphs(lines):
    """Yields (start, end) of refillable runs of comment lines with the same prefix."""
    i, n = 0, len(lines)
    in_fence = False
    while i < n:
        m = COMMENT.match(lines[i])
        if not m:
            i += 1
            continue
        indent, marker, _, text = m.groups()
        if text.strip().startswith("```"):
            in_fence = not in_fence
            i += 1
            continue
        if in_fence or not text.strip() or text.startswith(("|", "#", "    ")) \
                or "ANCHOR" in text:
            i += 1
            continue
        start = i
        i += 1
        hanging = ITEM.match(text)
        while i < n:
            m2 = COMMENT.match(lines[i])
            if not m2 or m2.group(1) != indent or m2.group(2) != marker:
                break
            t = m2.group(4)
            if not t.strip() or t.strip().startswith("```") or t.startswith(("|", "#")) \
                    or ITEM.match(t) or "ANCHOR" in t:
                break
            if hanging and not t.startswith(" " * len(hanging.group(1))):
                break
            if not hanging and t.startswith(" "):
                break
            i += 1
        yield start, i


def refill(lines, start, end):
    m = COMMENT.match(lines[start])
    indent, marker = m.group(1), m.group(2)
    first_text = m.group(4)
    hanging = ITEM.match(first_text)
    lead = f"{indent}{marker} "
    words = " ".join(COMMENT.match(l).group(4).strip() for l in lines[start:end]).split()
    out, current = [], lead
    cont = lead + (" " * len(hanging.group(1)) if hanging else "")
    for word in words:
        candidate = current + word if current.endswith(" ") and current.strip() in (
            marker,) else (current + " " + word if current != lead and current != cont
                           else current + word)
        if len(candidate) > WIDTH and current not in (lead, cont):
            out.append(current)
            current = cont + word
        else:
            current = candidate
    out.append(current)
    return out


def process(path, check):
    lines = open(path).read().split("\n")
    too_long = [i for i, l in enumerate(lines) if len(l) > WIDTH and COMMENT.match(l)]
    if check:
        for i in too_long:
            print(f"{path}:{i + 1}: {len(lines[i])} columns")
        return bool(too_long)
    changed = False
    result, last = [], 0
    for start, end in paragraphs(lines):
        if any(len(l) > WIDTH for l in lines[start:end]):
            result += lines[last:start] + refill(lines, start, end)
            last = end
            changed = True
    result += lines[last:]
    if changed:
        open(path, "w").write("\n".join(result))
    return False


def main():
    args = sys.argv[1:]
    check = bool(args) and args[0] == "--check"
    files = args[1:] if check else args
    bad = [process(f, check) for f in files]
    return 1 if any(bad) else 0


if __name__ == "__main__":
    sys.exit(main())
