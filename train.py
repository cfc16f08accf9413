"""`python train.py [options]` is `fazhi train [options]` (see `python train.py --help`)."""

import sys

from fazhi.cli import app

if __name__ == "__main__":
    app(args=["train", *sys.argv[1:]], prog_name="fazhi")
