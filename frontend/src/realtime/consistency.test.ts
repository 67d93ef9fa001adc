// The stream-consistency check (docs/architecture.md#replay), driven by
// tests/engine/live/test_stream_consistency.py: for each recorded case, the frames streamed
// for a run, applied with the canvas's reducer, must equal the run as the API returns it.
// Without STREAM_CASES (a plain `npm test`) there is nothing to check.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { applyEvent, applySnapshot, emptyRun, type LiveRun } from './reducer'
import type { ServerMessage } from './messages'

interface Case {
  name: string
  frames: ServerMessage[]
  api: { id: number; status: string; last_seq: number; steps: { node_id: string; status: string; attempt: number }[] }
}

const path = process.env.STREAM_CASES
const cases: Case[] = path ? JSON.parse(readFileSync(path, 'utf8')) : []

describe.runIf(cases.length > 0)('stream consistency', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let state: LiveRun = emptyRun(c.api.id)
    for (const frame of c.frames) {
      if (frame.type === 'event') {
        const next = applyEvent(state, frame)
        expect(next, `gap before seq ${frame.seq}`).not.toBeNull()
        state = next!
      } else if (frame.type === 'snapshot') {
        state = applySnapshot(state, frame)
      }
    }
    const steps = Object.fromEntries(c.api.steps.map((s) => [s.node_id, { status: s.status, attempt: s.attempt }]))
    expect(state).toEqual({ runId: c.api.id, seq: c.api.last_seq, status: c.api.status, steps })
  })
})
