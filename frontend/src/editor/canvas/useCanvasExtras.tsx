// What the canvas adds around React Flow: the node creator, the context menus, the sticky
// notes, the keys (N: add a node after the selected one; Enter on a selected node: into
// its settings), and the measured sizes that let the minimap draw the nodes (a controlled
// flow loses React Flow's measurements unless they are handed back with the nodes).
import { useReactFlow, type Node, type NodeChange } from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { useGraphStore } from '../../stores/graph'
import { layoutPositions } from '../layout'
import { portsOf, type NodeTypeInfo } from '../types'
import type { CanvasActions, CreatorTarget } from './actions'
import { ContextMenu, type MenuItem } from './ContextMenu'
import { NodeCreator } from './NodeCreator'
import { applyNoteChanges, isNoteId, useNoteNodes } from './StickyNote'
import { useAddNode } from './useAddNode'

const CLIPBOARD = 'stepwise-clipboard' // the one useShortcuts reads

type Menu = { x: number; y: number; nodeId: string | null; at: { x: number; y: number } }

/** Retries until the element exists (the panel draws after the selection). */
function whenPresent(selector: string, then: (el: HTMLElement) => void, tries = 20) {
  const el = document.querySelector<HTMLElement>(selector)
  if (el) then(el)
  else if (tries > 0) requestAnimationFrame(() => whenPresent(selector, then, tries - 1))
}

export function focusSettings() {
  whenPresent('.panel[aria-label="Node settings"]', (panel) => {
    const field = panel.querySelector<HTMLElement>('[id^="root_"]:is(input, select, textarea)') ?? panel.querySelector<HTMLElement>('input')
    field?.focus()
  })
}

export function useCanvasExtras(types: Map<string, NodeTypeInfo>) {
  const store = useGraphStore()
  const { screenToFlowPosition, fitView } = useReactFlow()
  const [creator, setCreator] = useState<CreatorTarget | null>(null)
  const [menu, setMenu] = useState<Menu | null>(null)
  const [selectedNotes, setSelectedNotes] = useState<string[]>([])
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({})
  const add = useAddNode(types)
  const typeList = useMemo(() => [...types.values()], [types])
  const noteNodes = useNoteNodes(selectedNotes)

  const actions: CanvasActions = useMemo(() => ({ openCreator: (target) => { setMenu(null); setCreator(target) } }), [])
  const closeCreator = useCallback(() => setCreator(null), [])
  const closeMenu = useCallback(() => setMenu(null), [])

  /** Notes' changes to the notes, the steps' sizes kept; the rest for the steps' handler. */
  const takeChanges = useCallback(
    <N extends Node>(changes: NodeChange<N>[]): NodeChange<N>[] => {
      const rest = applyNoteChanges(changes, store, selectedNotes, setSelectedNotes)
      const measured: Record<string, { width: number; height: number }> = {}
      for (const c of rest) if (c.type === 'dimensions' && c.dimensions) measured[c.id] = c.dimensions
      if (Object.keys(measured).length) setSizes((s) => ({ ...s, ...measured }))
      return rest
    },
    [store, selectedNotes],
  )

  /** The steps with their measured sizes, after the notes (so notes lie under them). A step
   * whose node and size did not change keeps the same object (useFlowElements' identities
   * survive: typing in one node's panel must not hand React Flow 500 new nodes). */
  const sized = useRef(new Map<string, { node: Node; size: unknown; out: Node }>())
  const withExtras = useCallback(
    <N extends Node>(steps: N[]): Node[] => {
      const cache = sized.current
      const next = new Map<string, { node: Node; size: unknown; out: Node }>()
      const out = steps.map((n): Node => {
        const size = sizes[n.id]
        if (!size) return n
        const old = cache.get(n.id)
        const entry = old && old.node === n && old.size === size ? old : { node: n, size, out: { ...n, measured: size } }
        next.set(n.id, entry)
        return entry.out
      })
      sized.current = next
      return [...noteNodes, ...out]
    },
    [noteNodes, sizes],
  )

  const layout = useCallback(async () => {
    store.getState().applyLayout(await layoutPositions(store.getState().doc))
    requestAnimationFrame(() => void fitView({ padding: 0.2 }))
  }, [store, fitView])

  const onNodeContextMenu = useCallback(
    (event: React.MouseEvent, node: Node) => {
      event.preventDefault()
      setCreator(null)
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY })
      if (isNoteId(node.id)) setSelectedNotes([node.id.slice(5)])
      else store.getState().select([node.id])
      setMenu({ x: event.clientX, y: event.clientY, nodeId: node.id, at })
    },
    [screenToFlowPosition, store],
  )
  const onPaneContextMenu = useCallback(
    (event: React.MouseEvent | MouseEvent) => {
      event.preventDefault()
      setCreator(null)
      setMenu({ x: event.clientX, y: event.clientY, nodeId: null, at: screenToFlowPosition({ x: event.clientX, y: event.clientY }) })
    },
    [screenToFlowPosition],
  )

  const menuItems = (m: Menu): MenuItem[] => {
    const g = store.getState()
    if (m.nodeId && isNoteId(m.nodeId)) {
      const id = m.nodeId.slice(5)
      return [{ label: 'Delete note', danger: true, action: () => { g.removeNote(id); setSelectedNotes([]) } }]
    }
    if (m.nodeId) {
      const id = m.nodeId
      const copy = () => {
        g.select([id])
        const text = store.getState().copySelection()
        localStorage.setItem(CLIPBOARD, text)
        void navigator.clipboard?.writeText(text).catch(() => {})
        return text
      }
      return [
        { label: 'Rename', action: () => { g.select([id]); whenPresent('.panel[aria-label="Node settings"] input', (el) => { el.focus(); (el as HTMLInputElement).select() }) } },
        { label: 'Open details', action: () => { g.select([id]); whenPresent('.panel button[title^="Input, parameters"]', (el) => el.click()) } },
        { label: 'Duplicate', action: () => { g.select([id]); store.getState().paste(store.getState().copySelection()) } },
        { label: 'Copy', action: () => void copy() },
        { label: 'Delete', danger: true, action: () => { g.select([id]); store.getState().removeSelected() } },
      ]
    }
    return [
      { label: 'Add node here', action: () => setCreator({ kind: 'at', position: m.at }) },
      { label: 'Add sticky note', action: () => void g.addNote({ x: Math.round(m.at.x), y: Math.round(m.at.y) }) },
      { label: 'Paste', disabled: !localStorage.getItem(CLIPBOARD), action: () => void g.paste(localStorage.getItem(CLIPBOARD) ?? '') },
      { label: 'Auto-layout', action: () => void layout() },
      { label: 'Fit view', action: () => void fitView({ padding: 0.2 }) },
    ]
  }

  // N opens the creator (after the selected node); Enter on a selected node goes into its
  // settings; Delete removes the selected notes. Not while typing in a field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (target.closest('input, textarea, select, [contenteditable], .creator, .context-menu, .dialog')) return
      if (e.ctrlKey || e.metaKey || e.altKey) return
      const g = store.getState()
      if (e.key === 'n' || e.key === 'N') {
        e.preventDefault()
        setMenu(null)
        const only = g.selectedNodes.length === 1 ? g.doc.nodes.find((n) => n.id === g.selectedNodes[0]) : undefined
        const port = only ? portsOf(only, types.get(only.type))[0] : undefined
        setCreator(only && port ? { kind: 'after', source: only.id, port } : { kind: 'free' })
      } else if (e.key === 'Enter' && target.matches('.react-flow__node') && g.selectedNodes.includes(target.dataset.id ?? '')) {
        e.preventDefault()
        focusSettings()
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && selectedNotes.length) {
        for (const id of selectedNotes) g.removeNote(id)
        setSelectedNotes([])
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [store, types, selectedNotes])

  const pick = useCallback(
    (type: string) => {
      if (!creator) return
      setCreator(null)
      add(type, creator)
    },
    [creator, add],
  )

  const context = (() => {
    if (!creator) return ''
    const doc = store.getState().doc
    const name = (id: string) => doc.nodes.find((n) => n.id === id)?.name || id
    if (creator.kind === 'after') return `After “${name(creator.source)}”${creator.port !== 'out' ? ` (${creator.port})` : ''}`
    if (creator.kind === 'edge') {
      const edge = doc.edges.find((e) => e.id === creator.edgeId)
      return edge ? `Between “${name(edge.source)}” and “${name(edge.target)}”` : ''
    }
    return ''
  })()

  const overlay: ReactNode = (
    <>
      {creator && <NodeCreator types={typeList} target={creator} context={context} onPick={pick} onClose={closeCreator} />}
      {menu && <ContextMenu x={menu.x} y={menu.y} label={menu.nodeId ? 'Node actions' : 'Canvas actions'} items={menuItems(menu)} onClose={closeMenu} />}
    </>
  )

  return { actions, add, takeChanges, withExtras, onNodeContextMenu, onPaneContextMenu, overlay }
}
