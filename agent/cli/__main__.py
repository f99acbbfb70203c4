"""``python -m agent.cli`` is the same as the ``rapport`` script."""

from agent.cli import run

run()
