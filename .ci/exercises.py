#!/usr/bin/env python3
"""The course's exercises: skeletons a reader edits, cut from tested solutions.

Each lesson keeps its exercises in crates/NN-name/exercises/:

  solutions/exN_slug.rs   the source of truth: a solution and its tests. Each region
                          between `// SOLUTION` and `// END SOLUTION` is the reader's work:
                          the skeleton has `todo!()` there (or, for `// SOLUTION: text`,
                          that text, e.g. a field the reader starts from).
  exN_slug.rs             the reader's file: the solution with each region replaced by
                          `todo!()` (same tests). Generated; a reader's edits are theirs.
  hints.toml              one hint per exercise: `N = "..."`.

Cargo.toml registers both files as test targets: the solution is run by `cargo test`, the
reader's file only when asked (`test = false`), by `just exercise LESSON N`.

  exercises.py list                  every exercise and its state
  exercises.py run LESSON N          build and test the reader's file
  exercises.py hint LESSON N         print the hint
  exercises.py reset LESSON N        write the skeleton again (the reader's edits are lost)
  exercises.py check [LESSON...]     CI: skeletons match their solutions, compile, and fail
  exercises.py sync [LESSON...]      developers: regenerate skeletons (after editing a solution)
"""
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(\s*)// SOLUTION(:.*)?$")
END = re.compile(r"^\s*// END SOLUTION\b.*$")
HEADER = ("// Exercise: replace each `todo!()` with your code, then run\n"
          "// `just exercise {lesson} {number}` (`just hint {lesson} {number}` for a hint).\n"
          "#![allow(unused_imports, unused_variables, unused_mut, dead_code)]\n")


class Exercise:
    def __init__(self, solution):
        self.solution = solution
        self.crate = solution.parent.parent.parent
        self.lesson = self.crate.name[3:]
        match = re.match(r"ex(\d+)_(.+)\.rs$", solution.name)
        self.number, self.slug = int(match.group(1)), match.group(2)
        self.target = f"ex{self.number}_{self.slug}"
        self.path = self.crate / "exercises" / solution.name

    def skeleton(self):
        out, inside = [], False
        for line in self.solution.read_text().splitlines():
            begin = BEGIN.match(line)
            if begin and not inside:
                inside = True
                # `// SOLUTION` becomes `todo!()`; `// SOLUTION: text` becomes `text`
                # (nothing at all when the text is empty), for places `todo!()` can't go.
                replacement = begin.group(2)
                if replacement is None:
                    out.append(f"{begin.group(1)}todo!()")
                elif replacement[1:].strip():
                    out.append(f"{begin.group(1)}{replacement[1:].strip()}")
            elif END.match(line) and inside:
                inside = False
            elif not inside:
                out.append(line)
        if inside:
            raise SystemExit(f"error: {self.solution}: `// SOLUTION` without `// END SOLUTION`")
        # A region removed whole leaves two blank lines where rustfmt wants one.
        text = re.sub(r"\n\n\n+", "\n\n", "\n".join(out))
        header = HEADER.format(lesson=self.lesson, number=self.number)
        return header + text + "\n"

    def hint(self):
        hints = self.crate / "exercises" / "hints.toml"
        table = tomllib.loads(hints.read_text()) if hints.is_file() else {}
        return table.get(str(self.number), "No hint for this one: reread the chapter's section.")

    def cargo_test(self, quiet=True):
        command = ["cargo", "test", "-p", self.lesson, "--test", self.target]
        if quiet:
            command.insert(2, "--quiet")
        return subprocess.run(command, cwd=ROOT, capture_output=quiet, text=True)


def all_exercises():
    found = [Exercise(p) for p in sorted(ROOT.glob("crates/[0-9][0-9]-*/exercises/solutions/ex*_*.rs"))]
    return sorted(found, key=lambda e: (e.crate.name, e.number))


def find(lesson, number):
    for exercise in all_exercises():
        if exercise.lesson == lesson and str(exercise.number) == str(number):
            return exercise
    names = ", ".join(f"{e.lesson} {e.number}" for e in all_exercises())
    print(f"error: there is no exercise '{lesson} {number}'; there are: {names}", file=sys.stderr)
    sys.exit(2)


def state(exercise):
    if not exercise.path.is_file():
        return "missing (just exercise-reset to create it)"
    if exercise.path.read_text() == exercise.skeleton():
        return "not started"
    return "passing" if exercise.cargo_test().returncode == 0 else "failing"


def cmd_list():
    for exercise in all_exercises():
        print(f"  {exercise.lesson:22} {exercise.number}  {exercise.slug:24} {state(exercise)}",
              flush=True)
    return 0


def cmd_run(lesson, number):
    exercise = find(lesson, number)
    print(f"exercise {number} of {lesson}: {exercise.path.relative_to(ROOT)}", flush=True)
    done = exercise.cargo_test(quiet=False)
    if done.returncode == 0:
        print(f"\nPassed: exercise {number} of {lesson} is solved. Compare with the solution "
              "in the chapter.")
        return 0
    print(f"\nNot yet: exercise {number} of {lesson} fails (see above). "
          f"`just hint {lesson} {number}` gives a hint.", file=sys.stderr)
    return 1


def cmd_hint(lesson, number):
    print(find(lesson, number).hint())
    return 0


def cmd_reset(lesson, number):
    exercise = find(lesson, number)
    exercise.path.write_text(exercise.skeleton())
    print(f"{exercise.path.relative_to(ROOT)}: back to the skeleton")
    return 0


def cmd_sync(*lessons):
    for exercise in all_exercises():
        if lessons and exercise.lesson not in lessons:
            continue
        if not exercise.path.is_file() or exercise.path.read_text() != exercise.skeleton():
            exercise.path.write_text(exercise.skeleton())
            print(f"wrote {exercise.path.relative_to(ROOT)}")
    return 0


def cmd_check(*lessons):
    problems = []
    exercises = [e for e in all_exercises() if not lessons or e.lesson in lessons]
    for exercise in exercises:
        before = len(problems)
        where = exercise.path.relative_to(ROOT)
        if not exercise.path.is_file() or exercise.path.read_text() != exercise.skeleton():
            problems.append(f"{where}: not the skeleton of {exercise.solution.name} "
                            "(run `python3 .ci/exercises.py sync`)")
            continue
        if "todo!()" not in exercise.skeleton():
            problems.append(f"{where}: the skeleton leaves nothing to do")
        if not exercise.hint() or "No hint" in exercise.hint():
            problems.append(f"{where}: no hint in hints.toml")
        manifest = (exercise.crate / "Cargo.toml").read_text()
        for name in (exercise.target, f"{exercise.target}_solution"):
            if f'name = "{name}"' not in manifest:
                problems.append(f"{exercise.crate.name}/Cargo.toml: no [[test]] named {name}")
        done = exercise.cargo_test()
        output = done.stdout + done.stderr
        if done.returncode == 0:
            problems.append(f"{where}: the untouched skeleton passes its tests")
        elif "error[E" in output or "could not compile" in output:
            problems.append(f"{where}: the skeleton does not compile:\n{output[-2000:]}")
        elif "test result: FAILED" not in output:
            problems.append(f"{where}: the skeleton failed, but not with a test failure:\n"
                            f"{output[-2000:]}")
        print(f"  {exercise.lesson} {exercise.number} ({exercise.slug}): "
              f"{'ok' if len(problems) == before else 'PROBLEM'}", flush=True)
    per_lesson = {}
    for exercise in exercises:
        per_lesson[exercise.lesson] = per_lesson.get(exercise.lesson, 0) + 1
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"exercises: {len(exercises)} checked ({per_lesson}), {len(problems)} problems")
    return 1 if problems or not exercises else 0


def main():
    args = sys.argv[1:]
    # name: (function, number of arguments; None: any number of lesson names)
    commands = {"list": (cmd_list, 0), "run": (cmd_run, 2), "hint": (cmd_hint, 2),
                "reset": (cmd_reset, 2), "check": (cmd_check, None),
                "sync": (cmd_sync, None)}
    if not args or args[0] not in commands or (
            commands[args[0]][1] is not None and len(args) - 1 != commands[args[0]][1]):
        print(__doc__, file=sys.stderr)
        return 2
    command, _ = commands[args[0]]
    return command(*args[1:])


if __name__ == "__main__":
    sys.exit(main())
