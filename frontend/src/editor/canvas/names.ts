// Readable default names for new nodes and free spots to put them: pure functions of the
// document, so the palette, the node creator and the context menu agree.
import type { GraphDoc, Position } from '../types'
import { NODE_HEIGHT, NODE_WIDTH } from '../layout'

/** "HTTP request", then "HTTP request 1", "HTTP request 2"... among the names taken. */
export function defaultName(title: string, doc: GraphDoc): string {
  const base = title.replace(/\s*\(.*\)\s*$/, '').trim() || title
  const taken = new Set(doc.nodes.map((n) => n.name).filter(Boolean))
  if (!taken.has(base)) return base
  for (let i = 1; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`
}

const GAP_X = 40
const GAP_Y = 30

function overlaps(doc: GraphDoc, at: Position): boolean {
  return doc.nodes.some(
    (n) => Math.abs(n.position.x - at.x) < NODE_WIDTH + GAP_X / 2 && Math.abs(n.position.y - at.y) < NODE_HEIGHT + GAP_Y / 2,
  )
}

/** The spot nearest `preferred` where a new node overlaps none: tried downward first, then
 * in columns to the right, so a chain of additions never stacks on one spot. */
export function freeSpot(doc: GraphDoc, preferred: Position): Position {
  const start = { x: Math.round(preferred.x), y: Math.round(preferred.y) }
  for (let col = 0; col < 50; col++) {
    for (let row = 0; row < 12; row++) {
      const at = { x: start.x + col * (NODE_WIDTH + GAP_X), y: start.y + row * (NODE_HEIGHT + GAP_Y) }
      if (!overlaps(doc, at)) return at
    }
  }
  return { x: start.x, y: start.y + doc.nodes.length * (NODE_HEIGHT + GAP_Y) }
}

/** Where a node added after `sourceId` goes: one column to its right, at the first free row. */
export function spotAfter(doc: GraphDoc, sourceId: string): Position {
  const source = doc.nodes.find((n) => n.id === sourceId)
  if (!source) return freeSpot(doc, { x: 80, y: 80 })
  return freeSpot(doc, { x: source.position.x + NODE_WIDTH + 80, y: source.position.y })
}
