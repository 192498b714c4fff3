"""Calls to the records API that one page makes side by side, in a few threads: each mostly
waits for the API's answer, so a page that needs several (its counts, its link cells, a
record's related sections) waits about as long as for the slowest, not for their sum.
"""

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django import db

from recordsadmin.client import gate

# The calls made within go so many at a time, however many threads make them (client/gate.py).
calls_at_most = gate.at_most


def in_threads(functions: Sequence[Callable[[], Any]], *, workers: int, name: str) -> list[Any]:
    """Each function's result, in order, the functions run `workers` at a time (in this thread
    when there is one to run or `workers` is 1). Each runs in a copy of this thread's context:
    the page's deadline and its calls' priority in the rate budget go with it. The first
    exception raised is raised here, once all have ended."""
    if len(functions) <= 1 or workers <= 1:
        return [function() for function in functions]
    workers = min(workers, len(functions))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        futures = [
            pool.submit(_in_thread, contextvars.copy_context(), function) for function in functions
        ]
        return [future.result() for future in futures]


def _in_thread(context: contextvars.Context, function: Callable[[], Any]) -> Any:
    try:
        return context.run(function)
    finally:
        # Django opens a connection per thread (the cache table, the shared call windows); a
        # pool thread is never a request's, so nothing else would close it.
        db.connections.close_all()
