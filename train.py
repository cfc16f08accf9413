"""`python train.py [options]` is `fazhi train [options]` (see `python train.py --help`)."""

import sys

from fazhi.cli import main

if __name__ == "__main__":
    main(["train", *sys.argv[1:]])
