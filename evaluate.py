"""`python evaluate.py [options]` is `fazhi evaluate [options]` (see `python evaluate.py --help`)."""

import sys

from fazhi.cli import app

if __name__ == "__main__":
    app(args=["evaluate", *sys.argv[1:]], prog_name="fazhi")
