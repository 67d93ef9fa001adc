// The document store: the graph being edited, the selection and the undo history. The
// live run never lives here: see stores/run.ts (docs/architecture.md#frontend-layout).
// One store per editor (createGraphStore), given to its components by GraphProvider, so
// two editors, or two tests, never share a document and nothing is reset by hand.
import { createContext, createElement, useContext, useState, type ReactNode } from 'react'
import { createStore, useStore, type StoreApi } from 'zustand'
import type { GraphDoc, GraphEdge, GraphNode, GraphNote, Position } from '../editor/types'

const HISTORY_LIMIT = 200
// Consecutive edits of one field of one node, each within this long of the last, are one
// undo step (typing a name is one step, not one per letter); a blur ends the step at once.
export const TYPING_PAUSE_MS = 1000
// The fields typed into (a pin, an on_error choice, a compensation are single steps).
const TYPED = new Set(['name', 'notes', 'config'])

export interface GraphState {
  doc: GraphDoc
  selectedNodes: string[]
  selectedEdges: string[]
  past: GraphDoc[]
  future: GraphDoc[]
  dragOrigin: GraphDoc | null
  saved: string
  version: number | null
  /** How many times a document was loaded (the canvas fits its view after each). */
  loads: number
  load: (doc: GraphDoc, version: number | null) => void
  /** The save of `doc` (by default the document now) made version `version`. */
  markSaved: (version: number | null, doc?: GraphDoc) => void
  isDirty: () => boolean
  addNode: (type: string, position: Position, config: Record<string, unknown>) => string
  moveNodes: (moves: Record<string, Position>, record: boolean) => void
  connect: (source: string, sourcePort: string, target: string) => string | null
  /** Change a node's fields; consecutive changes of the same typed fields (name, notes,
   * config) of the same node are one undo step until `endEdit` or a pause of TYPING_PAUSE_MS. */
  updateNode: (id: string, patch: Partial<GraphNode>) => void
  /** The field being typed in lost focus: the next edit is a new undo step. */
  endEdit: () => void
  renameNode: (id: string, newId: string) => string | null
  select: (nodes: string[], edges?: string[]) => void
  removeSelected: () => void
  undo: () => void
  redo: () => void
  copySelection: () => string
  paste: (text: string, offset?: Position) => string[]
  applyLayout: (positions: Record<string, Position>) => void
  // The canvas's additions (editor/canvas/): named steps, insert on an edge, sticky notes.
  /** A named node, connected after `after` when given, selected; one undoable step. */
  addStep: (type: string, position: Position, config: Record<string, unknown>, name: string, after?: { source: string; port: string }) => string
  /** A named node put on edge `edgeId`: source -> new node -> target; one undoable step. */
  insertOnEdge: (edgeId: string, type: string, position: Position, config: Record<string, unknown>, name: string, outPort: string) => string | null
  addNote: (position: Position) => string
  /** `record` false while dragging or resizing: the end of it is one undoable step. */
  updateNote: (id: string, patch: Partial<GraphNote>, record?: boolean) => void
  removeNote: (id: string) => void
}

export const NODE_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

export function uniqueId(base: string, taken: Set<string>): string {
  const stem = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z_])/, '_$1').slice(0, 56) || 'node'
  if (!taken.has(stem)) return stem
  for (let i = 2; ; i++) if (!taken.has(`${stem}_${i}`)) return `${stem}_${i}`
}

const empty: GraphDoc = { nodes: [], edges: [] }

export type GraphStore = StoreApi<GraphState>

export const createGraphStore = (): GraphStore => createStore<GraphState>((set, get) => {
  // The edit being typed: which node's fields, and when its last change came.
  let typing: { key: string; at: number } | null = null

  /** Apply an edit as one undoable step; with `group`, as part of the step being typed
   * when it is the same group and comes soon enough after its last change. */
  const commit = (next: GraphDoc, extra: Partial<GraphState> = {}, group?: string) => {
    const { doc, past } = get()
    const now = Date.now()
    const continues = group !== undefined && typing?.key === group && now - typing.at < TYPING_PAUSE_MS
    typing = group !== undefined ? { key: group, at: now } : null
    if (continues) set({ doc: next, future: [], ...extra })
    else set({ doc: next, past: [...past, doc].slice(-HISTORY_LIMIT), future: [], ...extra })
  }

  let dirtyFor: { doc: GraphDoc; saved: string; dirty: boolean } | null = null
  return {
    doc: empty,
    selectedNodes: [],
    selectedEdges: [],
    past: [],
    future: [],
    dragOrigin: null,
    saved: JSON.stringify(empty),
    version: null,
    loads: 0,

    load: (doc, version) => {
      typing = null
      set({ doc, version, loads: get().loads + 1, saved: JSON.stringify(doc), past: [], future: [], selectedNodes: [], selectedEdges: [] })
    },

    markSaved: (version, doc = get().doc) => set({ version, saved: JSON.stringify(doc) }),

    isDirty: () => {
      // Documents are immutable, so the answer holds until the document or the saved text
      // changes: four components ask on every render, and a 500-node document takes
      // milliseconds to serialise (a drag asked ~4 times a frame).
      const { doc, saved } = get()
      if (dirtyFor?.doc !== doc || dirtyFor.saved !== saved) dirtyFor = { doc, saved, dirty: JSON.stringify(doc) !== saved }
      return dirtyFor.dirty
    },

    addNode: (type, position, config) => {
      const { doc } = get()
      const id = uniqueId(type.replace('.', '_'), new Set(doc.nodes.map((n) => n.id)))
      const node: GraphNode = { id, type, name: '', position, config: structuredClone(config) }
      commit({ ...doc, nodes: [...doc.nodes, node] }, { selectedNodes: [id], selectedEdges: [] })
      return id
    },

    moveNodes: (moves, record) => {
      // While dragging, positions change without history; the drag's end is one undoable
      // step back to where the drag began.
      const { doc, dragOrigin, past } = get()
      const nodes = doc.nodes.map((n) => (moves[n.id] ? { ...n, position: moves[n.id] } : n))
      if (record) typing = null
      if (record) set({ doc: { ...doc, nodes }, past: [...past, dragOrigin ?? doc].slice(-HISTORY_LIMIT), future: [], dragOrigin: null })
      else set({ doc: { ...doc, nodes }, dragOrigin: dragOrigin ?? doc })
    },

    connect: (source, sourcePort, target) => {
      const { doc } = get()
      if (source === target) return null
      if (doc.edges.some((e) => e.source === source && e.source_port === sourcePort && e.target === target)) return null
      const id = uniqueId(`e_${source}_${target}`, new Set(doc.edges.map((e) => e.id)))
      const edge: GraphEdge = { id, source, source_port: sourcePort, target, target_port: 'in' }
      commit({ ...doc, edges: [...doc.edges, edge] })
      return id
    },

    updateNode: (id, patch) => {
      const { doc } = get()
      const keys = Object.keys(patch)
      const group = keys.every((k) => TYPED.has(k)) ? `${id}\u0000${keys.sort().join(',')}` : undefined
      commit({ ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, ...patch, id: n.id } : n)) }, {}, group)
    },

    endEdit: () => {
      typing = null
    },

    renameNode: (id, newId) => {
      const { doc, selectedNodes } = get()
      if (id === newId) return null
      if (!NODE_ID.test(newId)) return 'An id starts with a letter or _ and has only letters, digits and _.'
      if (doc.nodes.some((n) => n.id === newId)) return `Another node is already called ${newId}.`
      const nodes = doc.nodes.map((n) => ({
        ...n,
        id: n.id === id ? newId : n.id,
        compensation: n.compensation === id ? newId : n.compensation,
      }))
      const edges = doc.edges.map((e) => ({ ...e, source: e.source === id ? newId : e.source, target: e.target === id ? newId : e.target }))
      commit({ ...doc, nodes, edges }, { selectedNodes: selectedNodes.map((s) => (s === id ? newId : s)) })
      return null
    },

    select: (nodes, edges = []) => set({ selectedNodes: nodes, selectedEdges: edges }),

    removeSelected: () => {
      const { doc, selectedNodes, selectedEdges } = get()
      if (!selectedNodes.length && !selectedEdges.length) return
      const gone = new Set(selectedNodes)
      const nodes = doc.nodes.filter((n) => !gone.has(n.id)).map((n) => (n.compensation && gone.has(n.compensation) ? { ...n, compensation: undefined } : n))
      const edges = doc.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target) && !selectedEdges.includes(e.id))
      commit({ ...doc, nodes, edges }, { selectedNodes: [], selectedEdges: [] })
    },

    undo: () => {
      const { past, doc, future } = get()
      typing = null
      if (!past.length) return
      set({ doc: past[past.length - 1], past: past.slice(0, -1), future: [doc, ...future], selectedNodes: [], selectedEdges: [] })
    },

    redo: () => {
      const { past, doc, future } = get()
      typing = null
      if (!future.length) return
      set({ doc: future[0], past: [...past, doc], future: future.slice(1), selectedNodes: [], selectedEdges: [] })
    },

    copySelection: () => {
      const { doc, selectedNodes } = get()
      const chosen = new Set(selectedNodes)
      const nodes = doc.nodes.filter((n) => chosen.has(n.id))
      const edges = doc.edges.filter((e) => chosen.has(e.source) && chosen.has(e.target))
      return JSON.stringify({ stepwise: 'nodes', nodes, edges })
    },

    paste: (text, offset = { x: 40, y: 40 }) => {
      let data: { stepwise?: string; nodes?: GraphNode[]; edges?: GraphEdge[] }
      try {
        data = JSON.parse(text)
      } catch {
        return []
      }
      if (data.stepwise !== 'nodes' || !Array.isArray(data.nodes)) return []
      const { doc } = get()
      const taken = new Set(doc.nodes.map((n) => n.id))
      const renamed: Record<string, string> = {}
      const nodes = data.nodes.map((n) => {
        const id = uniqueId(n.id, taken)
        taken.add(id)
        renamed[n.id] = id
        return { ...structuredClone(n), id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } }
      })
      for (const n of nodes) if (n.compensation) n.compensation = renamed[n.compensation] ?? n.compensation
      const edgeIds = new Set(doc.edges.map((e) => e.id))
      const edges = (data.edges ?? [])
        .filter((e) => renamed[e.source] && renamed[e.target])
        .map((e) => {
          const id = uniqueId(`e_${renamed[e.source]}_${renamed[e.target]}`, edgeIds)
          edgeIds.add(id)
          return { ...e, id, source: renamed[e.source], target: renamed[e.target] }
        })
      commit({ ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] }, { selectedNodes: nodes.map((n) => n.id), selectedEdges: [] })
      return nodes.map((n) => n.id)
    },

    applyLayout: (positions) => {
      const { doc } = get()
      commit({ ...doc, nodes: doc.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)) })
    },

    // The canvas's additions (editor/canvas/).
    addStep: (type, position, config, name, after) => {
      const { doc } = get()
      const id = uniqueId(type.replace('.', '_'), new Set(doc.nodes.map((n) => n.id)))
      const node: GraphNode = { id, type, name, position, config: structuredClone(config) }
      const edges = [...doc.edges]
      if (after && doc.nodes.some((n) => n.id === after.source)) {
        const edgeId = uniqueId(`e_${after.source}_${id}`, new Set(doc.edges.map((e) => e.id)))
        edges.push({ id: edgeId, source: after.source, source_port: after.port, target: id, target_port: 'in' })
      }
      commit({ ...doc, nodes: [...doc.nodes, node], edges }, { selectedNodes: [id], selectedEdges: [] })
      return id
    },

    insertOnEdge: (edgeId, type, position, config, name, outPort) => {
      const { doc } = get()
      const cut = doc.edges.find((e) => e.id === edgeId)
      if (!cut) return null
      const id = uniqueId(type.replace('.', '_'), new Set(doc.nodes.map((n) => n.id)))
      const node: GraphNode = { id, type, name, position, config: structuredClone(config) }
      const taken = new Set(doc.edges.map((e) => e.id))
      const first = uniqueId(`e_${cut.source}_${id}`, taken)
      taken.add(first)
      const second = uniqueId(`e_${id}_${cut.target}`, taken)
      const edges = [
        ...doc.edges.filter((e) => e.id !== edgeId),
        { id: first, source: cut.source, source_port: cut.source_port, target: id, target_port: 'in' },
        { id: second, source: id, source_port: outPort, target: cut.target, target_port: cut.target_port },
      ]
      commit({ ...doc, nodes: [...doc.nodes, node], edges }, { selectedNodes: [id], selectedEdges: [] })
      return id
    },

    addNote: (position) => {
      const { doc } = get()
      const notes = doc.notes ?? []
      const id = uniqueId('note', new Set(notes.map((n) => n.id)))
      const note: GraphNote = { id, text: '', position, width: 240, height: 140, color: 'yellow' }
      commit({ ...doc, notes: [...notes, note] })
      return id
    },

    updateNote: (id, patch, record = true) => {
      const { doc, dragOrigin, past } = get()
      const next = { ...doc, notes: (doc.notes ?? []).map((n) => (n.id === id ? { ...n, ...patch, id } : n)) }
      if (record) set({ doc: next, past: [...past, dragOrigin ?? doc].slice(-HISTORY_LIMIT), future: [], dragOrigin: null })
      else set({ doc: next, dragOrigin: dragOrigin ?? doc })
    },

    removeNote: (id) => {
      const { doc } = get()
      const notes = (doc.notes ?? []).filter((n) => n.id !== id)
      const { notes: _gone, ...rest } = doc
      commit(notes.length ? { ...doc, notes } : rest)
    },
  }
})

const GraphContext = createContext<GraphStore | null>(null)

/** Gives its children a document store of their own, made once for the editor's life. */
export function GraphProvider({ store, children }: { store?: GraphStore; children: ReactNode }) {
  const [own] = useState(() => store ?? createGraphStore())
  return createElement(GraphContext.Provider, { value: own }, children)
}

/** The editor's document store itself, for actions read at the moment (getState()). */
export function useGraphStore(): GraphStore {
  const store = useContext(GraphContext)
  if (!store) throw new Error('useGraph is used outside a GraphProvider (the editor gives one).')
  return store
}

/** A slice of the editor's document, re-rendering when it changes. */
export function useGraph<T>(selector: (state: GraphState) => T): T {
  return useStore(useGraphStore(), selector)
}
