"""fazhi: tag the sentences of Chinese rule-of-law government work reports."""

__version__ = "0.1.0"
