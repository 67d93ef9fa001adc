// The difference between two versions of a graph, for the visual diff: which nodes and edges
// were added, removed or changed, and field by field what changed in a node. Pure.
import type { GraphDoc, GraphEdge, GraphNode } from '../editor/types'

export type Change = 'added' | 'removed' | 'changed' | 'same'

export interface FieldChange {
  /** Where, as a path into the node: `config.url`, `retry.max_attempts`, `config.cases[0].port`. */
  path: string
  kind: 'added' | 'removed' | 'changed'
  before: unknown
  after: unknown
}

export interface NodeDiff {
  id: string
  change: Change
  /** The node as drawn: the new version's, or the old one's for a removed node (its old position). */
  node: GraphNode
  before: GraphNode | null
  after: GraphNode | null
  fields: FieldChange[]
  /** The node is at another position (not a change of what it does). */
  moved: boolean
}

export interface EdgeDiff {
  key: string
  change: Exclude<Change, 'changed'>
  edge: GraphEdge
}

export interface GraphDiff {
  nodes: NodeDiff[]
  edges: EdgeDiff[]
  counts: { added: number; removed: number; changed: number }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`

/** Every leaf that differs between two JSON values, in key order (objects and arrays walked). */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    return keys.flatMap((k) => {
      const p = join(path, k)
      if (!(k in before)) return [{ path: p, kind: 'added' as const, before: undefined, after: after[k] }]
      if (!(k in after)) return [{ path: p, kind: 'removed' as const, before: before[k], after: undefined }]
      return fieldChanges(before[k], after[k], p)
    })
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length)
    return Array.from({ length: n }, (_, i) => {
      const p = join(path, i)
      if (i >= before.length) return [{ path: p, kind: 'added' as const, before: undefined, after: after[i] }]
      if (i >= after.length) return [{ path: p, kind: 'removed' as const, before: before[i], after: undefined }]
      return fieldChanges(before[i], after[i], p)
    }).flat()
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return []
  return [{ path: path || '(value)', kind: 'changed', before, after }]
}

/** An edge is the same edge when it joins the same port to the same node, whatever its id. */
export const edgeKey = (e: GraphEdge) => `${e.source}:${e.source_port ?? 'out'}->${e.target}`

function withoutPosition(n: GraphNode): Record<string, unknown> {
  const { position: _position, ...rest } = n
  return rest
}

export function diffGraphs(before: GraphDoc, after: GraphDoc): GraphDiff {
  const old = new Map(before.nodes.map((n) => [n.id, n]))
  const now = new Map(after.nodes.map((n) => [n.id, n]))
  const nodes: NodeDiff[] = after.nodes.map((n) => {
    const was = old.get(n.id)
    if (!was) return { id: n.id, change: 'added', node: n, before: null, after: n, fields: [], moved: false }
    const fields = fieldChanges(withoutPosition(was), withoutPosition(n))
    const moved = was.position?.x !== n.position?.x || was.position?.y !== n.position?.y
    return { id: n.id, change: fields.length ? 'changed' : 'same', node: n, before: was, after: n, fields, moved }
  })
  for (const n of before.nodes) {
    if (!now.has(n.id)) nodes.push({ id: n.id, change: 'removed', node: n, before: n, after: null, fields: [], moved: false })
  }
  const oldEdges = new Map(before.edges.map((e) => [edgeKey(e), e]))
  const newKeys = new Set(after.edges.map(edgeKey))
  const edges: EdgeDiff[] = after.edges.map((e) => ({ key: edgeKey(e), change: oldEdges.has(edgeKey(e)) ? 'same' : 'added', edge: e }))
  for (const [key, e] of oldEdges) if (!newKeys.has(key)) edges.push({ key, change: 'removed', edge: e })
  const count = (c: Change) => nodes.filter((n) => n.change === c).length + edges.filter((e) => e.change === c).length
  return { nodes, edges, counts: { added: count('added'), removed: count('removed'), changed: count('changed') } }
}

/** A value as the field diff shows it: JSON, shortened; "—" for none. */
export function shown(value: unknown, max = 120): string {
  if (value === undefined) return '—'
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
