// The editor's footer: the graph's problems (what keeps it from running) and its warnings
// (advice that never blocks a run), each a button that selects its node.
import type { Problem } from '../api/client'
import { useGraphStore } from '../stores/graph'

export function ProblemsBar({ problems, warnings }: { problems: Problem[]; warnings: Problem[] }) {
  return (
    <footer className="problems" aria-label="Problems">
      {warnings.length > 0 && (
        <div className="warnings">
          <strong>⚠ {warnings.length} warning{warnings.length > 1 ? 's' : ''}</strong>
          <ProblemList problems={warnings} />
        </div>
      )}
      {problems.length === 0 ? (
        <span className="ok">✓ No problems</span>
      ) : (
        <>
          <strong>{problems.length} problem{problems.length > 1 ? 's' : ''}</strong>
          <ProblemList problems={problems} />
        </>
      )}
    </footer>
  )
}

function ProblemList({ problems }: { problems: Problem[] }) {
  const store = useGraphStore()
  return (
    <ul>
      {problems.map((p, i) => (
        <li key={i}>
          <button type="button" className="link" onClick={() => p.node_id && store.getState().select([p.node_id])}>
            {p.node_id ? <code>{p.node_id}</code> : null} {p.message}
          </button>
        </li>
      ))}
    </ul>
  )
}
