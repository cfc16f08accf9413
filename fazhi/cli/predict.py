"""`fazhi predict` (being written)."""
