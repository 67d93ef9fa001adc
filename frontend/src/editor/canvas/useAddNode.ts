// Adding a node the way every entry point does it (palette, node creator, context menu):
// a readable name from its type's title, a free spot (never on another node), connected
// after a node or put on an edge when asked; then it is selected, in view and focused, so
// Enter opens its settings.
import { useReactFlow } from '@xyflow/react'
import { useCallback } from 'react'
import { useGraphStore } from '../../stores/graph'
import { NODE_HEIGHT, NODE_WIDTH } from '../layout'
import { portsOf, type NodeTypeInfo } from '../types'
import type { CreatorTarget } from './actions'
import { defaultName, freeSpot, spotAfter } from './names'

/** Focus a node's element once React Flow shows it. */
export function focusNode(id: string, tries = 30) {
  // Until measured, React Flow keeps a new node hidden, and a hidden element takes no focus.
  const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)
  el?.focus()
  if (document.activeElement !== el && tries > 0) requestAnimationFrame(() => focusNode(id, tries - 1))
}

export function useAddNode(types: NodeTypeInfo[] | Map<string, NodeTypeInfo>) {
  const store = useGraphStore()
  const { screenToFlowPosition, flowToScreenPosition, setCenter, getZoom } = useReactFlow()
  return useCallback(
    (type: string, target: CreatorTarget): string | null => {
      const info = types instanceof Map ? types.get(type) : types.find((t) => t.type === type)
      if (!info) return null
      const g = store.getState()
      const doc = g.doc
      const name = defaultName(info.title, doc)
      const config = info.default_config ?? {}
      let id: string | null
      if (target.kind === 'after') {
        id = g.addStep(type, spotAfter(doc, target.source), config, name, { source: target.source, port: target.port })
      } else if (target.kind === 'edge') {
        const edge = doc.edges.find((e) => e.id === target.edgeId)
        const a = doc.nodes.find((n) => n.id === edge?.source)
        const b = doc.nodes.find((n) => n.id === edge?.target)
        const middle = a && b ? { x: (a.position.x + b.position.x) / 2, y: (a.position.y + b.position.y) / 2 + NODE_HEIGHT + 40 } : { x: 80, y: 80 }
        const out = portsOf({ id: '', type, position: middle, config }, info)[0] ?? 'out'
        id = g.insertOnEdge(target.edgeId, type, freeSpot(doc, middle), config, name, out)
      } else {
        let preferred = target.kind === 'at' ? target.position : null
        if (!preferred) {
          const pane = document.querySelector('.canvas .react-flow')?.getBoundingClientRect()
          preferred = pane ? screenToFlowPosition({ x: pane.left + 60, y: pane.top + 60 }) : { x: 80, y: 80 }
        }
        id = g.addStep(type, freeSpot(doc, preferred), config, name)
      }
      if (!id) return null
      const added = store.getState().doc.nodes.find((n) => n.id === id)
      const pane = document.querySelector('.canvas .react-flow')?.getBoundingClientRect()
      // Put where the person pointed (a drop, the canvas menu): it is in view already.
      if (added && pane && target.kind !== 'at') {
        const at = flowToScreenPosition(added.position)
        const inside = at.x >= pane.left && at.y >= pane.top && at.x + NODE_WIDTH <= pane.right && at.y + NODE_HEIGHT <= pane.bottom
        if (!inside) void setCenter(added.position.x + NODE_WIDTH / 2, added.position.y + NODE_HEIGHT / 2, { zoom: getZoom(), duration: 0 })
      }
      focusNode(id)
      return id
    },
    [types, store, screenToFlowPosition, flowToScreenPosition, setCenter, getZoom],
  )
}
