"""Static HTML reports over the warehouse, for readers who do not write SQL.

`python -m reports build` opens the warehouse read-only, runs the SQL of each page
(`reports/sql/<page>/<query>.sql`), renders Jinja2 templates with Altair charts and writes
a self-contained site (default `reports/site/`) whose pages open from disk, offline.
"""

from spotify_warehouse import __version__

__all__ = ["__version__"]
