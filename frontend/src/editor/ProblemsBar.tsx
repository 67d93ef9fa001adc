// The editor's footer: the graph's problems (what keeps it from running) and its warnings
// (advice that never blocks a run), each a button that selects its node. Its head counts
// them and folds the list away; unfolded, the list scrolls inside a bounded height, so a
// long one never runs past the viewport.
import { useId, useState } from 'react'
import type { Problem } from '../api/client'
import { useGraphStore } from '../stores/graph'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function ProblemsBar({ problems, warnings }: { problems: Problem[]; warnings: Problem[] }) {
  const [open, setOpen] = useState(true)
  const list = useId()
  const any = problems.length + warnings.length > 0
  return (
    <footer className={`problems${open ? '' : ' problems-folded'}`} aria-label="Problems">
      <div className="problems-head">
        {problems.length === 0 ? <span className="ok">✓ No problems</span> : <strong className="problems-count">{plural(problems.length, 'problem')}</strong>}
        {warnings.length > 0 && !open && <span className="warnings-count">⚠ {plural(warnings.length, 'warning')}</span>}
        {any && (
          <button type="button" className="link problems-toggle" aria-expanded={open} aria-controls={list} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'Show'}
          </button>
        )}
      </div>
      {any && (
        <div className="problems-body" id={list} hidden={!open}>
          {problems.length > 0 && <ProblemList problems={problems} />}
          {warnings.length > 0 && (
            <div className="warnings">
              <strong>⚠ {plural(warnings.length, 'warning')}</strong>
              <ProblemList problems={warnings} />
            </div>
          )}
        </div>
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
