// The canvas's React Flow nodes and edges, derived from the document, the live run and
// the validation's problems (the editor's canvas; editor/Canvas.tsx draws them).
import type { Edge } from '@xyflow/react'
import { useMemo } from 'react'
import { useGraph } from '../stores/graph'
import { useRun } from '../stores/run'
import { flowEdge, stepNodeData, type StepFlowNode } from './StepNode'
import type { NodeTypeInfo } from './types'

export function useFlowElements({
  types,
  problemsByNode,
  durations,
}: {
  types: Map<string, NodeTypeInfo>
  problemsByNode: Map<string, number>
  durations: Map<string, number | null>
}): { nodes: StepFlowNode[]; edges: Edge[] } {
  const doc = useGraph((s) => s.doc)
  const selectedNodes = useGraph((s) => s.selectedNodes)
  const selectedEdges = useGraph((s) => s.selectedEdges)
  const live = useRun((s) => s.live)

  const nodes: StepFlowNode[] = useMemo(
    () =>
      doc.nodes.map((n) => {
        const info = types.get(n.type)
        const step = live?.steps[n.id]
        return {
          id: n.id,
          type: 'step',
          position: n.position,
          selected: selectedNodes.includes(n.id),
          data: stepNodeData(n, info, {
            status: step?.status ?? null,
            attempt: step?.attempt ?? 0,
            durationMs: step ? (durations.get(n.id) ?? null) : null,
            problems: problemsByNode.get(n.id) ?? 0,
          }),
        }
      }),
    [doc.nodes, types, live, selectedNodes, problemsByNode, durations],
  )

  const edges: Edge[] = useMemo(
    () =>
      doc.edges.map((e) => {
        const source = live?.steps[e.source]
        const target = live?.steps[e.target]
        const carried = source?.status === 'succeeded' && target !== undefined && target.status !== 'skipped'
        return flowEdge(e, {
          selected: selectedEdges.includes(e.id),
          animated: target?.status === 'running',
          className: carried ? 'edge-carried' : live && target?.status === 'skipped' ? 'edge-dead' : undefined,
        })
      }),
    [doc.edges, live, selectedEdges],
  )

  return { nodes, edges }
}
