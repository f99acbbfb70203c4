"""``python -m agent.cli`` is the same as the ``rapport`` script."""

import sys

from agent.cli import main

sys.exit(main())
