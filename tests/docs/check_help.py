#!/usr/bin/env python3
"""Checks that the README and the command line's help texts say the same things.

Usage: check_help.py BLOBFLOW README

Fails (exit 1, one line per disagreement) when
  - the README's command block (the first ``` block under "## The command line") differs from the command lines of
    `blobflow --help` (between "usage:" and "exit codes", indentation removed);
  - an option of `blobflow COMMAND --help` (a --word or -x token) is missing from that command's lines of the
    top-level usage or from the README;
  - a configuration key of `blobflow run --help` is missing from the README's key table, or a quoted value ("auto",
    "gaussian", ...) or a constant (a number with a decimal point or an exponent) of its help text is missing from
    the README's row of that key.
Python 3 standard library only.
"""
import re
import subprocess
import sys

COMMANDS = ["run", "study", "report", "export", "distance", "show", "list"]
OPTION_RE = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])")
# Options every command has (--help) or that only the sub-help explains in full.
COMMON_OPTIONS = {"-h", "--help"}
# Long spellings of short options: the short one stands for both in the usage lines.
ALIASES = {"--output": "-o", "--quiet": "-q", "--threads": "-j"}
# The constants a help text states (1e-3, 0.5): numbers with a decimal point or an exponent; not section numbers
# (§4.7) nor the small integers of formulas.
NUMBER_RE = re.compile(r"(?<![\w.^§-])(\d+\.\d+(?:e-?\d+)?|\d+e-?\d+)(?![\w.])")
QUOTED_RE = re.compile(r'"([^"\s]+)"')


def output(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, check=True).stdout


def usage_lines(text):
    lines = text.split("usage:\n", 1)[1].split("\nexit codes", 1)[0].strip("\n").split("\n")
    return [line[2:] if line.startswith("  ") else line for line in lines]


def readme_block(readme):
    section = readme.split("## The command line", 1)[1]
    return section.split("```\n", 2)[1].rstrip("\n").split("\n")


def key_rows(readme):
    rows = {}
    for line in readme.split("### Configuration keys", 1)[1].split("\n### ", 1)[0].split("\n"):
        m = re.match(r"\| `([a-z_]+\.[a-z_0-9]+)` \| `(.*?)` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = m.group(3)
    return rows


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, readme = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
    problems = []
    top = output(binary, "--help")
    lines = usage_lines(top)
    if readme_block(readme) != lines:
        problems.append("the README's command block differs from `blobflow --help`:\n    " +
                        "\n    ".join(readme_block(readme)) + "\n  --help:\n    " + "\n    ".join(lines))
    entries = {}  # command -> its usage line and continuation lines
    current = None
    for line in lines:
        if line.startswith("blobflow "):
            current = line.split()[1]
            entries[current] = line
        elif current:
            entries[current] += "\n" + line
    for command in COMMANDS:
        own = entries.get(command, "")
        help_text = output(binary, command, "--help")
        # The options a help text defines: its usage line's, and the first token of each indented option line.
        found = OPTION_RE.findall(help_text.split("\n", 1)[0])
        found += [m.group(1) for m in re.finditer(r"^\s+(-[-a-zA-Z]+)", help_text, re.M)]
        for option in sorted(set(found) - COMMON_OPTIONS - set(ALIASES)):
            if option not in own:
                problems.append(f"`blobflow {command} --help` has {option}, the top-level usage of {command} not")
            if f"`{option}" not in readme and f" {option} " not in readme and f"[{option}" not in readme:
                problems.append(f"`blobflow {command} --help` has {option}, the README not")
    rows = key_rows(readme)
    for line in output(binary, "run", "--help").split("configuration keys", 1)[1].split("\n")[1:]:
        m = re.match(r"  ([a-z_]+\.[a-z_0-9]+) = (.*?): (.*)$", line)
        if not m:
            continue
        key, meaning = m.group(1), m.group(3).split("; must", 1)[0]  # the meaning, without the rule
        if key not in rows:
            problems.append(f"{key}: in `blobflow run --help`, not in the README's key table")
            continue
        row = rows[key]
        for value in QUOTED_RE.findall(meaning):
            if value not in row:
                problems.append(f'{key}: `run --help` says "{value}", the README\'s row not')
        for number in NUMBER_RE.findall(meaning):
            if number not in row:
                problems.append(f"{key}: `run --help` says {number}, the README's row not")
    for p in problems:
        print("FAIL " + p)
    print(f"help and README: {len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
