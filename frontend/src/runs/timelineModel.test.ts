import { describe, expect, it } from 'vitest'
import { formatSpan, kindsDrawn, stepRows, tickStep, ticks } from './timelineModel'
import type { RunStep } from './types'

const T = Date.parse('2026-01-01T00:00:00Z')
const iso = (ms: number) => new Date(T + ms).toISOString()
const step = (over: Partial<RunStep>): RunStep => ({
  node_id: 'a', status: 'succeeded', attempt: 1, input: {}, output: null, error: null, ports: [], duration_ms: 1,
  iteration: 0, attempts: [], idempotency_key: '1:a:0', compensates: '', not_before: null, created_at: iso(0),
  started_at: null, finished_at: null, reused_from_run: null, ...over,
})

describe('stepRows', () => {
  it('colours a retried attempt apart from the last failure and from success', () => {
    const attempts = [
      { attempt: 1, started_at: iso(0), finished_at: iso(10), error: { message: 'boom' } },
      { attempt: 2, started_at: iso(20), finished_at: iso(30), error: null },
    ]
    const failed = [
      { attempt: 1, started_at: iso(0), finished_at: iso(10), error: { message: 'boom' } },
      { attempt: 2, started_at: iso(20), finished_at: iso(30), error: { message: 'boom' } },
    ]
    const rows = stepRows([step({ attempts, started_at: iso(0), finished_at: iso(30) }), step({ node_id: 'b', status: 'failed', attempts: failed, finished_at: iso(30) })], T, T + 100)
    expect(rows[0].bars.map((b) => b.kind)).toEqual(['retried', 'succeeded'])
    expect(rows[1].bars.map((b) => b.kind)).toEqual(['retried', 'failed'])
    expect(kindsDrawn(rows)).toEqual(['succeeded', 'retried', 'failed'])
  })

  it('puts a reused step at the run start with no width, and a skipped one at its decision', () => {
    const rows = stepRows([step({ node_id: 'r', reused_from_run: 7 }), step({ node_id: 's', status: 'skipped', finished_at: iso(40) })], T + 5, T + 100)
    const reused = rows.find((r) => r.step.node_id === 'r')!.bars
    expect(reused).toEqual([expect.objectContaining({ kind: 'reused', start: T + 5, end: T + 5 })])
    expect(rows.find((r) => r.step.node_id === 's')!.bars[0]).toEqual(expect.objectContaining({ kind: 'skipped', start: T + 40 }))
    expect(kindsDrawn(rows)).toEqual(['skipped', 'reused'])
  })

  it('leaves out steps with nothing to draw', () => {
    expect(stepRows([step({ status: 'pending' })], T, T)).toEqual([])
  })
})

describe('the axis', () => {
  it('takes round steps in ms, s and min', () => {
    expect(tickStep(1000, 5)).toBe(200)
    expect(tickStep(10_400, 6)).toBe(2000)
    expect(tickStep(600_000, 6)).toBe(120_000)
    expect(ticks(1000, 200)).toEqual([0, 200, 400, 600, 800, 1000])
    expect([formatSpan(200), formatSpan(2000), formatSpan(1500), formatSpan(120_000), formatSpan(90_000)]).toEqual(['200 ms', '2 s', '1.5 s', '2 min', '1 min 30 s'])
  })
})
