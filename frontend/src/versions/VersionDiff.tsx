// The visual diff of two versions: both graphs drawn as one, read-only, added nodes and edges
// in green, removed ones in red (where the old version had them), changed ones in amber; a
// changed node's fields, old -> new, when it is clicked (or picked from the list of changes).
import { ReactFlowProvider, type Edge } from '@xyflow/react'
import { useMemo, useState } from 'react'
import { ApiError } from '../api/client'
import { useNodeTypes, useVersionGraph } from '../api/queries'
import { ReadOnlyFlow } from '../editor/ReadOnlyFlow'
import { flowEdge, stepNodeData, type StepFlowNode } from '../editor/StepNode'
import { diffGraphs, shown, type NodeDiff } from './diff'

const IDLE = { status: null, attempt: 0, durationMs: null, problems: 0 }
const WORDS = { added: 'Added', removed: 'Removed', changed: 'Changed', same: 'Unchanged' } as const

export function VersionDiff({ workflowId, before, after, onClose }: { workflowId: number; before: number; after: number; onClose: () => void }) {
  const old = useVersionGraph(workflowId, before)
  const now = useVersionGraph(workflowId, after)
  const types = useNodeTypes()
  const [selected, setSelected] = useState<string | null>(null)
  const diff = useMemo(() => (old.data && now.data ? diffGraphs(old.data.graph, now.data.graph) : null), [old.data, now.data])
  const info = useMemo(() => new Map((types.data ?? []).map((t) => [t.type, t])), [types.data])

  const nodes = useMemo<StepFlowNode[]>(
    () =>
      (diff?.nodes ?? []).map((d) => ({
        id: d.id,
        type: 'step',
        position: d.node.position ?? { x: 0, y: 0 },
        data: stepNodeData(d.node, info.get(d.node.type), IDLE),
        className: `diff-node diff-${d.change}`,
        selected: d.id === selected,
      })),
    [diff, info, selected],
  )
  const edges = useMemo<Edge[]>(
    () => (diff?.edges ?? []).map((d) => flowEdge(d.edge, { id: `${d.change}:${d.key}`, className: `diff-edge-${d.change}`, selectable: false })),
    [diff],
  )
  const error = old.error ?? now.error
  const picked = diff?.nodes.find((n) => n.id === selected) ?? null
  const changes = (diff?.nodes ?? []).filter((n) => n.change !== 'same')

  return (
    <div className="diff-view" role="dialog" aria-label={`Compare version ${before} with version ${after}`}>
      <header className="diff-head">
        <h2>Version {before} → version {after}</h2>
        {diff && (
          <ul className="diff-legend" aria-label="Summary">
            <li className="legend-added">{diff.counts.added} added</li>
            <li className="legend-removed">{diff.counts.removed} removed</li>
            <li className="legend-changed">{diff.counts.changed} changed</li>
          </ul>
        )}
        <button type="button" className="secondary" onClick={onClose}>Close</button>
      </header>
      {error && <p className="error" role="alert">{error instanceof ApiError ? error.message : String(error)}</p>}
      <div className="diff-body">
        <div className="diff-canvas" data-testid="diff-canvas">
          {diff && (
            <ReactFlowProvider>
              <ReadOnlyFlow nodes={nodes} edges={edges} onSelect={setSelected} />
            </ReactFlowProvider>
          )}
        </div>
        <aside className="diff-panel" aria-label="Changes">
          {picked ? <NodeChanges diff={picked} onBack={() => setSelected(null)} /> : <ChangeList changes={changes} onPick={setSelected} loading={!diff && !error} />}
        </aside>
      </div>
    </div>
  )
}

function ChangeList({ changes, onPick, loading }: { changes: NodeDiff[]; onPick: (id: string) => void; loading: boolean }) {
  if (loading) return <p className="muted">Loading both versions…</p>
  if (changes.length === 0) return <p className="muted">No node was added, removed or changed (edges and positions aside).</p>
  return (
    <>
      <h3>Changed nodes</h3>
      <p className="muted small">Click a node, on the canvas or here, to see what changed in it.</p>
      <ul className="diff-changes">
        {changes.map((n) => (
          <li key={n.id}>
            <button type="button" className="link" onClick={() => onPick(n.id)}>
              <span className={`diff-tag diff-tag-${n.change}`}>{WORDS[n.change]}</span> {n.node.name || n.id}
            </button>
          </li>
        ))}
      </ul>
    </>
  )
}

function NodeChanges({ diff, onBack }: { diff: NodeDiff; onBack: () => void }) {
  return (
    <div data-testid="node-diff">
      <button type="button" className="link" onClick={onBack}>← All changes</button>
      <h3>
        {diff.node.name || diff.id} <span className={`diff-tag diff-tag-${diff.change}`}>{WORDS[diff.change]}</span>
      </h3>
      <p className="muted small"><code>{diff.id}</code> · {diff.node.type}{diff.moved ? ' · moved' : ''}</p>
      {diff.change === 'added' && <p>This node is new in the later version.</p>}
      {diff.change === 'removed' && <p>This node was removed; it is drawn where the earlier version had it.</p>}
      {diff.change === 'same' && <p>Nothing changed in this node{diff.moved ? ' but its position' : ''}.</p>}
      {diff.fields.length > 0 && (
        <table className="field-diff">
          <thead>
            <tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr>
          </thead>
          <tbody>
            {diff.fields.map((f) => (
              <tr key={f.path} className={`field-${f.kind}`} data-path={f.path}>
                <td><code>{f.path}</code></td>
                <td className="before">{shown(f.before)}</td>
                <td className="after">{shown(f.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
