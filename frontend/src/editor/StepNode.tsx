// One node on the canvas. Module-level and memoised; its data is plain (docs/architecture.md#frontend-layout).
// Icon and colour by kind (canvas/kinds.tsx); the name, ellipsised, with the id in its title;
// badges on a row of their own and, for several outputs, each port on its own row, so that
// no label ever lies over another. In the editor each output has a "+" (the node creator).
import { Handle, Position, type Edge, type NodeProps, type Node } from '@xyflow/react'
import { memo } from 'react'
import { formatDuration } from '../format'
import { useCanvasActions } from './canvas/actions'
import { kindOf, NodeIcon, type Kind } from './canvas/kinds'
import { portsOf, type GraphEdge, type GraphNode, type NodeTypeInfo } from './types'

export interface StepNodeData extends Record<string, unknown> {
  label: string
  nodeId: string
  nodeType: string
  kind: Kind
  typeTitle: string
  ports: string[]
  hasInput: boolean
  status: string | null
  attempt: number
  durationMs: number | null
  problems: number
  pinned: boolean
  reusedFrom?: number | null
  /** The editor's: the outputs that have an edge, one per line (useFlowElements' linkedPorts). */
  linkedPorts?: string
}

export type StepFlowNode = Node<StepNodeData, 'step'>

/** A graph edge as React Flow draws it: ports as handles, and no label (a port's name is on
 * its row of the node; a label on the edge lay over the next node's badges). */
export function flowEdge(e: GraphEdge, extra: Partial<Edge>): Edge {
  return {
    id: e.id,
    source: e.source,
    sourceHandle: e.source_port,
    target: e.target,
    targetHandle: 'in',
    ...extra,
  }
}

/** What a graph node shows on a canvas: the editor's and the run view's alike. */
export function stepNodeData(
  n: GraphNode,
  info: NodeTypeInfo | undefined,
  run: { status: string | null; attempt: number; durationMs: number | null; problems: number; reusedFrom?: number | null },
): StepNodeData {
  return {
    label: n.name || info?.title || n.id,
    nodeId: n.id,
    nodeType: n.type,
    kind: kindOf(n.type, info?.category),
    typeTitle: info?.title ?? n.type,
    ports: portsOf(n, info),
    hasInput: info ? info.has_input : true,
    pinned: n.pinned !== undefined,
    ...run,
  }
}

/** The "+" of an output that leads nowhere yet (a connected one has the "+" of its edge). */
function AddAfter({ nodeId, port, linked }: { nodeId: string; port: string; linked: string[] }) {
  const actions = useCanvasActions()
  if (!actions || linked.includes(port)) return null
  return (
    <button
      type="button"
      className="port-plus nodrag nopan"
      tabIndex={-1}
      aria-label={`Add a node after ${nodeId} (${port})`}
      title="Add a node here"
      data-port={port}
      onClick={(e) => {
        e.stopPropagation()
        actions.openCreator({ kind: 'after', source: nodeId, port })
      }}
    >
      +
    </button>
  )
}

function StepNodeView({ data, selected }: NodeProps<StepFlowNode>) {
  const status = data.status ?? 'idle'
  const several = data.ports.length > 1
  const linked = data.linkedPorts ? data.linkedPorts.split('\n') : []
  const badges = data.status || data.durationMs !== null || data.pinned || data.problems > 0
  return (
    <div
      className={`step step-${status} kind-${data.kind}${selected ? ' step-selected' : ''}${data.problems ? ' step-invalid' : ''}`}
      data-node-id={data.nodeId}
      data-kind={data.kind}
    >
      {data.hasInput && <Handle type="target" position={Position.Left} id="in" />}
      <div className="step-head">
        <NodeIcon type={data.nodeType} kind={data.kind} />
        <div className="step-text">
          <div className="step-title" title={`${data.label} (id: ${data.nodeId})`}>
            {status === 'running' && <span className="spinner" aria-label="running" />}
            <span className="step-name">{data.label}</span>
          </div>
          {data.typeTitle !== data.label && <div className="step-type">{data.typeTitle}</div>}
        </div>
      </div>
      {badges && (
        <div className="step-meta">
          {data.status && data.reusedFrom != null && (
            <span className="badge badge-reused" data-status={status} data-reused={data.reusedFrom} title={`Its output was copied from run #${data.reusedFrom}; it did not run here.`}>
              reused from run #{data.reusedFrom}
            </span>
          )}
          {data.status && data.reusedFrom == null && (
            <span className={`badge badge-${status}`} data-status={status}>
              {status}
              {data.attempt > 1 ? ` · try ${data.attempt}` : ''}
            </span>
          )}
          {data.durationMs !== null && <span className="step-duration">{formatDuration(data.durationMs)}</span>}
          {data.pinned && (
            <span className="badge badge-pinned" title="Pinned data: previews and step tests use it; runs never do.">
              pinned
            </span>
          )}
          {data.problems > 0 && <span className="badge badge-failed">{data.problems} problem{data.problems > 1 ? 's' : ''}</span>}
        </div>
      )}
      {several ? (
        <div className="step-ports">
          {data.ports.map((port) => (
            <div key={port} className="port-row">
              <span className="port-label" title={port}>{port}</span>
              <Handle type="source" position={Position.Right} id={port} className={`handle-${port}`} />
              <AddAfter nodeId={data.nodeId} port={port} linked={linked} />
            </div>
          ))}
        </div>
      ) : (
        data.ports.map((port) => (
          <div key={port} className="port-single">
            <Handle type="source" position={Position.Right} id={port} className={`handle-${port}`} />
            <AddAfter nodeId={data.nodeId} port={port} linked={linked} />
          </div>
        ))
      )}
    </div>
  )
}

export const StepNode = memo(StepNodeView)
