"""``python -m ftrans demo``: a guided tour of forward and reverse mode on one function."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv[:1] != ["demo"] or len(argv) > 2 or (len(argv) == 2 and argv[1] != "--no-color"):
        print("usage: python -m ftrans demo [--no-color]", file=sys.stderr)
        return 2
    from ftrans.demo import run
    run(color=len(argv) == 1 and sys.stdout.isatty())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
