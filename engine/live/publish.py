"""Publishing after commit, from whatever process committed: the web process, an in-process
worker thread or a Celery worker. The commit hook only schedules the send on an event loop
of this process, so a step's commit never waits for the channel layer. Losing a message
is allowed: consumers repair gaps from the RunEvent log."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from core.logging import get_logger
from engine.live.messages import event_message
from engine.store.events import note_workflow, workflow_of
from engine.store.models import Run
from monitoring import metrics

logger = get_logger(__name__)


def run_group(run_id: int) -> str:
    return f"run.{run_id}"


def workflow_group(workflow_id: int) -> str:
    return f"workflow.{workflow_id}"


class Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._home: asyncio.AbstractEventLoop | None = None  # the server's loop (in-memory layer)
        self._locks: dict[int, asyncio.Lock] = {}

    def serve_from(self, loop: asyncio.AbstractEventLoop) -> None:
        """The in-memory layer lives in the server's event loop: sends must run there."""
        self._home = loop

    def _target(self) -> asyncio.AbstractEventLoop | None:
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            home = self._home
            return home if home is not None and home.is_running() else None  # nobody can be listening yet
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # a forked Celery child needs its own
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, daemon=True, name="stepwise-publisher").start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def _workflow_of(self, run_id: int) -> int:
        """The run's workflow: from the store's cache (the writer noted it), else read once
        and noted there."""
        workflow_id = workflow_of(run_id)
        if workflow_id is None:
            workflow_id = Run.objects.values_list("workflow_id", flat=True).get(pk=run_id)
            note_workflow(run_id, workflow_id)
        return workflow_id

    def __call__(self, events: list[Any]) -> None:
        target = self._target()
        if target is None:
            return
        by_run: dict[int, list[dict[str, Any]]] = {}
        for event in events:
            by_run.setdefault(event.run_id, []).append(event_message(event, self._workflow_of(event.run_id)))
        asyncio.run_coroutine_threadsafe(self._send(by_run), target)

    async def _send(self, by_run: dict[int, list[dict[str, Any]]]) -> None:
        # One send at a time, in the order the commits scheduled them (the lock wakes its
        # waiters first come, first served): a stream sees one process's events in order.
        lock = self._locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())
        async with lock:
            await self._send_locked(by_run)

    async def _send_locked(self, by_run: dict[int, list[dict[str, Any]]]) -> None:
        layer = get_channel_layer()
        if layer is None:  # no CHANNEL_LAYERS configured: no one to publish to
            logger.warning("no channel layer: events not published", run_ids=sorted(by_run))
            return
        for run_id, messages in by_run.items():
            payload = {"type": "run.events", "events": messages}
            try:
                for group in await _listened(layer, [run_group(run_id), workflow_group(messages[0]["workflow_id"])]):
                    await layer.group_send(group, payload)
            except Exception:  # a full channel, a broker hiccup: consumers repair from the log
                metrics.broker_error("publish")
                logger.warning("could not publish events", run_id=run_id, exc_info=True)


async def _listened(layer: Any, groups: list[str]) -> list[str]:
    """Those of `groups` that may have members. On channels-redis, one pipelined round trip
    counts the members of all of them (a group_send to an empty group costs two round trips
    of its own, and most runs have nobody watching); a group with an expired member counts
    as listened, and its group_send clears it. Elsewhere, every group."""
    key_of = getattr(layer, "_group_key", None)
    if key_of is None or not hasattr(layer, "consistent_hash") or not hasattr(layer, "connection"):
        return groups
    shards = {layer.consistent_hash(group) for group in groups}
    if len(shards) != 1:
        return groups
    pipe = layer.connection(shards.pop()).pipeline(transaction=False)
    for group in groups:
        pipe.zcard(key_of(group))
    counts = await pipe.execute()
    return [group for group, count in zip(groups, counts, strict=True) if count]


publisher = Publisher()
