"""`fazhi train`, `fazhi sweep`, `fazhi evaluate`, `fazhi ui` (being written)."""
