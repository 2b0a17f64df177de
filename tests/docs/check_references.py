#!/usr/bin/env python3
"""Checks that every document reference in the sources resolves inside the repository.

Usage: check_references.py [ROOT]      scan ROOT (default: the repository holding this file)
       check_references.py --self-test check the checker on a temporary tree with good and bad references

Fails (exit 1, one file:line per problem) when a line
  - names one of the team notebooks that are not part of the repository (the upper-case *.md names below);
  - names docs/<file>.md and that file does not exist;
  - cites docs/<file>.md §N (also §N-M, §N–M, ", §N", " and §N", "/§N") and the file has no heading whose first
    token is N (e.g. "### 2.3 Title" or "## 6. Title");
  - cites docs/<file>.md "Title" (also docs/<file>.md, "Title") and the file has no heading with exactly that title
    (a title may continue on the next comment line);
  - in a Markdown file, a link or image [text](target) outside code fences names a file that does not exist
    (relative to the Markdown file) or an #anchor that no heading of the target file gives (GitHub's rule: lower
    case, punctuation other than - and _ dropped, spaces as -).
Python 3 standard library only.
"""
import os
import re
import sys
import tempfile

SCANNED_DIRS = ["solvers", "analysis", "studies", "reports", "tests", "bench", "cmake", "docs"]
SCANNED_FILES = ["README.md"]
SUFFIXES = (".cpp", ".hpp", ".md", ".toml", ".gp", ".py", ".sh", ".in", ".txt", ".cmake")
# Documents outside the repository; spelled in pieces so that this file does not name them itself.
OUTSIDE = ["MATH", "PERF-NOTES", "DESIGN", "STYLE", "APPLICATIONS"]
OUTSIDE_RE = re.compile(r"(?<![\w/.-])(" + "|".join(re.escape(n) for n in OUTSIDE) + r")\.md\b")
DOC_RE = re.compile(r"docs/([\w.-]+?\.md)")
NUMBER = r"[0-9]+(?:\.[0-9]+)*"
SECTIONS_RE = re.compile(r"\A,?\s*§\s?(" + NUMBER + r")((?:\s*(?:[-–]\s*§?|,\s*§|\s+and\s+§|\s+or\s+§|/§)\s?" +
                         NUMBER + r")*)")
MORE_RE = re.compile(NUMBER)
TITLE_RE = re.compile(r'\A,?\s*"([^"]+)"')
COMMENT_PREFIX_RE = re.compile(r"\A\s*(?:///|//|#|\*)?\s*")
LINK_RE = re.compile(r"\]\(([^()\s]+)\)")


def heading_texts(path):
    """The texts of the Markdown headings of a file, outside code fences."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fenced = not fenced
                continue
            m = re.match(r"#+\s+(.*?)\s*$", line)
            if not fenced and m:
                yield m.group(1)


def headings(path):
    """Numbers (first tokens) and titles of the Markdown headings of a file, outside code fences."""
    numbers, titles = set(), set()
    for text in heading_texts(path):
        titles.add(text)
        first = text.split()[0].rstrip(".") if text.split() else ""
        if re.fullmatch(NUMBER, first):
            numbers.add(first)
            titles.add(text[len(text.split()[0]):].strip())
    return numbers, titles


def anchors(path):
    """The #anchors of the Markdown headings of a file, as GitHub makes them."""
    return {re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-") for text in heading_texts(path)}


def link_problems(root, path):
    """The links of a Markdown file whose file or #anchor does not exist, each 'file:line: message'."""
    problems, fenced = [], False
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if line.startswith("```"):
                fenced = not fenced
                continue
            for m in [] if fenced else LINK_RE.finditer(line):
                target = m.group(1)
                if re.match(r"[a-z]+:", target) or not re.search(r"[./#]", target):
                    continue  # https:, mailto:, and formulas such as grad_[rho](X_i)
                file, _, anchor = target.partition("#")
                linked = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                if not os.path.exists(linked):
                    problems.append(f"{rel}:{i + 1}: the link {target} names a file that does not exist")
                elif anchor and (not linked.endswith(".md") or anchor not in anchors(linked)):
                    problems.append(f"{rel}:{i + 1}: the link {target}: no heading gives #{anchor}")
    return problems


def scanned_files(root):
    for name in SCANNED_FILES:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            yield path
    for folder in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                # This file's self-test holds deliberately broken references.
                if (name.endswith(SUFFIXES) or name == "CMakeLists.txt") and not os.path.samefile(path, __file__):
                    yield path


def check(root):
    """Returns the list of problems, each 'file:line: message'."""
    problems, cache = [], {}

    def doc(name):
        if name not in cache:
            path = os.path.join(root, "docs", name)
            cache[name] = headings(path) if os.path.isfile(path) else None
        return cache[name]

    for path in scanned_files(root):
        rel = os.path.relpath(path, root)
        if path.endswith(".md"):
            problems += link_problems(root, path)
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except UnicodeDecodeError:
            continue
        for i, line in enumerate(lines):
            where = f"{rel}:{i + 1}"
            for m in OUTSIDE_RE.finditer(line):
                problems.append(f"{where}: {m.group(0)} is not in the repository (cite docs/ instead)")
            following = COMMENT_PREFIX_RE.sub("", lines[i + 1]) if i + 1 < len(lines) else ""
            for m in DOC_RE.finditer(line):
                name = m.group(1)
                found = doc(name)
                if found is None:
                    problems.append(f"{where}: docs/{name} does not exist")
                    continue
                numbers, titles = found
                rest = line[m.end():]
                s = SECTIONS_RE.match(rest)
                if s:
                    for number in [s.group(1)] + MORE_RE.findall(s.group(2)):
                        if number not in numbers:
                            problems.append(f"{where}: docs/{name} has no heading §{number}")
                    continue
                t = TITLE_RE.match(rest) or TITLE_RE.match(rest.rstrip() + " " + following)
                if t:
                    title = re.sub(r"\s+", " ", t.group(1)).strip()
                    if title not in titles:
                        problems.append(f'{where}: docs/{name} has no heading "{title}"')
    return problems


def self_test():
    """The checker passes a tree of good references and reports each kind of bad one."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        os.makedirs(os.path.join(root, "solvers"))
        with open(os.path.join(root, "docs", "a.md"), "w", encoding="utf-8") as f:
            f.write("# A\n\n## 1. One\n\n### 1.2 Two\n\n## 6. Six\n\n## Files a run writes\n\n```\n# 9 not a heading\n```\n")
        good = ('// docs/a.md §1.2 and §6, docs/a.md §1-§6, docs/a.md §1.2–1, docs/a.md §6.\n'
                '// docs/a.md "Files a run writes", docs/a.md, "Files a run\n// writes"; docs/a.md §1.2, 2 cores\n')
        source = os.path.join(root, "solvers", "x.cpp")
        with open(source, "w", encoding="utf-8") as f:
            f.write(good)
        # Links of a Markdown file: to a file, to headings of another file and of its own; fenced ones are not links.
        links = os.path.join(root, "docs", "links.md")
        good_links = ("# Links: `here`\n\nSee [a](a.md), [six](a.md#6-six), [files](a.md#files-a-run-writes),\n"
                      "[here](#links-here), [web](https://example.org/#x), grad_[rho](X_i).\n```\n[f](nowhere.md)\n```\n")
        with open(links, "w", encoding="utf-8") as f:
            f.write(good_links)
        if check(root):
            print("self-test: good references reported:", check(root))
            return 1
        outside = OUTSIDE[0] + ".md"
        bad = {"missing section": "// docs/a.md §1.3\n", "missing in a range": "// docs/a.md §1-§7\n",
               "fenced heading": "// docs/a.md §9\n", "missing title": '// docs/a.md "Files a study writes"\n',
               "missing file": "// docs/b.md §1\n", "outside document": f"// {outside} §1\n",
               "missing anchor": "See [one](a.md#two).\n", "missing own anchor": "See [one](#links).\n",
               "missing link target": "See ![b](b.png).\n"}
        for what, text in bad.items():
            markdown = text.startswith("See ")
            with open(source, "w", encoding="utf-8") as f:
                f.write(good + ("" if markdown else text))
            with open(links, "w", encoding="utf-8") as f:
                f.write(good_links + (text if markdown else ""))
            problems = check(root)
            where = (os.path.join("docs", f"links.md:{good_links.count(chr(10)) + 1}:") if markdown else
                     os.path.join("solvers", f"x.cpp:{good.count(chr(10)) + 1}:"))
            if len(problems) != 1 or not problems[0].startswith(where):
                print(f"self-test: {what} not reported as one problem at {where}: {problems}")
                return 1
    print("self-test passed")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} unresolved document reference(s)")
        return 1
    print("all document references resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
