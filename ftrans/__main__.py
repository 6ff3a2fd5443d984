"""``python -m ftrans demo``: a guided tour of forward and reverse mode on one function."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ftrans",
        description="ftrans: composable function transformations on NumPy.")
    commands = parser.add_subparsers(dest="command", metavar="demo")
    demo = commands.add_parser(
        "demo", help="a guided tour of forward and reverse mode (takes a second)",
        description="Walk f(x, y) = (x + y) * (x - y) through jvp, vjp, make_jaxpr, linearize "
                    "and transpose, write its graph as f.dot (and f.svg with Graphviz), then "
                    "per-example gradients and higher derivatives.")
    demo.add_argument("--no-color", action="store_true",
                      help="plain text only (also when NO_COLOR is set or output is not a tty)")
    demo.add_argument("--out", default=".", metavar="DIR",
                      help="directory for f.dot / f.svg (default: the current directory)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command != "demo":
        parser.print_usage(sys.stderr)
        return 2
    if not os.path.isdir(args.out):
        print(f"python -m ftrans demo: --out {args.out!r} is not a directory", file=sys.stderr)
        return 2
    from ftrans.demo import run  # startup: only `python -m ftrans` needs the demo
    color = not args.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    try:
        run(color=color, out_dir=args.out)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left early (`... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
