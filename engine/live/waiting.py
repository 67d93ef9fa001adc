"""Waiting for a run on its channel group. A caller that waits for a run to end (a webhook
in wait mode) joins the run's group with a channel of its own and hears the run's events as
the websocket consumers do, instead of polling the database. As for the consumers, the
layer is a doorbell and the database the truth: the caller reads the run after joining (it
may have ended before) and after a ring (docs/architecture.md#waiting-for-a-run)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from channels.layers import get_channel_layer

from core.logging import get_logger
from engine.live.publish import publisher, run_group
from engine.store.statuses import RUN_TERMINAL

logger = get_logger(__name__)

# While the layer cannot be reached, a bell falls back to a read this often.
DEAF_POLL_S = 0.5


class RunBell:
    """A private channel in one run's group."""

    def __init__(self, layer: Any, channel: str | None) -> None:
        self._layer = layer
        self._channel = channel
        self.hearing = channel is not None

    async def ring(self, timeout: float) -> list[dict[str, Any]] | None:
        """The events of the next message sent to the run's group, or None when `timeout`
        seconds passed first (or the layer failed: the caller reads the database then)."""
        if not self.hearing or self._channel is None:
            await asyncio.sleep(min(timeout, DEAF_POLL_S))
            return None
        try:
            message = await asyncio.wait_for(self._layer.receive(self._channel), timeout)
        except TimeoutError:
            return None
        except Exception:  # a broker hiccup: read the database at the fallback pace from now on
            logger.warning("the channel layer failed while waiting for a run", exc_info=True)
            self.hearing = False
            return None
        events = message.get("events") if isinstance(message, dict) else None
        return list(events) if isinstance(events, list) else []


@asynccontextmanager
async def run_bell(run_id: int) -> AsyncIterator[RunBell]:
    """A bell for `run_id`'s events while the block runs; the group is left on the way out."""
    publisher.serve_from(asyncio.get_running_loop())  # the in-memory layer sends in this loop
    layer = get_channel_layer()
    group = run_group(run_id)
    channel: str | None = None
    try:
        if layer is not None:
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
    except Exception:
        logger.warning("could not join the group; waiting by reading the database", group=group, exc_info=True)
        channel = None
    try:
        yield RunBell(layer, channel)
    finally:
        if layer is not None and channel is not None:
            try:
                await layer.group_discard(group, channel)
            except Exception:  # the group expires on its own
                logger.warning("could not leave the group", group=group, exc_info=True)


def ends_run(events: Iterable[dict[str, Any]]) -> bool:
    """Whether these events include the run reaching a terminal status."""
    return any(e.get("kind") == "run" and e.get("status") in RUN_TERMINAL for e in events)
