// The websocket message types, defined once on this side; engine/live/messages.py defines
// them on the server and tests/engine/live/test_messages_agree.py checks the two agree.

export const SERVER_FIELDS = {
  event: ['type', 'run_id', 'workflow_id', 'seq', 'kind', 'node_id', 'status', 'attempt', 'at', 'data'],
  snapshot: ['type', 'run_id', 'seq', 'run'],
  snapshot_part: ['type', 'run_id', 'seq', 'part', 'parts', 'data'],
  runs: ['type', 'workflow_id', 'runs'],
  error: ['type', 'detail'],
} as const

export const CLIENT_FIELDS = {
  resume: ['type', 'after'],
} as const

export const CLOSE_UNAUTHENTICATED = 4401
export const CLOSE_NOT_FOUND = 4404
export const CLOSE_TOO_SLOW = 4408 // the client fell behind: reconnect with ?after=

export interface EventMessage {
  type: 'event'
  run_id: number
  workflow_id: number
  seq: number
  kind: 'run' | 'step'
  node_id: string
  status: string
  attempt: number
  at: string
  data: Record<string, unknown>
}

export interface SnapshotStep {
  node_id: string
  status: string
  attempt: number
  [field: string]: unknown
}

export interface SnapshotMessage {
  type: 'snapshot'
  run_id: number
  seq: number
  run: { status: string; last_seq: number; steps: SnapshotStep[]; [field: string]: unknown }
}

// A snapshot too big for one frame: its run's JSON text in `parts` pieces, sent in order;
// joined and parsed, they are the `run` of a SnapshotMessage.
export interface SnapshotPartMessage {
  type: 'snapshot_part'
  run_id: number
  seq: number
  part: number
  parts: number
  data: string
}

export interface RunsMessage {
  type: 'runs'
  workflow_id: number
  runs: { id: number; status: string; last_seq: number }[]
}

export interface ErrorMessage {
  type: 'error'
  detail: string
}

export type ServerMessage = EventMessage | SnapshotMessage | SnapshotPartMessage | RunsMessage | ErrorMessage

export interface ResumeMessage {
  type: 'resume'
  after: number
}
