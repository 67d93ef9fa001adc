// The node catalog, grouped by category, searchable; items are dragged onto the canvas.
import { useMemo, useState } from 'react'
import type { NodeTypeInfo } from './types'

export const DRAG_TYPE = 'application/x-stepwise-node-type'

export function Palette({ types, onAdd }: { types: NodeTypeInfo[]; onAdd: (type: string) => void }) {
  const [query, setQuery] = useState('')
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase()
    const shown = types.filter((t) => !q || `${t.title} ${t.type} ${t.description}`.toLowerCase().includes(q))
    const byCategory = new Map<string, NodeTypeInfo[]>()
    for (const t of shown) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t])
    return [...byCategory.entries()]
  }, [types, query])
  return (
    <aside className="palette" aria-label="Node palette">
      <input className="search" placeholder="Search nodes…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search nodes" />
      {groups.length === 0 && <p className="muted">No node type matches “{query}”.</p>}
      {groups.map(([category, items]) => (
        <section key={category}>
          <h3>{category}</h3>
          {items.map((t) => (
            <div
              key={t.type}
              className="palette-item"
              draggable
              data-type={t.type}
              title={t.description}
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, t.type)
                e.dataTransfer.effectAllowed = 'move'
              }}
              onDoubleClick={() => onAdd(t.type)}
            >
              <strong>{t.title}</strong>
              <span className="muted">{t.description}</span>
            </div>
          ))}
        </section>
      ))}
    </aside>
  )
}
