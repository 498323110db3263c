"""Machine-learning layer of spotify-warehouse.

Models read the marts built by dbt and write their outputs back into the warehouse.
For now the package holds the thin DuckDB access layer that every reader shares
(:mod:`models_ml.warehouse`); the genre and popularity models arrive with the ML issue.
"""
