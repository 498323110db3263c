"""Independent units of work on a few threads, without oversubscribing the cores.

Training runs its folds (and its scoring fits) as separate units, `n_jobs` at a time. Each
unit runs on one thread of its own with OpenMP limited to that thread: gradient boosting
and k-means use OpenMP, whose threads meet at a barrier many times per tree; with two of
them on a 2-core machine, any other busy process (dbt's other thread, another build, a
notebook) stalls every barrier, and a gradient-boosting fit measured 35 to 95 s with two
threads against 6 s with one. Forests are given their thread count by the caller
(`estimators.with_n_jobs`): their threads build whole trees and never wait on each other.

Results do not depend on the number of threads: every unit's numbers come from its own
inputs and seeds, scikit-learn's gradient boosting gives the same model on any number of
OpenMP threads, and the results come back in the order the units were given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from threadpoolctl import threadpool_limits


def _one_openmp_thread(call: Callable[[], Any]) -> Any:
    # OpenMP's thread count is a per-thread setting: this limits this thread only.
    with threadpool_limits(limits=1, user_api="openmp"):
        return call()


def run_in_threads(
    calls: Sequence[Callable[[], Any]], n_threads: int, order: Sequence[int] | None = None
) -> list[Any]:
    """Every call's result, in the order given, run on `n_threads` threads (at least one).

    order: the positions of `calls` in the order they are to start (default: as given);
    put the dearest first, so that the last to finish are short and no thread idles long
    at the end. The first exception (in the order given) is raised here.
    """
    starts = range(len(calls)) if order is None else order
    with ThreadPoolExecutor(max(1, n_threads)) as pool:
        futures = {index: pool.submit(_one_openmp_thread, calls[index]) for index in starts}
        try:
            return [futures[index].result() for index in range(len(calls))]
        except BaseException:
            # Fail fast: the calls not started yet never start.
            for future in futures.values():
                future.cancel()
            raise


def dearest_first(costs: Sequence[float]) -> list[int]:
    """Positions sorted by cost, highest first (ties in their order)."""
    return sorted(range(len(costs)), key=lambda index: -costs[index])
