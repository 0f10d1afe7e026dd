"""Work on a thread of its own, for work that runs outside Python's lock (a workbook parsed in Rust, a
file decompressed by zlib) while the caller does something else."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


def in_background(function: Callable[..., T], *arguments: Any) -> Future[T]:
    """``function(*arguments)`` started on a daemon thread (Ctrl-C never waits for it): ``result()`` gives
    what it returned, or raises what it raised, in the caller's thread."""
    outcome: Future[T] = Future()

    def run() -> None:
        try:
            outcome.set_result(function(*arguments))
        except BaseException as error:  # raised again where the result is asked for
            outcome.set_exception(error)

    threading.Thread(target=run, name=getattr(function, "__name__", "background"), daemon=True).start()
    return outcome
