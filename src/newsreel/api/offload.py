"""Nothing blocks the event loop: store, mail-queue and hash calls run in threads.

Two pools, so that password hashes cannot starve the rest (issue 10: the handlers ran argon2,
SQLite and mail inline, and one hash stalled every request):

- `blocking()`: a small pool of threads for store and queue calls (well under a millisecond
  each): a plain executor, whose hand-off costs less CPU than anyio's `to_thread` (13 against
  37 µs at concurrency 32, 49 against 62 one at a time), and a request hands off once per step,
  not once per store call (the flows run whole in a thread);
- `hashing()`: a pool of one thread per core for argon2 (which releases the GIL), whose threads
  run at a lower priority (Linux `nice` is per thread), so the event loop and the store calls of
  cheap routes get the CPU first and hashes take what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

Params = ParamSpec("Params")
Result = TypeVar("Result")
#: How much lower hashing threads run than the rest (a `nice` increment).
HASH_NICENESS = 5
#: Threads for store and queue calls: SQLite takes one writer at a time, and on Lambda an
#: instance serves one request at a time; a few more than that keep a slow call from holding
#: up the rest.
STORE_THREADS = 8


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # Linux only; harmless elsewhere
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


@functools.cache
def _store_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="store")


@functools.cache
def _hash_pool() -> ThreadPoolExecutor:
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return ThreadPoolExecutor(
        max_workers=max(1, workers or 1), thread_name_prefix="argon2", initializer=_lower_priority
    )


async def blocking(
    function: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
) -> Result:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_store_pool(), functools.partial(function, *args, **kwargs))


async def hashing(
    function: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
) -> Result:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hash_pool(), functools.partial(function, *args, **kwargs))
