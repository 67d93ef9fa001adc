import { describe, expect, it } from 'vitest'
import type { GraphDoc } from '../types'
import { defaultName, freeSpot, spotAfter } from './names'

const doc = (...nodes: [string, string, number, number][]): GraphDoc => ({
  nodes: nodes.map(([id, name, x, y]) => ({ id, type: 'noop', name, position: { x, y }, config: {} })),
  edges: [],
})

describe('default names', () => {
  it('numbers a title already taken and drops the bracket', () => {
    expect(defaultName('HTTP request', doc())).toBe('HTTP request')
    expect(defaultName('HTTP request', doc(['a', 'HTTP request', 0, 0]))).toBe('HTTP request 1')
    expect(defaultName('HTTP request', doc(['a', 'HTTP request', 0, 0], ['b', 'HTTP request 1', 0, 0]))).toBe('HTTP request 2')
    expect(defaultName('Transform (JSONata)', doc())).toBe('Transform')
  })
})

describe('free spots', () => {
  it('never stacks a node on another', () => {
    let d = doc()
    const spots = []
    for (let i = 0; i < 5; i++) {
      const at = freeSpot(d, { x: 80, y: 80 })
      spots.push(at)
      d = { ...d, nodes: [...d.nodes, { id: `n${i}`, type: 'noop', position: at, config: {} }] }
    }
    expect(new Set(spots.map((s) => `${s.x},${s.y}`)).size).toBe(5)
    for (const a of spots) for (const b of spots) if (a !== b) expect(Math.abs(a.x - b.x) >= 200 || Math.abs(a.y - b.y) >= 64).toBe(true)
  })
  it('puts a node after its source, to the right', () => {
    const at = spotAfter(doc(['a', '', 100, 100]), 'a')
    expect(at.x).toBeGreaterThan(300)
    expect(at.y).toBe(100)
  })
})

describe('node creator search', async () => {
  const { matchTypes } = await import('./NodeCreator')
  const t = (type: string, title: string, description: string, category = 'Flow') =>
    ({ type, title, description, category, is_trigger: false, config_schema: {}, default_config: {}, output_ports: ['out'], dynamic_ports: null, has_input: true, output_schema: null, package: 'stepwise', version: '0', builtin: true })
  it('puts a title that starts with the query before a description that mentions it', () => {
    const types = [t('join', 'Join', 'Waits for its branches'), t('wait', 'Wait', 'Sleeps a while')]
    expect(matchTypes(types, 'wait').map((x) => x.type)).toEqual(['wait', 'join'])
    expect(matchTypes(types, '').map((x) => x.type)).toEqual(['join', 'wait'])
  })
})
