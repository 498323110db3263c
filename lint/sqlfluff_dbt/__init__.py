"""What dbt gives a model's Jinja, for sqlfluff's jinja templater (`.sqlfluff`, library_path).

sqlfluff renders each SQL file without dbt (the dbt templater would compile the project,
about a minute per run here), so the dbt objects the project's models and macros use are
stood in for here. Every name below becomes a variable of the Jinja context, and these take
precedence over sqlfluff's own dbt stand-ins:

- `var` returns the project's real vars from dbt_project.yml (sqlfluff's stand-in returns a
  string, which breaks `['popularity'] + var('profile_features')`).
- `adapter.dispatch` picks the project's `duckdb__` macro, else its `default__` one, as dbt
  does on DuckDB.
- `dbt.<macro>` renders the cross-database macros the project uses as dbt-duckdb does.
- `env_var` returns its default; `execute` is false, as when dbt parses, so macros that query
  the warehouse take their parse-time branch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jinja2 import pass_context
from jinja2.runtime import Context

_PROJECT = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text(encoding="utf-8")
)
_VARS: dict[str, Any] = _PROJECT.get("vars") or {}

execute = False
invocation_id = "00000000-0000-0000-0000-000000000000"
dbt_version = "1.11.0"


class _Timestamp:
    def strftime(self, fmt: str) -> str:
        return "2000-01-01 00:00:00"


run_started_at = _Timestamp()


def var(name: str, default: Any = None) -> Any:
    """The project's value of a dbt var, else the default, else a placeholder text."""
    if name in _VARS:
        return _VARS[name]
    return default if default is not None else f"{name}_placeholder"


def env_var(name: str, default: str | None = None) -> str:
    return default if default is not None else f"{name}_placeholder"


def load_relation(relation: Any) -> None:
    return None


class _Adapter:
    @pass_context
    def dispatch(
        self, context: Context, macro_name: str, macro_namespace: str | None = None
    ) -> Any:
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + macro_name)
            if macro is not None:
                return macro
        raise KeyError(f"no duckdb__ or default__ implementation of macro {macro_name!r}")


adapter = _Adapter()


class _DbtMacros:
    """dbt's cross-database macros, as they render on DuckDB."""

    def type_string(self) -> str:
        return "varchar"

    def type_float(self) -> str:
        return "double"

    def hash(self, field: str) -> str:
        return f"md5(cast({field} as varchar))"

    def split_part(self, string_text: str, delimiter_text: str, part_number: int) -> str:
        return f"split_part({string_text}, {delimiter_text}, {part_number})"


dbt = _DbtMacros()
