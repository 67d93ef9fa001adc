// The live run state the canvas shows, built from the stream: the one reducer used by the
// run view and by the stream-consistency test.
import type { EventMessage, SnapshotMessage } from './messages'

export interface LiveStep {
  status: string
  attempt: number
}

export interface LiveRun {
  runId: number
  seq: number
  status: string | null
  steps: Record<string, LiveStep>
}

export function emptyRun(runId: number): LiveRun {
  return { runId, seq: 0, status: null, steps: {} }
}

/** Apply one event. Events must come in seq order: an old one is ignored; one past a gap
 * is refused (returns null) so the caller asks the server again. */
export function applyEvent(state: LiveRun, event: EventMessage): LiveRun | null {
  if (event.seq <= state.seq) return state
  if (event.seq !== state.seq + 1) return null
  if (event.kind === 'run') {
    return { ...state, seq: event.seq, status: event.status }
  }
  return {
    ...state,
    seq: event.seq,
    steps: { ...state.steps, [event.node_id]: { status: event.status, attempt: event.attempt } },
  }
}

/** Replace the state by a snapshot (the server sends one past a long gap). */
export function applySnapshot(state: LiveRun, snapshot: SnapshotMessage): LiveRun {
  const steps: Record<string, LiveStep> = {}
  for (const step of snapshot.run.steps) steps[step.node_id] = { status: step.status, attempt: step.attempt }
  return { runId: state.runId, seq: snapshot.seq, status: snapshot.run.status, steps }
}
