// The node catalog: compact rows (icon and title; the description, and a plugin's package, in
// the tooltip), by kind, searchable. Drag a row onto the canvas, double-click it, or focus it and press Enter: the
// node goes to a free spot with a readable name (canvas/useAddNode.ts).
import { useMemo, useState } from 'react'
import { KIND_LABELS, kindOf, NodeIcon, type Kind } from './canvas/kinds'
import { matchTypes } from './canvas/NodeCreator'
import { useAddNode } from './canvas/useAddNode'
import { paletteTooltip, type NodeTypeInfo } from './types'

export const DRAG_TYPE = 'application/x-stepwise-node-type'

export function Palette({ types }: { types: NodeTypeInfo[] }) {
  const [query, setQuery] = useState('')
  const add = useAddNode(types)
  const groups = useMemo(() => {
    const byKind = new Map<Kind, NodeTypeInfo[]>()
    for (const t of matchTypes(types, query)) {
      const kind = kindOf(t.type, t.category)
      byKind.set(kind, [...(byKind.get(kind) ?? []), t])
    }
    return [...byKind.entries()]
  }, [types, query])
  return (
    <aside className="palette" aria-label="Node palette">
      <input className="search" placeholder="Search nodes…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search nodes" />
      {groups.length === 0 && <p className="muted">No node type matches “{query}”.</p>}
      {groups.map(([kind, items]) => (
        <section key={kind} aria-label={KIND_LABELS[kind]}>
          <h3>{KIND_LABELS[kind]}</h3>
          {items.map((t) => (
            <button
              type="button"
              key={t.type}
              className="palette-item"
              draggable
              data-type={t.type}
              title={paletteTooltip(t)}
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, t.type)
                e.dataTransfer.effectAllowed = 'move'
              }}
              // A click from the keyboard (Enter, Space) has no detail; a mouse click does, and
              // only its double-click adds.
              onClick={(e) => {
                if (e.detail === 0) add(t.type, { kind: 'free' })
              }}
              onDoubleClick={() => add(t.type, { kind: 'free' })}
            >
              <NodeIcon type={t.type} kind={kind} size={14} />
              <span className="palette-title">{t.title}</span>
            </button>
          ))}
        </section>
      ))}
    </aside>
  )
}
