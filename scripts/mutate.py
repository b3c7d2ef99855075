#!/usr/bin/env python3
"""Mutation check: does the test suite notice when behaviour breaks?

Each mutant in tests/mutants.txt is an exact text replacement in one file. For each,
in a scratch copy of the source tree: apply it, rebuild, run the suite, put the file
back. A mutant is *killed* when the suite fails, *survived* when it passes (a gap in
the tests), *invalid* when it does not build or its text is not found (fix the list).

Usage: scripts/mutate.py [--only NAME[,NAME...]] [--labels unit|cli] [--keep DIR]
Prints a table and exits 1 when a mutant survived or is invalid.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_mutants(path):
    """The list's format: a header line '## name: X', then '## file: F' and
    '## why: ...', then the text to find (lines starting '-') and its replacement
    (lines starting '+'), as in a diff. Blank lines and '#' comments separate."""
    mutants, cur = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("## name:"):
                cur = {"name": line[8:].strip(), "file": "", "why": "", "find": [], "replace": [],
                       "line": lineno}
                mutants.append(cur)
            elif line.startswith("## file:") and cur:
                cur["file"] = line[8:].strip()
            elif line.startswith("## why:") and cur:
                cur["why"] = line[7:].strip()
            elif line.startswith("-") and cur:
                cur["find"].append(line[1:])
            elif line.startswith("+") and cur:
                cur["replace"].append(line[1:])
            elif line.strip() == "" or line.startswith("#"):
                continue
            else:
                sys.exit(f"{path}:{lineno}: cannot read this line (expected '## name:', "
                         f"'## file:', '## why:', '-find' or '+replace')")
    for m in mutants:
        if not m["file"] or not m["find"]:
            sys.exit(f"{path}:{m['line']}: mutant '{m['name']}' needs '## file:' and '-' lines")
    return mutants


def run(cmd, cwd, log, timeout):
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write("(timed out)\n")
            return 124


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", default=os.path.join(ROOT, "tests", "mutants.txt"))
    ap.add_argument("--only", default="", help="comma-separated mutant names")
    ap.add_argument("--labels", default="unit|cli",
                    help="ctest label regex of the tests to run (default: unit|cli)")
    ap.add_argument("--keep", default="", help="scratch directory to use and keep")
    ap.add_argument("--test-timeout", type=int, default=600, help="seconds per suite run")
    args = ap.parse_args()

    mutants = parse_mutants(args.list)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["name"] for m in mutants}
        if unknown:
            sys.exit(f"unknown mutant(s): {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["name"] in wanted]

    scratch = args.keep or tempfile.mkdtemp(prefix="fluxburst-mutate-")
    src, build = os.path.join(scratch, "src"), os.path.join(scratch, "build")
    log = os.path.join(scratch, "mutate.log")
    ignore = shutil.ignore_patterns(".git", "build*", "*.o")
    if os.path.exists(src):
        shutil.rmtree(src)
    shutil.copytree(ROOT, src, ignore=ignore, symlinks=True)
    env_cmake = ["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                 "-DFLUXBURST_BUILD_BENCH=OFF", "-DFLUXBURST_BUILD_EXAMPLES=OFF"]
    if shutil.which("ccache"):
        env_cmake.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    build_cmd = ["cmake", "--build", build, "-j2"]
    test_cmd = ["ctest", "-j2", "--stop-on-failure", "-L", args.labels, "--timeout", "120"]
    # ccache finds earlier runs' objects: paths are taken relative to the scratch copy.
    os.environ["CCACHE_BASEDIR"] = scratch
    os.environ["CCACHE_NOHASHDIR"] = "true"
    print(f"mutate: scratch copy in {scratch} (log: {log})", file=sys.stderr)
    if run(env_cmake, scratch, log, 600) or run(build_cmd, scratch, log, 3600):
        sys.exit(f"mutate: the unmutated tree does not build; see {log}")
    if run(test_cmd, build, log, args.test_timeout):
        sys.exit(f"mutate: the unmutated suite fails; fix that first (see {log})")

    rows = []
    for m in mutants:
        path = os.path.join(src, m["file"])
        find, repl = "\n".join(m["find"]), "\n".join(m["replace"])
        started = time.time()
        try:
            original = open(path, encoding="utf-8").read()
        except OSError as e:
            rows.append((m["name"], "invalid", f"{m['file']}: {e.strerror}", 0))
            continue
        count = original.count(find)
        if count != 1:
            rows.append((m["name"], "invalid", f"text found {count} times in {m['file']}", 0))
            continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(original.replace(find, repl))
        try:
            if run(build_cmd, scratch, log, 3600):
                verdict, note = "invalid", "does not build"
            elif run(test_cmd, build, log, args.test_timeout):
                verdict, note = "killed", ""
            else:
                verdict, note = "SURVIVED", m["why"]
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        rows.append((m["name"], verdict, note, time.time() - started))
        print(f"mutate: {m['name']}: {verdict}", file=sys.stderr)

    width = max([len(r[0]) for r in rows] + [6])
    print(f"{'MUTANT'.ljust(width)}  {'RESULT':8}  {'TIME':>6}  NOTE")
    for name, verdict, note, secs in rows:
        print(f"{name.ljust(width)}  {verdict:8}  {secs:5.0f}s  {note}")
    killed = sum(1 for r in rows if r[1] == "killed")
    print(f"\n{killed} of {len(rows)} mutants killed")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
