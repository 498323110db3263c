"""Infrastructure shared by the ML layer (models_ml) and the report site (reports).

Neither of those packages imports the other's internals; what both need lives here:

- version: the project's one version number (pyproject.toml), `__version__` below;
- warehouse: where the DuckDB warehouse is and how to open it, with errors that say what to do;
- folders: writing a folder all or nothing (a staging sibling renamed into place);
- progress: progress lines for long work (training, discovery, the browser check);
- text: small text helpers for one-line error messages;
- commands: where the dbt program is;
- spark: moving tables between the Spark warehouse (Parquet) and the DuckDB one.
"""

from spotify_warehouse.version import project_version

__version__ = project_version()
