"""tagging: INPUTs → reports → tagged rows, in one process or in Spark."""
