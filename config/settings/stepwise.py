"""Stepwise's own limits and knobs."""

from __future__ import annotations

from config.env import env_float, env_int, env_list

# Graph size limits: a graph over them is refused (413) with the problem named.
STEPWISE_MAX_NODES = env_int("STEPWISE_MAX_NODES", 2000, minimum=1)
STEPWISE_MAX_EDGES = env_int("STEPWISE_MAX_EDGES", 5000, minimum=1)
# Largest request body accepted by the API, in bytes (413 past it).
STEPWISE_MAX_BODY_BYTES = env_int("STEPWISE_MAX_BODY_BYTES", 5 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = STEPWISE_MAX_BODY_BYTES
# Longest JSONata expression accepted inside {{ }}.
STEPWISE_MAX_EXPRESSION_CHARS = env_int("STEPWISE_MAX_EXPRESSION_CHARS", 10_000, minimum=10)
# A workflow's pinned data (the editor's, never a run's), all nodes together, as JSON bytes:
# a draft over it is refused (413) with the node named.
STEPWISE_MAX_PINNED_BYTES = env_int("STEPWISE_MAX_PINNED_BYTES", 1_048_576, minimum=1024)

# Networks the HTTP node may reach although they are not public (CIDRs, comma-separated).
# Empty by default: loopback, private, link-local and metadata addresses are refused.
STEPWISE_HTTP_ALLOWED_NETWORKS = env_list("STEPWISE_HTTP_ALLOWED_NETWORKS", [])
# DNS servers the HTTP node asks for names (`host`, `host:port` or `[v6]:port`,
# comma-separated), each query within the step's deadline. Empty by default: the system's
# resolver (/etc/hosts, resolv.conf), waited for within the deadline on a thread of its own.
STEPWISE_HTTP_NAMESERVERS = env_list("STEPWISE_HTTP_NAMESERVERS", [])
# Largest output a step may record, in bytes.
STEPWISE_MAX_OUTPUT_BYTES = env_int("STEPWISE_MAX_OUTPUT_BYTES", 1_048_576, minimum=1024)
# Threads that run steps in the embedded (in-process) mode.
STEPWISE_INPROCESS_WORKERS = env_int("STEPWISE_INPROCESS_WORKERS", 8, minimum=1)
# Default step timeout. A worker running a step holds a lease on it that its heartbeat
# renews every third of STEPWISE_LEASE_S; a worker that dies loses it within that time and
# the step runs again elsewhere. A step running past its timeout + STEPWISE_LEASE_GRACE_S
# is no longer renewed (a stuck worker loses it too).
STEPWISE_DEFAULT_TIMEOUT_S = env_int("STEPWISE_DEFAULT_TIMEOUT_S", 300, minimum=1)
STEPWISE_LEASE_S = env_float("STEPWISE_LEASE_S", 15.0, minimum=0.5)
STEPWISE_LEASE_GRACE_S = env_int("STEPWISE_LEASE_GRACE_S", 30, minimum=1)
# Pure steps (noop, join, condition, switch, transform) run inline under their run's lock:
# at most this many, for at most this long, per transaction (0 steps: never inline).
STEPWISE_INLINE_MAX_STEPS = env_int("STEPWISE_INLINE_MAX_STEPS", 1000, minimum=0)
STEPWISE_INLINE_BUDGET_MS = env_int("STEPWISE_INLINE_BUDGET_MS", 100, minimum=1)
# Expressions (docs/architecture.md#expressions): one that is not cheap by construction
# runs in an evaluator process, stopped past this wall-clock time, CPU time or memory.
STEPWISE_EXPRESSION_TIMEOUT_MS = env_int("STEPWISE_EXPRESSION_TIMEOUT_MS", 1000, minimum=10)
STEPWISE_EXPRESSION_CPU_S = env_float("STEPWISE_EXPRESSION_CPU_S", 1.0, minimum=0.1)
STEPWISE_EXPRESSION_MEMORY_MB = env_int("STEPWISE_EXPRESSION_MEMORY_MB", 256, minimum=32)
# How deep sub-workflows may nest.
STEPWISE_MAX_RUN_DEPTH = env_int("STEPWISE_MAX_RUN_DEPTH", 5, minimum=1)
# How many runs one run tree may hold: a top-level run and every run it starts through
# workflow.call and map, at any depth (a map calling its own workflow grows as items^depth).
STEPWISE_MAX_RUNS_PER_ROOT = env_int("STEPWISE_MAX_RUNS_PER_ROOT", 1000, minimum=1)
# How many runs a user may have in flight (not finished); past it a start (API, webhook,
# schedule) is refused with 429. 0: no limit.
STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER = env_int("STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER", 1000, minimum=0)
# A queued step whose broker message was not picked up within this time is sent again
# (a lost message, a broker restarted without persistence).
STEPWISE_REDISPATCH_AFTER_S = env_int("STEPWISE_REDISPATCH_AFTER_S", 30, minimum=1)

# Timers (retries, waits, approval timeouts) are delivered at their time by the dispatcher
# (Celery's countdown, or the embedded mode's timer thread) when due within the horizon;
# the tick arms longer ones when they are this close, and fires any that is due.
STEPWISE_TIMER_HORIZON_S = env_int("STEPWISE_TIMER_HORIZON_S", 600, minimum=0)
STEPWISE_TIMER_LOOKAHEAD_S = env_float("STEPWISE_TIMER_LOOKAHEAD_S", 3.0, minimum=0.5)

# Live status: how often a websocket consumer checks the run's log for events the channel
# layer dropped, and past how many missed events a reconnecting client gets a snapshot.
STEPWISE_LIVE_POLL_S = env_float("STEPWISE_LIVE_POLL_S", 2.0, minimum=0.05)
STEPWISE_LIVE_SNAPSHOT_AFTER = env_int("STEPWISE_LIVE_SNAPSHOT_AFTER", 500, minimum=1)
# Flow control: a websocket consumer writes nothing more while this many bytes wait in the
# server for its client, and closes it (4408) when they have not drained in the given time;
# resumes closer together than the interval are answered once (engine/live/consumers.py).
STEPWISE_LIVE_PENDING_BYTES = env_int("STEPWISE_LIVE_PENDING_BYTES", 1_048_576, minimum=65_536)
STEPWISE_LIVE_SLOW_CLOSE_S = env_float("STEPWISE_LIVE_SLOW_CLOSE_S", 20.0, minimum=0.1)
STEPWISE_LIVE_RESUME_MIN_S = env_float("STEPWISE_LIVE_RESUME_MIN_S", 0.5, minimum=0.0)
# The largest websocket frame a consumer sends; a snapshot over it goes in parts. Daphne
# refuses to send a message over its --websocket-max-message-size (1 MiB by default).
STEPWISE_LIVE_FRAME_BYTES = env_int("STEPWISE_LIVE_FRAME_BYTES", 524_288, minimum=4096)
# Run retention (manage.py prune_runs): finished runs older than this many days, and beyond
# the newest N of each workflow, are deleted. 0 turns a limit off. Runs in progress stay.
STEPWISE_RUN_RETENTION_DAYS = env_int("STEPWISE_RUN_RETENTION_DAYS", 90, minimum=0)
STEPWISE_RUN_RETENTION_PER_WORKFLOW = env_int("STEPWISE_RUN_RETENTION_PER_WORKFLOW", 0, minimum=0)
# Schedules: a slot that fires later than this after its time (the server was down) is a
# misfire, handled by the trigger's policy (skip, or one catch-up run).
STEPWISE_SCHEDULE_GRACE_S = env_int("STEPWISE_SCHEDULE_GRACE_S", 60, minimum=1)
# Webhooks: how long the replaced secret stays valid after a rotation, and the longest a
# caller may wait for the run's result (?wait= or response mode "wait").
STEPWISE_WEBHOOK_ROTATION_GRACE_S = env_int("STEPWISE_WEBHOOK_ROTATION_GRACE_S", 24 * 3600, minimum=0)
STEPWISE_WEBHOOK_MAX_WAIT_S = env_int("STEPWISE_WEBHOOK_MAX_WAIT_S", 300, minimum=1)
# A signed hook's calls whose signature did not verify, per minute: from one address, and
# from all addresses together. Past either, such a call gets 429 instead of 401 (counted in
# each web process's memory; a verified call is never refused by them).
STEPWISE_WEBHOOK_UNVERIFIED_PER_ADDRESS = env_int("STEPWISE_WEBHOOK_UNVERIFIED_PER_ADDRESS", 30, minimum=1)
STEPWISE_WEBHOOK_UNVERIFIED_PER_HOOK = env_int("STEPWISE_WEBHOOK_UNVERIFIED_PER_HOOK", 600, minimum=1)
