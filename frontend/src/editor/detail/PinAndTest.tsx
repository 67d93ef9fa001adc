// Pinned data and "Test step" for one node (docs/architecture.md#pinned-data-and-step-tests).
// Pinning writes the node's `pinned` into the draft through the graph store (one undoable
// edit; saved with the draft, never read by a run). Testing sends the editor's graph, unsaved
// edits and pins included, to POST /api/workflows/{id}/nodes/{node_id}/test/: the server runs
// the node alone, with its real effects, and records a test, not a run.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { ApiError, call, client, type Problem } from '../../api/client'
import type { components } from '../../api/generated/schema'
import { useGraph, useGraphStore } from '../../stores/graph'
import type { GraphDoc } from '../types'

export type StepTest = components['schemas']['StepTest']
type TestBody = components['schemas']['TestStepRequest']

/** The graph store, used here only: the node's pin, the document, and the edit that pins. */
function usePin(nodeId: string) {
  const pinned = useGraph((s) => s.doc.nodes.find((n) => n.id === nodeId)?.pinned)
  const updateNode = useGraph((s) => s.updateNode)
  const store = useGraphStore()
  return {
    pinned,
    setPinned: (output: unknown) => updateNode(nodeId, { pinned: { output } }),
    unpin: () => updateNode(nodeId, { pinned: undefined }),
    doc: (): GraphDoc => store.getState().doc,
  }
}

/** The text a person types as pinned data: any JSON value, or why it is not one. */
export function parsePinned(text: string): { value: unknown } | { error: string } {
  if (!text.trim()) return { error: 'Type a JSON value (an object, a list, a string in quotes, a number...).' }
  try {
    return { value: JSON.parse(text) }
  } catch (e) {
    return { error: `This is not JSON: ${(e as Error).message}` }
  }
}

export const pretty = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2))

/** What a failed test request says: the server's sentence, then each problem's. */
export function refusal(error: unknown): string[] {
  if (error instanceof ApiError) return [error.message, ...error.problems.map((p: Problem) => p.message)]
  return [error instanceof Error ? error.message : String(error)]
}

export interface PinAndTestProps {
  workflowId: number
  nodeId: string
  /** The node's output in the last run, when it has one ({output}: null is an output too). */
  lastOutput?: { output: unknown } | null
  /** The run whose data the test uses (default: the workflow's latest). */
  runId?: number | null
}

/** The node's pinned data and its "Test step", over the editor's graph store. */
export function PinAndTest(props: PinAndTestProps) {
  return <PinAndTestView {...props} {...usePin(props.nodeId)} />
}

/** The same, given the pin and the edits (what the store hook supplies). */
export function PinAndTestView({
  workflowId,
  nodeId,
  lastOutput,
  runId = null,
  pinned,
  setPinned,
  unpin,
  doc,
}: PinAndTestProps & ReturnType<typeof usePin>) {
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState('')
  const [parseError, setParseError] = useState<string | null>(null)
  const [result, setResult] = useState<StepTest | null>(null)
  useEffect(() => {
    setEditing(false)
    setParseError(null)
    setResult(null)
  }, [nodeId])

  const tests = useQuery({
    queryKey: ['step-tests', workflowId, nodeId],
    queryFn: () => call(client.GET('/api/workflows/{workflow_id}/tests/', { params: { path: { workflow_id: workflowId }, query: { node_id: nodeId, page_size: 5 } } })),
  })
  const test = useMutation({
    mutationFn: () => {
      const body: TestBody = { graph: doc(), ...(runId ? { run_id: runId } : {}) }
      return call(client.POST('/api/workflows/{workflow_id}/nodes/{node_id}/test/', { params: { path: { workflow_id: workflowId, node_id: nodeId } }, body }))
    },
    onSuccess: (found) => {
      setResult(found)
      queryClient.invalidateQueries({ queryKey: ['step-tests', workflowId, nodeId] })
    },
  })

  const startEditing = (value: unknown) => {
    setText(pretty(value === undefined ? {} : value))
    setParseError(null)
    setEditing(true)
  }
  const applyText = () => {
    const parsed = parsePinned(text)
    if ('error' in parsed) return setParseError(parsed.error)
    setPinned(parsed.value)
    setEditing(false)
  }

  return (
    <div className="pin-and-test" data-testid="pin-and-test">
      <div className="panel-section" aria-label="Pinned data">
        <h3>
          Pinned data {pinned && <span className="badge badge-pinned">pinned</span>}
        </h3>
        <p className="muted">
          {pinned
            ? 'Previews and tests use this instead of the step’s output. Runs never do.'
            : 'Pin an output so previews and tests use it without running the step again. Runs never use it.'}
        </p>
        {editing ? (
          <>
            <label>
              Output to pin (JSON)
              <textarea rows={8} className="json" value={text} onChange={(e) => setText(e.target.value)} aria-label="Pinned output (JSON)" spellCheck={false} />
            </label>
            {parseError && <p className="error" role="alert">{parseError}</p>}
            <div className="row-actions">
              <button type="button" onClick={applyText}>Pin</button>{' '}
              <button type="button" className="secondary" onClick={() => setEditing(false)}>Cancel</button>
            </div>
          </>
        ) : pinned ? (
          <>
            <pre className="json-view" data-testid="pinned-output">{pretty(pinned.output)}</pre>
            <div className="row-actions">
              <button type="button" className="secondary" onClick={() => startEditing(pinned.output)}>Edit</button>{' '}
              <button type="button" className="secondary" onClick={unpin}>Unpin</button>
            </div>
          </>
        ) : (
          <div className="row-actions">
            <button type="button" className="secondary" disabled={!lastOutput} onClick={() => lastOutput && setPinned(lastOutput.output)} title={lastOutput ? undefined : 'No run output for this step yet'}>
              Pin last run’s output
            </button>{' '}
            <button type="button" className="secondary" onClick={() => startEditing({})}>Type data to pin</button>
          </div>
        )}
      </div>

      <div className="panel-section" aria-label="Test step">
        <h3>Test step</h3>
        <p className="muted">
          Runs this step alone, with the data it would see ({runId ? `run #${runId}` : 'the latest run'}, pinned data over it) and its real
          effects: an HTTP call happens. Nothing is saved and no run starts.
        </p>
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
          {test.isPending ? 'Testing…' : 'Test step'}
        </button>
        {test.isError && refusal(test.error).map((line, i) => <p key={i} className="error" role="alert">{line}</p>)}
        {result && !test.isPending && !test.isError && (
          <div className="step-test-result" data-testid="test-result" data-status={result.status}>
            <h4>
              Result: <span className={`badge badge-${result.status}`}>{result.status}</span> <span className="muted">{result.duration_ms} ms</span>
            </h4>
            {result.error != null && <pre className="json-view error-view" data-testid="test-error">{pretty(result.error)}</pre>}
            {result.status === 'succeeded' && (
              <>
                <pre className="json-view" data-testid="test-output">{pretty(result.output)}</pre>
                <button type="button" className="link" onClick={() => setPinned(result.output)}>Pin this output</button>
              </>
            )}
          </div>
        )}
        {tests.data && tests.data.count > 0 && (
          <details className="test-history">
            <summary className="muted">Earlier tests ({tests.data.count})</summary>
            <ul>
              {tests.data.results.map((t) => (
                <li key={t.id}>
                  <span className={`badge badge-${t.status}`}>{t.status}</span> {new Date(t.started_at).toLocaleString()} · {t.duration_ms} ms
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </div>
  )
}
