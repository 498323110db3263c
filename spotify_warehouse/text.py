"""Text helpers for messages: one line a reader can act on, never a traceback."""

from __future__ import annotations


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (Selenium keeps it in `msg`), or the
    error's type name when it says nothing: enough to act on, short enough for one line."""
    text = (getattr(error, "msg", None) or str(error)).strip()
    return text.splitlines()[0] if text else type(error).__name__
