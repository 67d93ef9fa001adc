import { describe, expect, it, vi } from 'vitest'
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
    useRun.getState().flush() // what the next frame would apply
    expect(useRun.getState().live).toEqual({ runId: 3, seq: 3, status: 'running', steps: { fetch: { status: 'succeeded', attempt: 1 } } })
    feed(event(5, 'check', 'running')) // a gap: not applied
    useRun.getState().flush()
    expect(useRun.getState().live?.seq).toBe(3)
  })

  it('applies a burst of pushes once, handing its listeners the messages in order', () => {
    vi.useFakeTimers()
    const useRun = createRunStore()
    let stream: FakeStream | null = null
    useRun.getState().follow(3, (options) => (stream = new FakeStream(options)))
    const handlers = (stream as unknown as { handlers: Record<string, (m: EventMessage) => void> }).handlers
    const heard: number[][] = []
    const stop = useRun.getState().listen((messages) => heard.push(messages.map((m) => m.seq)))
    let renders = 0
    useRun.subscribe(() => renders++)
    for (let seq = 1; seq <= 50; seq++) handlers.event(event(seq, `n${seq}`, 'queued'))
    expect(renders).toBe(0) // nothing yet: the frame has not come
    vi.advanceTimersByTime(300)
    expect(renders).toBe(1)
    expect(useRun.getState().live?.seq).toBe(50)
    expect(heard).toEqual([Array.from({ length: 50 }, (_, i) => i + 1)])
    stop()
    handlers.event(event(51, 'x', 'queued'))
    vi.advanceTimersByTime(300)
    expect(heard).toHaveLength(1)
    vi.useRealTimers()
  })
})
