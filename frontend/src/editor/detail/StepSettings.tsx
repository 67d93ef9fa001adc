// How a step fails: its attempts, its time limit, what an error does, its compensation.
import { useGraph } from '../../stores/graph'
import type { GraphNode } from '../types'

export function StepSettings({ node, others }: { node: GraphNode; others: GraphNode[] }) {
  const updateNode = useGraph((s) => s.updateNode)
  return (
    <>
      <label>
        Attempts
        <input
          type="number"
          min={1}
          max={20}
          value={node.retry?.max_attempts ?? 1}
          onChange={(e) => updateNode(node.id, { retry: { ...node.retry, max_attempts: Number(e.target.value) || 1 } })}
        />
      </label>
      <label>
        Step time limit (s, each attempt)
        <input
          type="number"
          min={1}
          value={node.timeout_s ?? ''}
          placeholder="default"
          onChange={(e) => updateNode(node.id, { timeout_s: e.target.value ? Number(e.target.value) : undefined })}
        />
      </label>
      <label>
        On error
        <select value={node.on_error ?? 'fail'} onChange={(e) => updateNode(node.id, { on_error: e.target.value as GraphNode['on_error'] })}>
          <option value="fail">fail the run</option>
          <option value="continue">continue with the error as output</option>
          <option value="route">route to the error port</option>
        </select>
      </label>
      <label>
        Compensation (runs if the run fails later)
        <select value={node.compensation ?? ''} onChange={(e) => updateNode(node.id, { compensation: e.target.value || undefined })}>
          <option value="">none</option>
          {others.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name || n.id}
            </option>
          ))}
        </select>
      </label>
    </>
  )
}
