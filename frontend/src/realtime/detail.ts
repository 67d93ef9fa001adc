// A run's detail (GET /api/runs/{id}/, cached by TanStack Query) kept current by the live
// stream's events, applied in place: status, attempt and times of the run and its steps.
// What events do not carry (inputs, outputs, ports, errors) comes with one refetch when
// the run ends; a gap in the sequence numbers is healed by a refetch too
// (docs/architecture.md#live-status).
import type { RunDetail, RunStep } from '../runs/types'
import type { EventMessage, SnapshotMessage } from './messages'

const STEP_FINISHED = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'compensated'])
export const RUN_ENDED = new Set(['succeeded', 'failed', 'cancelled', 'compensated'])

const millis = (from: string | null | undefined, to: string | null | undefined): number | null =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null

/** The step as an event first shows it: what the API would say, but for its data. */
function newStep(event: EventMessage): RunStep {
  return {
    node_id: event.node_id,
    iteration: 0,
    status: event.status as RunStep['status'],
    attempt: event.attempt,
    input: null,
    output: null,
    error: null,
    ports: [],
    attempts: [],
    idempotency_key: '',
    created_at: event.at,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    reused_from_run: null, // a step created by an event of this run ran here (a reused one is in the first fetch)
  }
}

function stepAfter(step: RunStep, event: EventMessage): RunStep {
  const status = event.status
  const started_at = status === 'running' ? event.at : step.started_at
  const finished_at = STEP_FINISHED.has(status) ? event.at : null
  // Which ports a success took, only the refetch at the run's end says.
  const ports = status === 'succeeded' && step.status !== 'succeeded' ? [] : step.ports
  return { ...step, status: status as RunStep['status'], attempt: event.attempt, started_at, finished_at, ports, duration_ms: millis(started_at, finished_at) }
}

/** Apply one event to a run's detail. An event it already has (seq <= last_seq) leaves it
 * as it is (the same object); one past a gap returns null: the caller refetches. */
export function applyEventToDetail(detail: RunDetail, event: EventMessage): RunDetail | null {
  if (event.seq <= detail.last_seq) return detail
  if (event.seq !== detail.last_seq + 1) return null
  if (event.kind === 'run') {
    const started_at = event.status === 'running' && !detail.started_at ? event.at : detail.started_at
    const finished_at = RUN_ENDED.has(event.status) ? event.at : event.status === 'running' ? null : detail.finished_at
    return { ...detail, last_seq: event.seq, status: event.status as RunDetail['status'], started_at, finished_at, duration_ms: millis(started_at, finished_at) }
  }
  // The latest iteration of the node is the one its events are about.
  let at = -1
  for (let i = detail.steps.length - 1; i >= 0; i--) {
    if (detail.steps[i].node_id === event.node_id) {
      at = i
      break
    }
  }
  const steps = detail.steps.slice()
  if (at < 0) steps.push(stepAfter(newStep(event), event))
  else steps[at] = stepAfter(steps[at], event)
  return { ...detail, last_seq: event.seq, steps }
}

/** Apply events in order: the detail they make, or null at a gap. */
export function applyEventsToDetail(detail: RunDetail, events: EventMessage[]): RunDetail | null {
  let current = detail
  for (const event of events) {
    const next = applyEventToDetail(current, event)
    if (next === null) return null
    current = next
  }
  return current
}

/** What a DetailFollower reads and writes: the cached detail and its query. */
export interface DetailCache {
  get: () => RunDetail | undefined
  set: (detail: RunDetail) => void
  refetch: () => void
  fetching: () => boolean
}

/** Keeps one run's cached detail current from the stream's messages (in the order the
 * stream applied them): events wait while the detail is being fetched, then those past its
 * last_seq are applied; a gap refetches, and so does the run's end, once, for what the
 * events do not carry. */
export class DetailFollower {
  private pending: EventMessage[] = []
  private readonly cache: DetailCache

  constructor(cache: DetailCache) {
    this.cache = cache
  }

  take(messages: (EventMessage | SnapshotMessage)[]): void {
    for (const message of messages) {
      if (message.type === 'snapshot') {
        const detail = this.cache.get()
        this.pending = this.pending.filter((e) => e.seq > message.seq)
        if (!this.cache.fetching() && (!detail || message.seq > detail.last_seq)) {
          this.cache.set({ ...(message.run as unknown as RunDetail), last_seq: message.seq })
        }
      } else {
        this.pending.push(message)
      }
    }
    this.flush()
  }

  /** Apply what waits (called too when a fetch of the detail lands). */
  flush(): void {
    if (this.cache.fetching()) return
    const detail = this.cache.get()
    if (!detail) return
    const events = this.pending.filter((e) => e.seq > detail.last_seq)
    this.pending = []
    if (!events.length) return
    const next = applyEventsToDetail(detail, events)
    if (next === null) {
      // A gap: events this follower never saw. They were committed before the refetch is
      // asked, so the detail it brings has them.
      this.cache.refetch()
      return
    }
    this.cache.set(next)
    if (events.some((e) => e.kind === 'run' && RUN_ENDED.has(e.status))) this.cache.refetch()
  }
}
