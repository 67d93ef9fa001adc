// One node on the canvas. Module-level and memoised; its data is plain (docs/architecture.md#frontend-layout).
import { Handle, Position, type Edge, type NodeProps, type Node } from '@xyflow/react'
import { memo } from 'react'
import { formatDuration } from '../format'
import { portsOf, type GraphEdge, type GraphNode, type NodeTypeInfo } from './types'

export interface StepNodeData extends Record<string, unknown> {
  label: string
  nodeId: string
  typeTitle: string
  ports: string[]
  hasInput: boolean
  status: string | null
  attempt: number
  durationMs: number | null
  problems: number
  pinned: boolean
  /** A run's step copied from an earlier run by a rerun from a step: that run's id. */
  reusedFrom?: number | null
}

export type StepFlowNode = Node<StepNodeData, 'step'>

/** A graph edge as React Flow draws it (ports as handles, a non-default port as its label). */
export function flowEdge(e: GraphEdge, extra: Partial<Edge>): Edge {
  return {
    id: e.id,
    source: e.source,
    sourceHandle: e.source_port,
    target: e.target,
    targetHandle: 'in',
    label: e.source_port !== 'out' ? e.source_port : undefined,
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
    label: n.name || n.id,
    nodeId: n.id,
    typeTitle: info?.title ?? n.type,
    ports: portsOf(n, info),
    hasInput: info ? info.has_input : true,
    pinned: n.pinned !== undefined,
    ...run,
  }
}

function StepNodeView({ data, selected }: NodeProps<StepFlowNode>) {
  const status = data.status ?? 'idle'
  return (
    <div className={`step step-${status}${selected ? ' step-selected' : ''}${data.problems ? ' step-invalid' : ''}`} data-node-id={data.nodeId}>
      {data.hasInput && <Handle type="target" position={Position.Left} id="in" />}
      <div className="step-title">
        {status === 'running' && <span className="spinner" aria-label="running" />}
        <span>{data.label}</span>
      </div>
      <div className="step-meta">
        <span className="step-type">{data.typeTitle}</span>
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
      <div className="ports">
        {data.ports.map((port, i) => (
          <div key={port} className="port" style={{ top: `${((i + 1) * 100) / (data.ports.length + 1)}%` }}>
            {data.ports.length > 1 && <span className="port-label">{port}</span>}
            <Handle type="source" position={Position.Right} id={port} className={`handle-${port}`} />
          </div>
        ))}
      </div>
    </div>
  )
}

export const StepNode = memo(StepNodeView)
