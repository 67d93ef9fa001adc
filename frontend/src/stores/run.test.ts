import { describe, expect, it } from 'vitest'
import { createRunStore } from './run'
import { RunStream, type RunStreamOptions } from '../realtime/socket'
import type { EventMessage } from '../realtime/messages'

class FakeStream extends RunStream {
  options: RunStreamOptions
  constructor(options: RunStreamOptions) {
    super({ ...options, socketFactory: () => ({}) as WebSocket })
    this.options = options
  }
  start() {}
  stop() {}
}

const event = (seq: number, node_id: string, status: string, kind: 'run' | 'step' = 'step'): EventMessage => ({
  type: 'event', run_id: 3, workflow_id: 1, seq, kind, node_id, status, attempt: 1, at: '', data: {},
})

describe('run store', () => {
  it('applies the stream of a run to what the canvas shows', () => {
    const useRun = createRunStore()
    let stream: FakeStream | null = null
    useRun.getState().follow(3, (options) => (stream = new FakeStream(options)))
    const s = stream as unknown as FakeStream
    const feed = (e: EventMessage) => {
      const handlers = (s as unknown as { handlers: Record<string, (m: EventMessage) => void> }).handlers
      handlers.event(e)
    }
    feed(event(1, '', 'running', 'run'))
    feed(event(2, 'fetch', 'running'))
    feed(event(3, 'fetch', 'succeeded'))
    expect(useRun.getState().live).toEqual({ runId: 3, seq: 3, status: 'running', steps: { fetch: { status: 'succeeded', attempt: 1 } } })
    feed(event(5, 'check', 'running')) // a gap: not applied
    expect(useRun.getState().live?.seq).toBe(3)
  })
})
