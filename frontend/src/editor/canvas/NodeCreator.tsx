// The node creator: a side sheet over the canvas with its search box focused, the node types
// by kind; arrow keys and Enter pick one, Escape closes. Opened by a port's or an edge's "+",
// the canvas menu, or the N key (the node goes after the selected node).
import { useEffect, useMemo, useRef, useState } from 'react'
import type { NodeTypeInfo } from '../types'
import type { CreatorTarget } from './actions'
import { KIND_LABELS, KIND_ORDER, kindOf, NodeIcon } from './kinds'

export function matchTypes(types: NodeTypeInfo[], query: string): NodeTypeInfo[] {
  const q = query.trim().toLowerCase()
  const shown = types.filter((t) => !q || `${t.title} ${t.type} ${t.description} ${t.category}`.toLowerCase().includes(q))
  // By kind with no query; with one, the titles that start with it first, then the titles
  // that hold it, then the rest (a description that mentions it).
  const byTitle = (t: NodeTypeInfo) => {
    const title = t.title.toLowerCase()
    return !q ? 0 : title.startsWith(q) ? 0 : title.includes(q) || t.type.includes(q) ? 1 : 2
  }
  const rank = (t: NodeTypeInfo) => byTitle(t) * 10 + KIND_ORDER.indexOf(kindOf(t.type, t.category))
  return [...shown].sort((a, b) => rank(a) - rank(b))
}

export function NodeCreator({ types, target, context, onPick, onClose }: {
  types: NodeTypeInfo[]
  target: CreatorTarget
  context: string
  onPick: (type: string) => void
  onClose: () => void
}) {
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  // A trigger has no input: nothing can come before it on an edge or after a node.
  const allowed = useMemo(() => (target.kind === 'after' || target.kind === 'edge' ? types.filter((t) => !t.is_trigger) : types), [types, target])
  const shown = useMemo(() => matchTypes(allowed, query), [allowed, query])
  useEffect(() => input.current?.focus(), [])
  useEffect(() => setActive(0), [query])
  useEffect(() => {
    document.getElementById(`creator-item-${active}`)?.scrollIntoView({ block: 'nearest' })
  }, [active])

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault()
      setActive((i) => Math.min(i + 1, shown.length - 1))
    } else if (e.key === 'ArrowUp') {
      e.preventDefault()
      setActive((i) => Math.max(i - 1, 0))
    } else if (e.key === 'Enter') {
      e.preventDefault()
      if (shown[active]) onPick(shown[active].type)
    } else if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      onClose()
    }
  }

  let lastKind = ''
  return (
    <div className="creator" role="dialog" aria-label="Add a node" onKeyDown={onKey}>
      <div className="creator-head">
        <strong>Add a node</strong>
        <button type="button" className="link creator-close" aria-label="Close" onClick={onClose}>×</button>
      </div>
      {context && <p className="muted creator-context">{context}</p>}
      <input
        ref={input}
        className="search"
        placeholder="Search nodes…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        aria-label="Search node types"
        role="combobox"
        aria-expanded="true"
        aria-controls="creator-list"
        aria-activedescendant={shown[active] ? `creator-item-${active}` : undefined}
      />
      <div className="creator-list" id="creator-list" role="listbox" aria-label="Node types">
        {shown.length === 0 && <p className="muted">No node type matches “{query}”.</p>}
        {shown.map((t, i) => {
          const kind = kindOf(t.type, t.category)
          const heading = kind !== lastKind ? KIND_LABELS[kind] : null
          lastKind = kind
          return (
            <div key={t.type} role="presentation">
              {heading && <div className="creator-kind" role="presentation">{heading}</div>}
              <div
                id={`creator-item-${i}`}
                role="option"
                aria-selected={i === active}
                className={`creator-item${i === active ? ' active' : ''}`}
                data-type={t.type}
                onMouseEnter={() => setActive(i)}
                onClick={() => onPick(t.type)}
              >
                <NodeIcon type={t.type} kind={kind} size={16} />
                <span className="creator-text">
                  <span className="creator-title">{t.title}</span>
                  <span className="creator-desc">{t.description}</span>
                </span>
              </div>
            </div>
          )
        })}
      </div>
    </div>
  )
}
