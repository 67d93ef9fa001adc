import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createGraphStore, TYPING_PAUSE_MS, type GraphStore } from './graph'

let store: GraphStore
const g = () => store.getState()

beforeEach(() => {
  store = createGraphStore()
  g().load({ nodes: [{ id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} }], edges: [] }, 1)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('graph store', () => {
  it('typing a name is one undo step: a 7-letter rename reverts with one undo', () => {
    vi.useFakeTimers()
    const a = g().addNode('noop', { x: 0, y: 0 }, {})
    const past = g().past.length
    for (const name of ['C', 'Ch', 'Che', 'Chec', 'Check', 'Checko', 'Checkou']) {
      g().updateNode(a, { name })
      vi.advanceTimersByTime(150)
    }
    expect(g().past).toHaveLength(past + 1)
    g().undo()
    expect(g().doc.nodes[1].name).toBe('')
    g().redo()
    expect(g().doc.nodes[1].name).toBe('Checkou')
  })

  it('a pause, a blur, another field or another node starts a new undo step', () => {
    vi.useFakeTimers()
    const a = g().addNode('noop', { x: 0, y: 0 }, {})
    const start = g().past.length
    g().updateNode(a, { name: 'A' })
    g().updateNode(a, { name: 'AB' })
    vi.advanceTimersByTime(TYPING_PAUSE_MS) // a pause
    g().updateNode(a, { name: 'ABC' })
    g().endEdit() // a blur
    g().updateNode(a, { name: 'ABCD' })
    g().updateNode(a, { notes: 'n' }) // another field
    g().updateNode('start', { name: 'S' }) // another node
    expect(g().past).toHaveLength(start + 5)
    g().undo()
    g().undo()
    g().undo()
    expect(g().doc.nodes[1]).toMatchObject({ name: 'ABC' })
    g().undo()
    expect(g().doc.nodes[1].name).toBe('AB')
    g().undo()
    expect(g().doc.nodes[1].name).toBe('')
  })


  it('adds nodes with unique ids and connects them', () => {
    const a = g().addNode('http.request', { x: 100, y: 0 }, { method: 'GET' })
    const b = g().addNode('http.request', { x: 200, y: 0 }, { method: 'GET' })
    expect([a, b]).toEqual(['http_request', 'http_request_2'])
    expect(g().connect('start', 'out', a)).toBe('e_start_http_request')
    expect(g().connect('start', 'out', a)).toBeNull() // the same edge twice
    expect(g().connect(a, 'out', a)).toBeNull() // a self-loop
    expect(g().isDirty()).toBe(true)
  })

  it('undoes and redoes every edit, and a new edit clears the redo stack', () => {
    const a = g().addNode('noop', { x: 1, y: 1 }, {})
    g().connect('start', 'out', a)
    g().updateNode(a, { name: 'Check' })
    expect(g().doc.nodes[1].name).toBe('Check')
    g().undo()
    expect(g().doc.nodes[1].name).toBe('')
    g().undo()
    expect(g().doc.edges).toHaveLength(0)
    g().redo()
    expect(g().doc.edges).toHaveLength(1)
    g().addNode('noop', { x: 2, y: 2 }, {})
    expect(g().future).toHaveLength(0)
    g().undo()
    g().undo()
    g().undo()
    expect(g().doc.nodes).toHaveLength(1)
    expect(g().isDirty()).toBe(false)
  })

  it('a drag is one undoable step back to where it began', () => {
    g().moveNodes({ start: { x: 5, y: 5 } }, false)
    g().moveNodes({ start: { x: 7, y: 7 } }, false)
    expect(g().past).toHaveLength(0)
    g().moveNodes({ start: { x: 9, y: 9 } }, true)
    expect(g().past).toHaveLength(1)
    g().undo()
    expect(g().doc.nodes[0].position).toEqual({ x: 0, y: 0 })
    g().redo()
    expect(g().doc.nodes[0].position).toEqual({ x: 9, y: 9 })
  })

  it('deleting a node removes its edges and references to it as a compensation', () => {
    const a = g().addNode('noop', { x: 0, y: 0 }, {})
    const undo = g().addNode('noop', { x: 0, y: 0 }, {})
    g().updateNode(a, { compensation: undo })
    g().connect('start', 'out', a)
    g().select([undo])
    g().removeSelected()
    expect(g().doc.nodes.find((n) => n.id === a)?.compensation).toBeUndefined()
    g().select(['start'])
    g().removeSelected()
    expect(g().doc.edges).toHaveLength(0)
  })

  it('renaming a node rewrites edges and compensations, and refuses bad or taken ids', () => {
    const a = g().addNode('noop', { x: 0, y: 0 }, {})
    g().connect('start', 'out', a)
    expect(g().renameNode(a, 'check')).toBeNull()
    expect(g().doc.edges[0].target).toBe('check')
    expect(g().renameNode('check', 'start')).toMatch(/already/)
    expect(g().renameNode('check', '9lives')).toMatch(/starts with/)
  })

  it('copies a selection and pastes it with fresh ids, inner edges kept, into another workflow too', () => {
    const a = g().addNode('noop', { x: 10, y: 10 }, {})
    g().connect('start', 'out', a)
    g().select(['start', a])
    const text = g().copySelection()
    const pasted = g().paste(text)
    expect(pasted).toEqual(['start_2', 'noop_2'])
    expect(g().doc.edges.map((e) => [e.source, e.target])).toContainEqual(['start_2', 'noop_2'])
    expect(g().doc.nodes.find((n) => n.id === 'noop_2')?.position).toEqual({ x: 50, y: 50 })
    g().load({ nodes: [], edges: [] }, null) // another workflow
    expect(g().paste(text)).toEqual(['start', 'noop'])
    expect(g().paste('not json')).toEqual([])
  })

  it('each editor has a store of its own: an edit in one is not in the other', () => {
    const other = createGraphStore()
    other.getState().load({ nodes: [], edges: [] }, 7)
    g().addNode('noop', { x: 0, y: 0 }, {})
    expect(other.getState().doc.nodes).toHaveLength(0)
    expect(other.getState().version).toBe(7)
    expect(other.getState().isDirty()).toBe(false)
    expect(g().version).toBe(1)
  })

  it('an edit made while a save is on its way stays unsaved', () => {
    const sent = g().doc
    g().addNode('noop', { x: 0, y: 0 }, {}) // while the PATCH is out
    g().markSaved(2, sent)
    expect(g().version).toBe(2)
    expect(g().isDirty()).toBe(true)
    g().undo()
    expect(g().isDirty()).toBe(false)
  })
})
