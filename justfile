# Threads and Processes in Rust. `just` alone lists the recipes and the lessons.

set positional-arguments

# List the recipes and the lessons
default:
    @just --list --unsorted
    @echo
    @echo "Lessons, in reading order (just run LESSON [ARGS...]):"
    @just lessons

# Print the lessons' names, in reading order
lessons:
    @for dir in crates/[0-9][0-9]-*/; do dir="${dir%/}"; dir="${dir#crates/}"; echo "  ${dir#*-}"; done

# Run a lesson, e.g. `just run futures-pool --steps 5` (`--help` lists its flags)
run lesson *args:
    #!/usr/bin/env bash
    set -euo pipefail
    lesson="$1"; shift
    if ! compgen -G "crates/[0-9][0-9]-$lesson" >/dev/null || [ -z "$lesson" ]; then
        echo "error: there is no lesson named '$lesson'; the lessons are:" >&2
        just lessons >&2
        exit 2
    fi
    # The benchmark lesson measures speed, so it is built optimised; the others build fast.
    profile=()
    if [ "$lesson" = measured ]; then
        profile=(--release)
        echo "building measured, optimised (the first time takes a minute or two)..." >&2
    fi
    exec cargo run --quiet "${profile[@]}" -p "$lesson" -- "$@"

# List the Rust twins of the tutorial's examples (`just example NAME` runs one)
examples:
    #!/usr/bin/env bash
    set -euo pipefail
    for twin in crates/[0-9][0-9]-*/examples/*.rs; do
        lesson="${twin#crates/}"; lesson="${lesson%%/*}"
        name="$(basename "$twin" .rs)"
        printf '  %-24s %s\n' "$name" "(lesson ${lesson#*-})"
    done

# Run one twin, e.g. `just example futures_submit`
example name *args:
    #!/usr/bin/env bash
    set -euo pipefail
    name="$1"; shift
    twins=(crates/[0-9][0-9]-*/examples/"$name".rs)
    if [ -z "$name" ] || [ ! -f "${twins[0]}" ]; then
        echo "error: there is no twin named '$name'; the twins are:" >&2
        just examples >&2
        exit 2
    fi
    lesson="${twins[0]#crates/[0-9][0-9]-}"; lesson="${lesson%%/*}"
    exec cargo run --quiet -p "$lesson" --example "$name" -- "$@"

# Run a twin's Python program, then the Rust twin, e.g. `just compare futures_submit`
compare name:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -f "python/examples/$1.py" ]; then
        echo "error: there is no Python twin python/examples/$1.py; the twins are:" >&2
        just examples >&2
        exit 2
    fi
    echo "== Python: python3 python/examples/$1.py"
    python3 "python/examples/$1.py"
    echo
    echo "== Rust: just example $1"
    just example "$1"

# List the exercises of every chapter and their state (not started, failing, passing)
exercises:
    @python3 .ci/exercises.py list

# Check your solution of an exercise, e.g. `just exercise futures-pool 1`
exercise lesson number:
    @python3 .ci/exercises.py run "$1" "$2"

# Print the hint of an exercise, e.g. `just hint futures-pool 1`
hint lesson number:
    @python3 .ci/exercises.py hint "$1" "$2"

# Put an exercise's skeleton back (your edits to that file are lost)
exercise-reset lesson number:
    @python3 .ci/exercises.py reset "$1" "$2"

# Run the whole test suite
test *args:
    cargo test --workspace "$@"

# Measure the lessons against Python (`just bench --quick` takes about a minute)
bench *args:
    @echo "building measured, optimised (the first time takes a minute or two)..." >&2
    cargo run --quiet --release -p measured -- "$@"

# Write the outputs the book shows from real runs (book/outputs/*.toml), e.g.
# `just book-outputs` or `just book-outputs 01-futures-pool/twin`
book-outputs *names:
    python3 .ci/book_outputs.py "$@"

# Build a snippet the book says the compiler refuses, in a fresh project that depends on
# the lesson, and show the errors, e.g.
# `just compile-snippet futures-pool crates/01-futures-pool/src/refused_send.rs`
compile-snippet lesson file:
    #!/usr/bin/env bash
    exec python3 .ci/compile_snippet.py "$1" "$2"

# Build the book into book/book and check its includes and links
book:
    python3 .ci/check_book.py includes
    mdbook build book
    python3 .ci/check_book.py html

# Serve the book at http://localhost:3000, rebuilding when a chapter or lesson changes
serve:
    mdbook serve book

# Everything CI checks: format, clippy, tests, the book and the commands it shows
check:
    bash .ci/run
