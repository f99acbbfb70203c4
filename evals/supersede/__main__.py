"""``python -m evals.supersede [--out DIR] [--pairs FILE ...] [--limit N]``: same as ``rapport eval supersede``."""

import sys

from agent.cli import main

sys.exit(main(["eval", "supersede", *sys.argv[1:]]))
