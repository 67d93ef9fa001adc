// Auto-layout with elkjs (layered, left to right), on the graph document.
import type { ELK } from 'elkjs/lib/elk-api'
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
