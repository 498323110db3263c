"""Discovery: audio clusters, similar tracks and playlist recommenders.

Pure functions, DataFrames in and out; `run.build_discovery` assembles every table,
`run.run_discovery` reuses or builds and saves a run (`models_ml.artifacts`), and
`run.discovery_row` is what the dbt Python model int_discovery_built returns. Modules:
clusters (the shared audio space, k-means, cluster profiles and names, the 2-D map),
similarity (nearest tracks), recommenders (hold-out split, the seven playlist recommenders
scored over the catalog), affinity (album and artist matches), reranker (the hybrid's second
stage), ranking_metrics (precision, recall, NDCG, bootstrap intervals), playlist_evaluation
(the protocol: validation split, segments, serving), run (settings, one run, its reuse).
"""

from __future__ import annotations

from models_ml.discovery.run import (
    DiscoverySettings,
    build_discovery,
    discovery_row,
    run_discovery,
)

__all__ = ["DiscoverySettings", "build_discovery", "discovery_row", "run_discovery"]
