"""`spark-submit … spark_tag.py [options]` is `fazhi spark-tag [options]` on the cluster spark-submit names.

Under spark-submit the master, executors and resources are spark-submit's (--master yarn,
--master k8s://…); see the README, "Spark". `python spark_tag.py …` works too.
"""

import sys

from fazhi.cli import main

if __name__ == "__main__":
    main(["spark-tag", *sys.argv[1:]])
