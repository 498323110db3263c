"""Machine-learning layer of spotify-warehouse.

Genre classification and popularity regression trained on the marts, evaluated with grouped
cross-validation (no track, or in the cold-start scenario no artist, on both sides of a
split), and scoring of new tracks. `dbt build` runs the training through the Python model
int_ml_models_trained and publishes the results as ml.* tables; `python -m models_ml
predict FILE.csv` scores a file with the saved models.

Modules: config (the protocol), splits, encoding (out-of-fold statistics), features,
estimators, evaluation, metrics, explain, training (one run), scoring, artifacts (run
folders in the models folder and their reuse), discovery_queries (what `recommend` asks the
warehouse); and the build's tooling: raw_csv (the raw-file reader), refresh (the atomic
refresh), stage_times (the time per stage `make` prints). Warehouse access, progress lines
and the version are shared with the reports and live in spotify_warehouse.
"""

from spotify_warehouse import __version__

__all__ = ["__version__"]
