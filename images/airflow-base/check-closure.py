"""Fails the image build when the installed Python closure differs from constraints.txt.

    python -m pip freeze --all | python check-closure.py constraints.txt

Reads `pip freeze --all` on stdin and compares it with the exact pins of the constraints file: a distribution that is
installed but not pinned, installed at another version, pinned but not installed, or installed from a direct
reference (`name @ url`, `-e`) is one line on stderr each, and the exit status is 1. Names compare the PEP 503 way
(case-insensitive, runs of `-`, `_`, `.` equal). Exit 64 on bad usage, 65 when the constraints file is not a list of
exact pins (the runner's exit-code table). Runs on the image's Python 3.6: standard library only, no 3.7+ syntax.
"""
import re
import sys

EXIT_FAILED = 1
EXIT_USAGE = 64
EXIT_INVALID_INPUT = 65

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def same_version(a, b):
    """PEP 440 equality for plain release versions: `2024.07.04` equals `2024.7.4` (leading zeros and case dropped)."""
    def canon(v):
        return ".".join(str(int(p)) if p.isdigit() else p.lower() for p in v.split("."))
    return canon(a) == canon(b)


def strip_comment(line):
    return re.sub(r"(^|\s)#.*$", "", line).strip()


def read_pins(lines, source):
    """name -> (written name, version) from `name==version` lines; ValueError names the first bad line."""
    pins = {}
    for number, raw in enumerate(lines, 1):
        line = strip_comment(raw)
        if not line:
            continue
        match = PIN.match(line)
        if not match:
            raise ValueError("{}:{}: not an exact pin `name==version`: {}".format(source, number, line))
        key = normalize(match.group(1))
        if key in pins:
            raise ValueError("{}:{}: {} is pinned twice".format(source, number, match.group(1)))
        pins[key] = (match.group(1), match.group(2))
    return pins


def compare(pinned, freeze_lines):
    """The problems, one string each, in a stable order (installed first, then missing pins)."""
    problems = []
    seen = set()
    for raw in freeze_lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        if not match:
            problems.append("installed from a direct reference, not a pinned release: {}".format(line))
            continue
        name, version = match.group(1), match.group(2)
        key = normalize(name)
        seen.add(key)
        if key not in pinned:
            problems.append("installed but not pinned in constraints.txt: {}=={}".format(name, version))
        elif not same_version(pinned[key][1], version):
            problems.append(
                "{} is {} in the image but pinned at {} in constraints.txt".format(name, version, pinned[key][1])
            )
    for key in sorted(pinned):
        if key not in seen:
            name, version = pinned[key]
            problems.append("pinned in constraints.txt but not installed: {}=={}".format(name, version))
    return problems


def main(argv, stdin, stdout, stderr):
    if len(argv) != 1 or argv[0].startswith("-"):
        stderr.write("check-closure: usage: pip freeze --all | check-closure.py CONSTRAINTS\n")
        return EXIT_USAGE
    path = argv[0]
    try:
        with open(path) as handle:
            pinned = read_pins(handle.read().split("\n"), path)
    except OSError as error:
        stderr.write("check-closure: cannot read {}: {}\n".format(path, error.strerror))
        return EXIT_INVALID_INPUT
    except ValueError as error:
        stderr.write("check-closure: {}\n".format(error))
        return EXIT_INVALID_INPUT
    if not pinned:
        stderr.write("check-closure: {} pins nothing\n".format(path))
        return EXIT_INVALID_INPUT
    problems = compare(pinned, stdin.read().split("\n"))
    for problem in problems:
        stderr.write("check-closure: {}\n".format(problem))
    if problems:
        stderr.write(
            "check-closure: the installed closure differs from {} in {} place(s)\n".format(path, len(problems))
        )
        return EXIT_FAILED
    stdout.write("check-closure: {} distributions, each exactly as pinned in {}\n".format(len(pinned), path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout, sys.stderr))
