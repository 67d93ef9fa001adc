import { describe, expect, it } from 'vitest'
import { canFix, isFix } from './FixStep'
import type { RunDetail, RunStep } from './types'

const step = (over: Partial<RunStep>): RunStep => ({
  node_id: 'charge', status: 'failed', attempt: 1, input: {}, output: null, error: null, ports: [], duration_ms: 1,
  iteration: 0, attempts: [], idempotency_key: '1:charge:0', compensates: '', not_before: null, started_at: null, finished_at: null, ...over,
})
const run = (status: string) => ({ id: 1, status } as RunDetail)

describe('canFix', () => {
  it('offers a fix on an unhandled failure or an interrupted step of a run that can go on', () => {
    expect(canFix(run('failed'), step({}))).toBe(true)
    expect(canFix(run('running'), step({ status: 'interrupted' }))).toBe(true)
  })
  it('never on a finished step, a handled failure, a compensation or a run that ended otherwise', () => {
    expect(canFix(run('failed'), step({ status: 'succeeded', ports: ['out'] }))).toBe(false)
    expect(canFix(run('succeeded'), step({ ports: ['error'] }))).toBe(false)
    expect(canFix(run('failed'), step({ iteration: 2, compensates: 'pay' }))).toBe(false)
    expect(canFix(run('cancelled'), step({ status: 'interrupted' }))).toBe(false)
  })
})

describe('isFix', () => {
  it('tells a fix from an attempt in the step history', () => {
    expect(isFix({ fix: 'input', by: 'a', at: '', old: {}, new: {}, comment: '', after_attempt: 1 })).toBe(true)
    expect(isFix({ attempt: 1, started_at: null, finished_at: null, error: null })).toBe(false)
  })
})
