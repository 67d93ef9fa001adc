import { describe, expect, it, vi } from 'vitest'
import { backoffMs, RunStream } from './socket'
import type { EventMessage } from './messages'

class FakeSocket {
  static all: FakeSocket[] = []
  readyState = 1
  sent: string[] = []
  onopen: (() => void) | null = null
  onmessage: ((frame: { data: string }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  constructor(public url: string) { FakeSocket.all.push(this) }
  send(data: string) { this.sent.push(data) }
  close() { this.onclose?.({ code: 1000 }) }
  push(message: unknown) { this.onmessage?.({ data: JSON.stringify(message) }) }
}

const event = (seq: number, node_id: string, status: string): EventMessage => ({
  type: 'event', run_id: 7, workflow_id: 1, seq, kind: 'step', node_id, status, attempt: 1, at: '', data: {},
})

function stream(onFatal?: (code: number) => void) {
  FakeSocket.all = []
  const changes: number[] = []
  const s = new RunStream({
    runId: 7,
    url: (runId, after) => `ws://x/ws/runs/${runId}/?after=${after}`,
    socketFactory: (url) => new FakeSocket(url) as unknown as WebSocket,
    onChange: (state) => changes.push(state.seq),
    onFatal,
    random: () => 0.5,
  })
  s.start()
  return { s, changes }
}

describe('RunStream', () => {
  it('resumes from the last applied seq after a drop, with backoff', () => {
    vi.useFakeTimers()
    const { s } = stream()
    FakeSocket.all[0].onopen?.()
    FakeSocket.all[0].push(event(1, 'a', 'queued'))
    FakeSocket.all[0].push(event(2, 'a', 'running'))
    FakeSocket.all[0].onclose?.({ code: 1006 })
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all).toHaveLength(2)
    expect(FakeSocket.all[1].url).toBe('ws://x/ws/runs/7/?after=2')
    FakeSocket.all[1].push(event(2, 'a', 'running')) // a duplicate: ignored
    FakeSocket.all[1].push(event(3, 'a', 'succeeded'))
    expect(s.state.steps.a).toEqual({ status: 'succeeded', attempt: 1 })
    expect(s.state.seq).toBe(3)
    s.stop()
    vi.useRealTimers()
  })

  it('asks again on a gap and does not apply past it', () => {
    const { s } = stream()
    FakeSocket.all[0].push(event(1, 'a', 'queued'))
    FakeSocket.all[0].push(event(3, 'a', 'succeeded'))
    expect(s.state.seq).toBe(1)
    expect(FakeSocket.all[0].sent.map((m) => JSON.parse(m))).toEqual([{ type: 'resume', after: 1 }])
    s.stop()
  })

  it('joins a snapshot sent in parts, then applies what follows it', () => {
    const { s, changes } = stream()
    const run = { status: 'running', last_seq: 9, steps: [{ node_id: 'a', status: 'succeeded', attempt: 1, output: 'x"\\é'.repeat(50) }] }
    const text = JSON.stringify(run)
    const cut = [text.slice(0, 40), text.slice(40, 120), text.slice(120)]
    cut.forEach((data, part) => {
      FakeSocket.all[0].push({ type: 'snapshot_part', run_id: 7, seq: 9, part, parts: cut.length, data })
      if (part < cut.length - 1) expect(changes).toEqual([]) // nothing applied before the last part
    })
    expect(s.state.seq).toBe(9)
    expect(s.state.steps.a).toEqual({ status: 'succeeded', attempt: 1 })
    FakeSocket.all[0].push(event(10, 'b', 'queued'))
    expect(s.state.seq).toBe(10)
    expect(changes).toEqual([9, 10])
    s.stop()
  })

  it('drops a snapshot whose parts do not follow each other', () => {
    const { s, changes } = stream()
    const text = JSON.stringify({ status: 'running', last_seq: 4, steps: [] })
    FakeSocket.all[0].push({ type: 'snapshot_part', run_id: 7, seq: 4, part: 0, parts: 3, data: text.slice(0, 10) })
    FakeSocket.all[0].push({ type: 'snapshot_part', run_id: 7, seq: 4, part: 2, parts: 3, data: text.slice(20) })
    FakeSocket.all[0].push({ type: 'snapshot_part', run_id: 7, seq: 5, part: 1, parts: 2, data: text.slice(10, 20) })
    expect(changes).toEqual([])
    expect(s.state.seq).toBe(0)
    s.stop()
  })

  it('stops for good when refused', () => {
    const fatal: number[] = []
    stream((code) => fatal.push(code))
    FakeSocket.all[0].onclose?.({ code: 4404 })
    expect(fatal).toEqual([4404])
  })

  it('jitters its backoff within [ceiling/2, ceiling] and caps it', () => {
    expect(backoffMs(0, 250, 10_000, () => 0)).toBe(125)
    expect(backoffMs(3, 250, 10_000, () => 1)).toBe(2000)
    expect(backoffMs(20, 250, 10_000, () => 1)).toBe(10_000)
  })
})
