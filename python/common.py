"""Shared plumbing for the benchmark twins: flags and the one-line report.

Every program here measures one Python idiom and prints exactly one line on stdout,

    <name> <value> <unit>

which the Rust harness (`just bench`) reads. Only the standard library is used.
"""
import argparse
import statistics


def parser(description):
    """An argument parser with the flag every twin shares."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeats", type=positive, default=1,
                   help="measure this many times and report the median (default 1)")
    return p


def positive(text):
    """An argparse type: an integer of at least 1."""
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return n


def report(name, samples, unit):
    """Prints the median of the samples as the program's one machine-readable line."""
    print(f"{name} {statistics.median(samples):.6g} {unit}", flush=True)
