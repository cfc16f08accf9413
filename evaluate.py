"""`python evaluate.py [options]` is `fazhi evaluate [options]` (see `python evaluate.py --help`)."""

import sys

from fazhi.cli import main

if __name__ == "__main__":
    main(["evaluate", *sys.argv[1:]])
