import { describe, expect, it, vi } from 'vitest'
import { followWorkflow } from './feed'

class FakeSocket {
  onopen: (() => void) | null = null
  onmessage: ((frame: { data: string }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  closed = false
  constructor(public url: string) {}
  close() {
    this.closed = true
  }
}

describe('followWorkflow', () => {
  it('reports run-level changes, ignores step transitions, reconnects, and stops', () => {
    vi.useFakeTimers()
    const sockets: FakeSocket[] = []
    const onRunChange = vi.fn()
    const stop = followWorkflow({
      workflowId: 7,
      onRunChange,
      random: () => 0,
      url: (id) => `ws://test/ws/workflows/${id}/`,
      socketFactory: (url) => {
        const socket = new FakeSocket(url)
        sockets.push(socket)
        return socket as unknown as WebSocket
      },
    })
    expect(sockets[0].url).toMatch(/\/ws\/workflows\/7\/$/)
    sockets[0].onmessage!({ data: JSON.stringify({ type: 'runs', workflow_id: 7, runs: [] }) })
    sockets[0].onmessage!({ data: JSON.stringify({ type: 'event', kind: 'step', run_id: 1, seq: 3 }) })
    sockets[0].onmessage!({ data: JSON.stringify({ type: 'event', kind: 'run', run_id: 1, seq: 4, status: 'succeeded' }) })
    expect(onRunChange).toHaveBeenCalledTimes(2)
    sockets[0].onclose!({ code: 1006 })
    vi.advanceTimersByTime(200)
    expect(sockets).toHaveLength(2)
    sockets[1].onclose!({ code: 4404 }) // not yours: no retry
    vi.advanceTimersByTime(20_000)
    expect(sockets).toHaveLength(2)
    stop()
    vi.useRealTimers()
  })
})
