// Auto-layout with elkjs (layered, left to right), on the graph document; placing a graph
// that has no positions (optional in the server's schema: fixtures, graphs made through the
// API) so that the canvases can draw it.
import type { ELK } from 'elkjs/lib/elk-api'
import { useEffect, useState } from 'react'
import type { GraphDoc, Position } from './types'

// elkjs is large: loaded the first time someone lays a graph out, not with the page.
let elk: Promise<ELK> | null = null
const loadElk = () => (elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default()))
export const NODE_WIDTH = 200
export const NODE_HEIGHT = 64

export async function layoutPositions(doc: GraphDoc): Promise<Record<string, Position>> {
  const result = await (await loadElk()).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
    },
    children: doc.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: doc.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  })
  const positions: Record<string, Position> = {}
  for (const child of result.children ?? []) positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0 }
  return positions
}

/** Whether a node has a position the canvas can draw (the server's schema makes it optional). */
export function hasPosition(n: { position?: Partial<Position> | null }): boolean {
  return !!n.position && Number.isFinite(n.position.x) && Number.isFinite(n.position.y)
}

/** The graph as a canvas can draw it: every node placed, every edge with its ports. A graph
 * with no positions at all is laid out whole; nodes without one in a placed graph are laid out
 * among themselves, under the others. The same graph gives the same places every time. */
export async function placeGraph(doc: GraphDoc): Promise<GraphDoc> {
  const edges = doc.edges.map((e) => (e.source_port && e.target_port ? e : { ...e, source_port: e.source_port || 'out', target_port: e.target_port || 'in' }))
  const unplaced = doc.nodes.filter((n) => !hasPosition(n))
  if (!unplaced.length) return edges.some((e, i) => e !== doc.edges[i]) ? { ...doc, edges } : doc
  const ids = new Set(unplaced.map((n) => n.id))
  const positions = await layoutPositions({ nodes: unplaced, edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)) })
  const placed = doc.nodes.filter(hasPosition)
  const below = placed.length ? Math.max(...placed.map((n) => n.position.y)) + NODE_HEIGHT + 80 : 0
  const left = placed.length ? Math.min(...placed.map((n) => n.position.x)) : 0
  const nodes = doc.nodes.map((n) => {
    if (hasPosition(n)) return n
    const p = positions[n.id] ?? { x: 0, y: 0 }
    return { ...n, position: { x: Math.round(left + p.x), y: Math.round(below + p.y) } }
  })
  return { ...doc, nodes, edges }
}

/** Whether placeGraph would change the graph (a node without a position, an edge without ports). */
export function needsPlacing(doc: GraphDoc): boolean {
  return doc.nodes.some((n) => !hasPosition(n)) || doc.edges.some((e) => !e.source_port || !e.target_port)
}

/** The graph of a read-only canvas (the run view), placed: undefined until it is. */
export function usePlacedGraph(doc: GraphDoc | undefined): GraphDoc | undefined {
  const [placed, setPlaced] = useState<{ from: GraphDoc; doc: GraphDoc } | null>(null)
  const ready = !doc || !needsPlacing(doc)
  useEffect(() => {
    if (!doc || ready) return
    let current = true
    void placeGraph(doc).then((next) => current && setPlaced({ from: doc, doc: next }))
    return () => {
      current = false
    }
  }, [doc, ready])
  if (!doc) return undefined
  if (ready) return doc
  return placed?.from === doc ? placed.doc : undefined
}
