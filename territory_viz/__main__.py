"""Entry point for ``python -m territory_viz``."""

import sys

from territory_viz.cli import main

if __name__ == "__main__":
    sys.exit(main())
