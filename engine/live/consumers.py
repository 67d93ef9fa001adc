"""The live-status consumers. They only read and relay: the RunEvent log is the truth and
the channel layer a doorbell. A run consumer keeps `last_sent`: an event it already sent
is dropped, the next one is sent, and a gap (a message the layer dropped, or a client that
asked again) is filled from the database, or answered with a snapshot when too long. A slow
poll also repairs a dropped last message.

One task per connection writes to the client (`_Streamed._send_loop`); the handlers only
note what is to be sent and wake it, so none of them waits on a slow client. Before each
frame the writer waits while more than STEPWISE_LIVE_PENDING_BYTES wait in the server for
this client (engine/live/flow.py), and closes it with 4408 when they do not drain within
STEPWISE_LIVE_SLOW_CLOSE_S. What waits meanwhile is bounded too: layer messages up to
INBOX events (past that the log repairs), a client's resumes merged into one (the least
`after`), answered at most once per STEPWISE_LIVE_RESUME_MIN_S, one error reply."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from core.logging import get_logger
from engine.live import messages as m
from engine.live.flow import PENDING_BYTES, Probe
from engine.live.publish import publisher, run_group, workflow_group
from monitoring import metrics

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = get_logger(__name__)

INBOX = 1000  # layer events a connection keeps while its writer is busy
DRAIN_CHECK_S = 0.02


class _TooSlowError(Exception):
    pass


class _Owned(AsyncJsonWebsocketConsumer):
    stream = "run"
    _counted = False  # whether this connection is in stepwise_websocket_connections

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        if not self._counted:
            self._counted = True
            metrics.websocket_opened(self.stream)

    async def websocket_disconnect(self, message: Any) -> None:
        if self._counted:
            self._counted = False
            metrics.websocket_closed(self.stream)
        await super().websocket_disconnect(message)

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


class _Streamed(_Owned):
    """The one writer of a connection, with flow control; subclasses implement `_write`,
    one round of sending what is due."""

    error_detail = ""

    def _start_writer(self) -> None:
        self.wake = asyncio.Event()
        self.error_due = False
        self.inbox: list[dict[str, Any]] = []
        self.overflowed = False
        self.writer = asyncio.create_task(self._send_loop())
        self.wake.set()

    def _stop_writer(self) -> None:
        writer = getattr(self, "writer", None)
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        if len(self.inbox) + len(events) > INBOX:
            self.inbox, self.overflowed = [], True
        else:
            self.inbox.extend(events)
        self.wake.set()

    def _reply_error(self) -> None:
        self.error_due = True  # however many bad messages, one reply waits
        self.wake.set()

    async def _send_loop(self) -> None:
        try:
            while True:
                await self._wait_for_work()
                self.wake.clear()
                if self.error_due:
                    self.error_due = False
                    await self._frame({"type": m.ERROR, "detail": self.error_detail})
                await self._write()
        except _TooSlowError:
            logger.info("live stream client too slow, closing", path=self.scope.get("path"))
            await self.close(code=m.CLOSE_TOO_SLOW, reason="too slow: the client did not read what was sent")
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live stream failed", path=self.scope.get("path"))
            await self.close(code=1011)

    async def _wait_for_work(self) -> None:
        await self.wake.wait()

    async def _frame(self, content: dict[str, Any]) -> None:
        """Send one frame once what waits for the client is under the bound."""
        probe: Probe | None = self.scope.get(PENDING_BYTES)  # type: ignore[assignment]
        if probe is not None and probe() > settings.STEPWISE_LIVE_PENDING_BYTES:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + settings.STEPWISE_LIVE_SLOW_CLOSE_S
            while probe() > settings.STEPWISE_LIVE_PENDING_BYTES:
                if loop.time() >= deadline:
                    raise _TooSlowError
                await asyncio.sleep(DRAIN_CHECK_S)
        await self.send_json(content)

    async def _write(self) -> None:
        raise NotImplementedError


class RunConsumer(_Streamed):
    """ws/runs/<run_id>/?after=SEQ: the run's events after SEQ, then live."""

    error_detail = 'Send {"type": "resume", "after": SEQ} with SEQ >= 0.'

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
        self.resume_from: int | None = after if after is not None else 0
        self.last_resume = float("-inf")
        loop = asyncio.get_running_loop()
        self.next_poll = loop.time() + settings.STEPWISE_LIVE_POLL_S
        await self.channel_layer.group_add(run_group(self.run_id), self.channel_name)
        await self.accept()
        self._start_writer()

    async def disconnect(self, code: int) -> None:
        self._stop_writer()
        if hasattr(self, "run_id"):
            await self.channel_layer.group_discard(run_group(self.run_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        after = content.get("after") if isinstance(content, dict) else None
        if not isinstance(content, dict) or content.get("type") != m.RESUME or not isinstance(after, int) or after < 0:
            return self._reply_error()
        # The client lost what came after: send it again (once for any number of resumes).
        self.resume_from = after if self.resume_from is None else min(self.resume_from, after)
        self.wake.set()

    async def run_events(self, message: dict[str, Any]) -> None:
        self._deliver(message["events"])

    async def _wait_for_work(self) -> None:
        """Until woken, or the poll is due."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=max(0.0, self.next_poll - loop.time()))

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        if self.resume_from is not None:
            wait = self.last_resume + settings.STEPWISE_LIVE_RESUME_MIN_S - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # resumes arriving meanwhile are merged into this one
            self.last_sent, self.resume_from = self.resume_from, None
            self.last_resume = loop.time()
            self.inbox, self.overflowed = [], False  # the replay reads the log, which has them
            await self._replay()
        events, self.inbox = self.inbox, []
        if self.overflowed:
            self.overflowed = False
            await self._replay()
        for event in events:
            if event["seq"] == self.last_sent + 1:
                await self._frame(event)
                self.last_sent = event["seq"]
            elif event["seq"] > self.last_sent + 1:  # a gap: read the log
                await self._replay()
        if loop.time() >= self.next_poll:
            self.next_poll = loop.time() + settings.STEPWISE_LIVE_POLL_S
            if await _last_seq(self.run_id) > self.last_sent:
                await self._replay()

    async def _replay(self) -> None:
        limit = settings.STEPWISE_LIVE_SNAPSHOT_AFTER
        events, last_seq = await _events_after(self.run_id, self.last_sent, limit)
        if last_seq - self.last_sent > limit:
            run, seq = await _snapshot(self.run_id)
            for frame in m.snapshot_frames(self.run_id, seq, run, settings.STEPWISE_LIVE_FRAME_BYTES):
                await self._frame(frame)
            self.last_sent = seq
            return
        for event in events:
            if event.seq == self.last_sent + 1:
                await self._frame(m.event_message(event, self.workflow_id))
                self.last_sent = event.seq


class WorkflowConsumer(_Streamed):
    """ws/workflows/<workflow_id>/: the most recent runs on connect, then every event of
    every run of the workflow, live (for lists; a run's exact state is the run stream's).
    It cannot repair from a log: a client too slow for INBOX events is closed (4408) and
    reconnects to the list."""

    error_detail = "This stream takes no messages."
    stream = "workflow"

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
        self.runs: list[dict[str, Any]] | None = runs
        self._start_writer()

    async def disconnect(self, code: int) -> None:
        self._stop_writer()
        if hasattr(self, "workflow_id"):
            await self.channel_layer.group_discard(workflow_group(self.workflow_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        self._reply_error()

    async def run_events(self, message: dict[str, Any]) -> None:
        self._deliver(message["events"])

    async def _write(self) -> None:
        if self.runs is not None:
            runs, self.runs = self.runs, None
            await self._frame({"type": m.RUNS, "workflow_id": self.workflow_id, "runs": runs})
        if self.overflowed:
            raise _TooSlowError
        events, self.inbox = self.inbox, []
        for event in events:
            await self._frame(event)


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
