"""SWAT-NN's CORNN experiments (Exp. 1-3 and the penalty levels of Table I): run, resume, summarise.

The same as ``sk-swat benchmark``; the logic is in :mod:`sk_swat.benchmarking`. Run from the repository
root so that the results land in ``docs/benchmarks/``:

    python benchmarks/cornn.py --experiments exp1 --functions 1 2 53 54 --n-jobs 2
    python benchmarks/cornn.py --quick --functions Sphere --output-dir /tmp/smoke   # smoke test
    python benchmarks/cornn.py --summary-only                                        # redraw from the CSVs

Every fit is appended to ``docs/benchmarks/<experiment>.csv`` when it ends; rerunning the same command
runs only the fits that are missing.
"""

import sys

from sk_swat.benchmarking import main

if __name__ == "__main__":
    sys.exit(main(prog="benchmarks/cornn.py"))
