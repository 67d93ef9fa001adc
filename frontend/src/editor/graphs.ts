// Reads of the document the editor's screens share (pure functions over the graph).
import type { GraphDoc } from './types'

/** Every node upstream of `id`: what its expressions may read as steps.<id>. */
export function ancestors(doc: Pick<GraphDoc, 'edges'>, id: string): string[] {
  const seen = new Set<string>()
  const stack = [id]
  while (stack.length) {
    const current = stack.pop()!
    for (const e of doc.edges) if (e.target === current && !seen.has(e.source)) {
      seen.add(e.source)
      stack.push(e.source)
    }
  }
  return [...seen]
}
