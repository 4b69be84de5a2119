"""``python -m benchmarks.cornn``: see :func:`benchmarks.cornn.cli.main`."""

import sys

from benchmarks.cornn.cli import main

if __name__ == "__main__":
    sys.exit(main())
