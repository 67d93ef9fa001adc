import { describe, expect, it } from 'vitest'
import { relativeTime } from './relativeTime'

const now = Date.parse('2026-06-15T12:00:00Z')
const ago = (ms: number) => new Date(now - ms).toISOString()

describe('relativeTime', () => {
  it('says how long ago, briefly', () => {
    expect(relativeTime(ago(10_000), now)).toBe('just now')
    expect(relativeTime(ago(5 * 60_000), now)).toBe('5 min ago')
    expect(relativeTime(ago(3 * 3_600_000), now)).toBe('3 h ago')
    expect(relativeTime(ago(30 * 3_600_000), now)).toBe('yesterday')
    expect(relativeTime(ago(4 * 86_400_000), now)).toBe('4 days ago')
  })

  it('gives a date past a week, and nothing for a bad one', () => {
    expect(relativeTime(ago(40 * 86_400_000), now)).not.toMatch(/ago/)
    expect(relativeTime('not a date', now)).toBe('—')
  })
})
