// A graph drawn read-only with the editor's nodes (the run view, the versions' diff): no
// dragging, no connecting; clicking a node selects it, clicking the pane clears it.
import { Background, Controls, ReactFlow, type Edge } from '@xyflow/react'
import { StepNode, type StepFlowNode } from './StepNode'

const nodeTypes = { step: StepNode } // module scope (docs/architecture.md#frontend-layout)

export function ReadOnlyFlow({ nodes, edges, onSelect, minZoom }: {
  nodes: StepFlowNode[]
  edges: Edge[]
  onSelect: (nodeId: string | null) => void
  minZoom?: number
}) {
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      onNodeClick={(_, n) => onSelect(n.id)}
      onPaneClick={() => onSelect(null)}
      fitView
      minZoom={minZoom}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={16} />
      <Controls showInteractive={false} />
    </ReactFlow>
  )
}
