import { describe, expect, it } from 'vitest'
import { logLines } from './StepLog'

const event = (status: string, data: unknown, attempt = 1) => ({ seq: 1, kind: 'step', node_id: 'a', status, attempt, data, at: '2026-01-01T00:00:00Z' })

describe('logLines', () => {
  it('says what happened in words, with a level, and keeps the other fields', () => {
    expect(logLines([event('running', { worker: 'w1' }, 2)])[0]).toEqual(expect.objectContaining({ level: 'info', message: 'started (attempt 2)', fields: [['worker', 'w1']] }))
    const failed = logLines([event('failed', { error: { code: 'http_500', message: 'Server error' } })])[0]
    expect(failed).toEqual(expect.objectContaining({ level: 'error', message: 'failed: Server error', fields: [] }))
    expect(logLines([event('queued', { retry_from_failure: true })])[0]).toEqual(expect.objectContaining({ level: 'warn', message: 'queued again: retry from failure' }))
    expect(logLines([event('succeeded', { reused_from_run: 4 })])[0].message).toBe('reused the output of run #4')
    expect(logLines([event('queued', {}, 3)])[0].level).toBe('warn')
  })

  it('writes structured fields as text, not a JSON document', () => {
    const [line] = logLines([event('succeeded', { worker: 'w', inline: true, until: null })])
    expect(line.fields).toEqual([['worker', 'w'], ['inline', 'true']])
  })
})
