import { describe, expect, it } from 'vitest'
import type { GraphDoc, GraphNode } from '../editor/types'
import { diffGraphs, edgeKey, fieldChanges, shown } from './diff'

const node = (id: string, config: Record<string, unknown> = {}, extra: Partial<GraphNode> = {}): GraphNode => ({
  id,
  type: 'transform',
  position: { x: 0, y: 0 },
  config,
  ...extra,
})
const edge = (id: string, source: string, target: string, source_port = 'out') => ({ id, source, source_port, target, target_port: 'in' })

const v1: GraphDoc = {
  nodes: [node('start', {}, { type: 'trigger.manual' }), node('fetch', { url: 'https://a.example', headers: { A: '1' } }), node('old')],
  edges: [edge('e1', 'start', 'fetch'), edge('e2', 'fetch', 'old')],
}
const v2: GraphDoc = {
  nodes: [
    node('start', {}, { type: 'trigger.manual', position: { x: 40, y: 0 } }),
    node('fetch', { url: 'https://b.example', headers: { B: '2' } }, { retry: { max_attempts: 3 } }),
    node('new'),
  ],
  edges: [edge('x1', 'start', 'fetch'), edge('e3', 'fetch', 'new')],
}

describe('diffGraphs', () => {
  it('finds added, removed, changed and unchanged nodes', () => {
    const d = diffGraphs(v1, v2)
    const by = Object.fromEntries(d.nodes.map((n) => [n.id, n.change]))
    expect(by).toEqual({ start: 'same', fetch: 'changed', new: 'added', old: 'removed' })
  })

  it('draws a removed node where the old version had it', () => {
    const old = { ...v1, nodes: v1.nodes.map((n) => (n.id === 'old' ? { ...n, position: { x: 300, y: 120 } } : n)) }
    const removed = diffGraphs(old, v2).nodes.find((n) => n.id === 'old')!
    expect(removed.node.position).toEqual({ x: 300, y: 120 })
    expect(removed.after).toBeNull()
  })

  it('counts a move as a move, not a change', () => {
    const start = diffGraphs(v1, v2).nodes.find((n) => n.id === 'start')!
    expect(start.change).toBe('same')
    expect(start.moved).toBe(true)
  })

  it('matches edges by what they join, not by id', () => {
    const d = diffGraphs(v1, v2)
    expect(d.edges.map((e) => [e.key, e.change])).toEqual([
      ['start:out->fetch', 'same'],
      ['fetch:out->new', 'added'],
      ['fetch:out->old', 'removed'],
    ])
    expect(d.counts).toEqual({ added: 2, removed: 2, changed: 1 })
  })

  it('treats another port as another edge', () => {
    const a: GraphDoc = { nodes: [node('c'), node('t')], edges: [edge('e', 'c', 't', 'true')] }
    const b: GraphDoc = { nodes: [node('c'), node('t')], edges: [edge('e', 'c', 't', 'false')] }
    expect(diffGraphs(a, b).edges.map((e) => e.change)).toEqual(['added', 'removed'])
    expect(edgeKey(b.edges[0])).toBe('c:false->t')
  })

  it('finds nothing between a graph and itself', () => {
    expect(diffGraphs(v2, structuredClone(v2)).counts).toEqual({ added: 0, removed: 0, changed: 0 })
  })
})

describe('fieldChanges', () => {
  it('lists each changed leaf with its path, old and new value', () => {
    const fetch = diffGraphs(v1, v2).nodes.find((n) => n.id === 'fetch')!
    expect(fetch.fields).toEqual([
      { path: 'config.headers.A', kind: 'removed', before: '1', after: undefined },
      { path: 'config.headers.B', kind: 'added', before: undefined, after: '2' },
      { path: 'config.url', kind: 'changed', before: 'https://a.example', after: 'https://b.example' },
      { path: 'retry', kind: 'added', before: undefined, after: { max_attempts: 3 } },
    ])
  })

  it('walks arrays by index and quotes odd keys', () => {
    const before = { cases: [{ port: 'a' }, { port: 'b' }], 'x-y': 1 }
    const after = { cases: [{ port: 'a' }, { port: 'c' }, { port: 'd' }], 'x-y': 2 }
    expect(fieldChanges(before, after).map((c) => [c.path, c.kind])).toEqual([
      ['cases[1].port', 'changed'],
      ['cases[2]', 'added'],
      ['["x-y"]', 'changed'],
    ])
  })

  it('reports a change of type as one change', () => {
    expect(fieldChanges({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: 'a', kind: 'changed', before: [1], after: { 0: 1 } }])
  })

  it('shows values as short JSON', () => {
    expect(shown('x')).toBe('"x"')
    expect(shown(undefined)).toBe('—')
    expect(shown('y'.repeat(300)).length).toBe(120)
  })
})
