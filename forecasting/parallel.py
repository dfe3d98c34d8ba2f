"""Fitting many series in worker processes, one BLAS thread each.

statsmodels' fits are tiny matrix problems: BLAS threads only contend with each other (and with the other
workers). The thread limits are set in the environment before the workers start (spawned processes read
them when numpy loads) and again with threadpoolctl inside each worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

BLAS_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextmanager
def one_blas_thread_env() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARS}
    os.environ.update({name: "1" for name in BLAS_THREAD_VARS})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _one_blas_thread() -> None:
    """threadpoolctl limits the BLAS libraries already loaded: load numpy's and scipy's (scipy bundles its own
    OpenBLAS, used by L-BFGS-B) first. Without it scipy's BLAS kept its threads and an ETS fit cost 3x the CPU."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    import scipy.optimize  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _init_worker() -> None:
    _one_blas_thread()


def _call(packed: tuple[Callable[..., Any], Any, dict]) -> Any:
    fn, item, kwargs = packed
    return fn(item, **kwargs)


# Below this many items the work runs in-process: a spawned worker imports numpy, scipy and statsmodels again
# (~2-3 CPU-seconds each), more than a small company's hundred-odd series cost to fit (issue 13 item 6).
IN_PROCESS_BELOW = 150


def parallel_map(
    fn: Callable[..., R],
    items: Iterable[T],
    *,
    max_workers: int | None = None,
    chunksize: int = 8,
    in_process_below: int = IN_PROCESS_BELOW,
    **kwargs: Any,
) -> list[R]:
    """`[fn(item, **kwargs) for item in items]` over processes (in order); in-process when one worker or fewer
    than `in_process_below` items."""
    items = list(items)
    workers = min(max_workers or os.cpu_count() or 1, max(1, len(items)))
    if workers <= 1 or len(items) < max(in_process_below, 3):
        import scipy.linalg  # noqa: F401 - loaded before the limit, so that the limit reaches its BLAS
        import scipy.optimize  # noqa: F401
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return [fn(item, **kwargs) for item in items]
    context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded Dagster process
    with one_blas_thread_env(), ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker) as pool:
        return list(pool.map(_call, [(fn, item, kwargs) for item in items], chunksize=chunksize))
