import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../runs/types'
import { applyEventToDetail, DetailFollower, type DetailCache } from './detail'
import type { EventMessage } from './messages'

const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}Z`
const event = (seq: number, kind: 'run' | 'step', status: string, node_id = '', attempt = 0, second = seq): EventMessage => ({
  type: 'event', run_id: 1, workflow_id: 1, seq, kind, node_id, status, attempt, at: at(second), data: {},
})

const detail = (last_seq: number, extra: Partial<RunDetail> = {}): RunDetail =>
  ({ id: 1, status: 'queued', last_seq, started_at: null, finished_at: null, duration_ms: null, steps: [], ...extra }) as unknown as RunDetail

describe('applyEventToDetail', () => {
  it('applies run and step events in place: status, attempt, times and duration', () => {
    let d = detail(0)
    for (const e of [
      event(1, 'run', 'running', '', 0, 1),
      event(2, 'step', 'queued', 'a', 0, 1),
      event(3, 'step', 'running', 'a', 1, 2),
      event(4, 'step', 'succeeded', 'a', 1, 5),
      event(5, 'run', 'succeeded', '', 0, 6),
    ]) d = applyEventToDetail(d, e)!
    expect(d).toMatchObject({ status: 'succeeded', last_seq: 5, started_at: at(1), finished_at: at(6), duration_ms: 5000 })
    expect(d.steps).toHaveLength(1)
    expect(d.steps[0]).toMatchObject({ node_id: 'a', status: 'succeeded', attempt: 1, started_at: at(2), finished_at: at(5), duration_ms: 3000 })
  })

  it('keeps what it has: an old event leaves the same object, another step keeps its own', () => {
    const d = applyEventToDetail(detail(0), event(1, 'step', 'queued', 'a'))!
    expect(applyEventToDetail(d, event(1, 'step', 'queued', 'a'))).toBe(d)
    const next = applyEventToDetail(d, event(2, 'step', 'queued', 'b'))!
    expect(next.steps[0]).toBe(d.steps[0])
  })

  it('refuses an event past a gap', () => {
    expect(applyEventToDetail(detail(3), event(5, 'step', 'queued', 'a'))).toBeNull()
  })
})

function fakeCache(initial?: RunDetail) {
  const state = { detail: initial, fetching: false, refetches: 0, sets: 0 }
  const cache: DetailCache = {
    get: () => state.detail,
    set: (d) => {
      state.detail = d
      state.sets++
    },
    refetch: () => {
      state.refetches++
    },
    fetching: () => state.fetching,
  }
  return { state, cache }
}

describe('DetailFollower', () => {
  it('applies events without refetching, then refetches once when the run ends', () => {
    const { state, cache } = fakeCache(detail(1, { status: 'running' }))
    const follower = new DetailFollower(cache)
    follower.take([event(1, 'run', 'running'), event(2, 'step', 'queued', 'a')]) // 1 it had
    follower.take([event(3, 'step', 'running', 'a', 1)])
    follower.take([event(4, 'step', 'succeeded', 'a', 1)])
    expect(state.refetches).toBe(0)
    expect(state.detail?.last_seq).toBe(4)
    follower.take([event(5, 'run', 'succeeded')])
    expect(state.detail?.status).toBe('succeeded')
    expect(state.refetches).toBe(1) // for the outputs, ports and errors events do not carry
  })

  it('a gap refetches, and what came during the fetch is applied after it', () => {
    const { state, cache } = fakeCache(detail(2))
    const follower = new DetailFollower(cache)
    follower.take([event(4, 'step', 'queued', 'b')])
    expect(state.refetches).toBe(1)
    expect(state.detail?.last_seq).toBe(2)
    state.fetching = true
    follower.take([event(5, 'step', 'running', 'b', 1)]) // waits for the fetch
    expect(state.sets).toBe(0)
    state.fetching = false
    state.detail = detail(4, { steps: [{ node_id: 'b', status: 'queued', attempt: 0 }] as RunDetail['steps'] })
    follower.flush()
    expect(state.detail.last_seq).toBe(5)
    expect(state.detail.steps[0]).toMatchObject({ status: 'running', attempt: 1 })
    expect(state.refetches).toBe(1)
  })

  it('holds events until the first fetch lands, and takes a newer snapshot as the detail', () => {
    const { state, cache } = fakeCache()
    const follower = new DetailFollower(cache)
    follower.take([event(1, 'run', 'running'), event(2, 'step', 'queued', 'a')])
    state.detail = detail(1, { status: 'running' })
    follower.flush()
    expect(state.detail.last_seq).toBe(2)
    follower.take([{ type: 'snapshot', run_id: 1, seq: 9, run: { status: 'succeeded', last_seq: 9, steps: [] } }])
    expect(state.detail).toMatchObject({ status: 'succeeded', last_seq: 9 })
    expect(state.refetches).toBe(0)
  })
})
