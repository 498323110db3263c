"""Static HTML reports over the warehouse, for readers who do not write SQL.

`python -m reports build` opens the warehouse read-only, runs the SQL of each page
(`reports/sql/<page>/<query>.sql`), renders Jinja2 templates with Altair charts and writes
a self-contained site (default `reports/site/`) whose pages open from disk, offline.
"""

__version__ = "0.3.0"
