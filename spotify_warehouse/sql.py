"""Quoting for SQL built in Python (DuckDB's and Spark SQL's rules for these two agree)."""

from __future__ import annotations


def quoted(identifier: str) -> str:
    """An identifier in double quotes, inner quotes doubled."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string literal in single quotes, inner quotes doubled (a file path, a name)."""
    return "'" + text.replace("'", "''") + "'"
