"""Finding the programs the project runs as subprocesses."""

from __future__ import annotations

import sys
from pathlib import Path


def dbt_executable() -> str:
    """The dbt beside this interpreter (the project's venv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"
