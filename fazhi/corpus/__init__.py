"""corpus: labeled files → a Dataset, and the agreement of two independent readings."""
