"""Running a step's concurrent requests together, and stopping them together."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable


async def gather_all(*awaitables: Awaitable[Any]) -> list[Any]:
    """The results of `awaitables`, run concurrently, in order. When one raises (a spent budget, a model that cannot
    answer), the others are cancelled and awaited before the error propagates: no request of an abandoned step goes
    on in the background."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
