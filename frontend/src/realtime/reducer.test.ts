import { describe, expect, it } from 'vitest'
import { applyEvent, applySnapshot, emptyRun } from './reducer'
import type { EventMessage } from './messages'

const event = (seq: number, kind: 'run' | 'step', status: string, node_id = '', attempt = 0): EventMessage => ({
  type: 'event', run_id: 1, workflow_id: 1, seq, kind, node_id, status, attempt, at: '2026-01-01T00:00:00Z', data: {},
})

describe('applyEvent', () => {
  it('applies events in order', () => {
    let state = emptyRun(1)
    for (const e of [event(1, 'run', 'queued'), event(2, 'step', 'queued', 'a'), event(3, 'step', 'running', 'a', 1), event(4, 'run', 'running')]) {
      state = applyEvent(state, e)!
    }
    expect(state).toEqual({ runId: 1, seq: 4, status: 'running', steps: { a: { status: 'running', attempt: 1 } } })
  })

  it('ignores a duplicate and refuses a gap', () => {
    const state = applyEvent(emptyRun(1), event(1, 'run', 'queued'))!
    expect(applyEvent(state, event(1, 'run', 'queued'))).toBe(state)
    expect(applyEvent(state, event(3, 'step', 'queued', 'a'))).toBeNull()
  })

  it('a snapshot replaces the state', () => {
    const state = applySnapshot(emptyRun(1), {
      type: 'snapshot', run_id: 1, seq: 9,
      run: { status: 'succeeded', last_seq: 9, steps: [{ node_id: 'a', status: 'succeeded', attempt: 2 }] },
    })
    expect(state).toEqual({ runId: 1, seq: 9, status: 'succeeded', steps: { a: { status: 'succeeded', attempt: 2 } } })
  })
})
