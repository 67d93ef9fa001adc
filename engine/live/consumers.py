"""The live-status consumers. They only read and relay: the RunEvent log is the truth and
the channel layer a doorbell. A run consumer keeps `last_sent`: an event it already sent
is dropped, the next one is sent, and a gap (a message the layer dropped, or a client that
asked again) is filled from the database, or answered with a snapshot when too long. A slow
poll also repairs a dropped last message."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from engine.live import messages as m
from engine.live.publish import publisher, run_group, workflow_group

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class _Owned(AsyncJsonWebsocketConsumer):
    async def _refuse(self, code: int) -> None:
        await self.accept()  # accept-then-close, so the client sees the code
        await self.close(code=code)

    def _user(self) -> AbstractBaseUser | None:
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    def _query_int(self, name: str) -> int | None:
        values = parse_qs(self.scope.get("query_string", b"").decode()).get(name)
        if not values:
            return 0
        try:
            value = int(values[0])
        except ValueError:
            return None
        return value if value >= 0 else None


class RunConsumer(_Owned):
    """ws/runs/<run_id>/?after=SEQ: the run's events after SEQ, then live."""

    async def connect(self) -> None:
        publisher.serve_from(asyncio.get_running_loop())
        user = self._user()
        if user is None:
            return await self._refuse(m.CLOSE_UNAUTHENTICATED)
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        workflow_id = await _owned_run(user.pk, self.run_id)
        if workflow_id is None:
            return await self._refuse(m.CLOSE_NOT_FOUND)
        self.workflow_id = workflow_id
        after = self._query_int("after")
        self.last_sent = 0
        self.lock = asyncio.Lock()
        await self.channel_layer.group_add(run_group(self.run_id), self.channel_name)
        await self.accept()
        await self._catch_up(after if after is not None else 0)
        self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code: int) -> None:
        poller = getattr(self, "poller", None)
        if poller is not None:
            poller.cancel()
        if hasattr(self, "run_id"):
            await self.channel_layer.group_discard(run_group(self.run_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        after = content.get("after") if isinstance(content, dict) else None
        if not isinstance(content, dict) or content.get("type") != m.RESUME or not isinstance(after, int) or after < 0:
            await self.send_json({"type": m.ERROR, "detail": 'Send {"type": "resume", "after": SEQ} with SEQ >= 0.'})
            return
        await self._catch_up(after)  # the client lost what came after: send it again

    async def run_events(self, message: dict[str, Any]) -> None:
        """From the layer: send what follows `last_sent` directly; on a gap, read the log."""
        async with self.lock:
            for event in message["events"]:
                if event["seq"] == self.last_sent + 1:
                    await self.send_json(event)
                    self.last_sent = event["seq"]
                elif event["seq"] > self.last_sent + 1:
                    await self._replay_locked()
                    break

    async def _catch_up(self, after: int) -> None:
        async with self.lock:
            self.last_sent = after
            await self._replay_locked()

    async def _replay_locked(self) -> None:
        limit = settings.STEPWISE_LIVE_SNAPSHOT_AFTER
        events, last_seq = await _events_after(self.run_id, self.last_sent, limit)
        if last_seq - self.last_sent > limit:
            run, seq = await _snapshot(self.run_id)
            await self.send_json({"type": m.SNAPSHOT, "run_id": self.run_id, "seq": seq, "run": run})
            self.last_sent = seq
            return
        for event in events:
            if event.seq == self.last_sent + 1:
                await self.send_json(m.event_message(event, self.workflow_id))
                self.last_sent = event.seq

    async def _poll(self) -> None:
        interval = settings.STEPWISE_LIVE_POLL_S
        while True:
            await asyncio.sleep(interval)
            if await _last_seq(self.run_id) > self.last_sent:
                async with self.lock:
                    await self._replay_locked()


class WorkflowConsumer(_Owned):
    """ws/workflows/<workflow_id>/: the most recent runs on connect, then every event of
    every run of the workflow, live (for lists; a run's exact state is the run stream's)."""

    async def connect(self) -> None:
        publisher.serve_from(asyncio.get_running_loop())
        user = self._user()
        if user is None:
            return await self._refuse(m.CLOSE_UNAUTHENTICATED)
        self.workflow_id = int(self.scope["url_route"]["kwargs"]["workflow_id"])
        runs = await _recent_runs(user.pk, self.workflow_id)
        if runs is None:
            return await self._refuse(m.CLOSE_NOT_FOUND)
        await self.channel_layer.group_add(workflow_group(self.workflow_id), self.channel_name)
        await self.accept()
        await self.send_json({"type": m.RUNS, "workflow_id": self.workflow_id, "runs": runs})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "workflow_id"):
            await self.channel_layer.group_discard(workflow_group(self.workflow_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"type": m.ERROR, "detail": "This stream takes no messages."})

    async def run_events(self, message: dict[str, Any]) -> None:
        for event in message["events"]:
            await self.send_json(event)


@database_sync_to_async
def _owned_run(user_id: int, run_id: int) -> int | None:
    from engine.store.models import Run

    row = Run.objects.filter(pk=run_id, owner_id=user_id).values_list("workflow_id", flat=True).first()
    return int(row) if row is not None else None


@database_sync_to_async
def _events_after(run_id: int, after: int, limit: int) -> tuple[list[Any], int]:
    from engine.store.models import Run, RunEvent

    last_seq = Run.objects.values_list("last_seq", flat=True).get(pk=run_id)
    if last_seq - after > limit:
        return [], last_seq
    return list(RunEvent.objects.filter(run_id=run_id, seq__gt=after).order_by("seq")), last_seq


@database_sync_to_async
def _last_seq(run_id: int) -> int:
    from engine.store.models import Run

    return int(Run.objects.values_list("last_seq", flat=True).get(pk=run_id))


@database_sync_to_async
def _snapshot(run_id: int) -> tuple[dict[str, Any], int]:
    from django.db import transaction

    from engine.serializers import RunDetailSerializer
    from engine.store.models import Run

    with transaction.atomic():  # the steps and last_seq read together
        run = Run.objects.select_related("workflow", "version", "parent_step").prefetch_related("steps").get(pk=run_id)
        return dict(RunDetailSerializer(run).data), run.last_seq


@database_sync_to_async
def _recent_runs(user_id: int, workflow_id: int) -> list[dict[str, Any]] | None:
    from designer.models import Workflow
    from engine.store.models import Run

    if not Workflow.objects.filter(pk=workflow_id, owner_id=user_id).exists():
        return None
    rows = Run.objects.filter(workflow_id=workflow_id).order_by("-created_at", "-id").values("id", "status", "last_seq")[:20]
    return [dict(r) for r in rows]
