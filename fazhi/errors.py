"""The errors a user can cause: each str() is one line naming the file and what is wrong.

The CLI turns any FazhiError into `error: <message>` and a non-zero exit, never a traceback.
"""


class FazhiError(Exception):
    """Base of every user-facing error."""


class ReadError(FazhiError):
    """A report or table that cannot be read."""


class CorpusError(FazhiError, ValueError):
    """A labeled file that cannot be used (missing columns, unknown labels, too few reports)."""


class ModelError(FazhiError):
    """A model that cannot be found, loaded or used."""


class OutputError(FazhiError):
    """An output that cannot be written or would lose data."""


class TrackingError(FazhiError):
    """An MLflow store that cannot be reached or written."""
