import { describe, expect, it } from 'vitest'
import { runCount } from './runCount'

describe('runCount', () => {
  it('counts exactly below the cap', () => {
    expect(runCount(0, false)).toBe('0 runs')
    expect(runCount(1, false)).toBe('1 run')
    expect(runCount(9999, false)).toBe('9999 runs')
  })
  it('says "more than" past the cap', () => {
    expect(runCount(1000, true)).toBe('more than 1,000 runs')
  })
})
