// The canvas: React Flow over the graph store, with the live run's statuses on the nodes
// (derived in useFlowElements.ts).
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  type Connection,
  type EdgeChange,
  type Node,
  type NodeChange,
  useReactFlow,
} from '@xyflow/react'
import { useCallback, useMemo } from 'react'
import { CanvasActionsContext } from './canvas/actions'
import { KIND_COLORS } from './canvas/kinds'
import { PlusEdge } from './canvas/PlusEdge'
import { StickyNote } from './canvas/StickyNote'
import { useCanvasExtras } from './canvas/useCanvasExtras'
import { useGraph, useGraphStore } from '../stores/graph'
import { DRAG_TYPE } from './Palette'
import { StepNode, type StepFlowNode } from './StepNode'
import { useFlowElements, type FlowInputs } from './useFlowElements'

const nodeTypes = { step: StepNode, note: StickyNote } // built once, at module scope (docs/architecture.md#frontend-layout)
const edgeTypes = { default: PlusEdge } // every edge has a "+" (canvas/PlusEdge.tsx)
// Past this many nodes only those in view are in the DOM (panning a large graph stays smooth).
const LARGE_GRAPH = 150

const STATUS_COLORS: Record<string, string> = {
  succeeded: '#86efac',
  failed: '#fca5a5',
  running: '#a5b4fc',
  queued: '#c7d2fe',
  waiting: '#fcd34d',
}

function minimapColor(node: Node): string {
  if (node.type === 'note') return '#fde68a'
  const data = node.data as StepFlowNode['data']
  return STATUS_COLORS[data.status ?? ''] ?? KIND_COLORS[data.kind]?.strong ?? '#9ca3af'
}

export function Canvas({ types, problemsByNode, durations }: FlowInputs) {
  const store = useGraphStore()
  const nodeCount = useGraph((s) => s.doc.nodes.length)
  const { screenToFlowPosition } = useReactFlow()
  const extras = useCanvasExtras(types)

  const { nodes, edges } = useFlowElements({ types, problemsByNode, durations })

  // Controlled flow: moves and selection come back as changes and go to the store.
  const onNodesChange = useCallback((changes: NodeChange<StepFlowNode>[]) => {
    const moves: Record<string, { x: number; y: number }> = {}
    let ended = false
    const state = store.getState()
    let selection: Set<string> | null = null
    for (const change of changes) {
      if (change.type === 'position' && change.position) {
        moves[change.id] = change.position
        if (!change.dragging) ended = true
      } else if (change.type === 'select') {
        selection ??= new Set(state.selectedNodes)
        if (change.selected) selection.add(change.id)
        else selection.delete(change.id)
      }
    }
    if (Object.keys(moves).length) state.moveNodes(moves, ended)
    if (selection) state.select([...selection], state.selectedEdges)
  }, [store])

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    const state = store.getState()
    const selection = new Set(state.selectedEdges)
    let changed = false
    for (const change of changes) {
      if (change.type === 'select') {
        changed = true
        if (change.selected) selection.add(change.id)
        else selection.delete(change.id)
      }
    }
    if (changed) state.select(state.selectedNodes, [...selection])
  }, [store])

  const onConnect = useCallback((c: Connection) => {
    if (c.source && c.target) store.getState().connect(c.source, c.sourceHandle ?? 'out', c.target)
  }, [store])

  const { withExtras, takeChanges, add } = extras
  const shownNodes = useMemo(() => withExtras(nodes), [withExtras, nodes])
  const onAnyNodesChange = useCallback((changes: NodeChange<Node>[]) => onNodesChange(takeChanges(changes) as NodeChange<StepFlowNode>[]), [takeChanges, onNodesChange])

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      event.preventDefault()
      const type = event.dataTransfer.getData(DRAG_TYPE)
      const info = types.get(type)
      if (!info) return
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY })
      add(type, { kind: 'at', position })
    },
    [types, screenToFlowPosition, add],
  )

  return (
    <CanvasActionsContext.Provider value={extras.actions}>
    <div className="canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <ReactFlow
        nodes={shownNodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onAnyNodesChange}
        onNodeContextMenu={extras.onNodeContextMenu}
        onPaneContextMenu={extras.onPaneContextMenu}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        deleteKeyCode={null}
        onlyRenderVisibleElements={nodeCount > LARGE_GRAPH}
        multiSelectionKeyCode="Shift"
        minZoom={0.02}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} />
        <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeColor="#9ca3af" maskColor="rgba(243, 244, 246, 0.6)" />
        <Controls />
      </ReactFlow>
      {extras.overlay}
    </div>
    </CanvasActionsContext.Provider>
  )
}
