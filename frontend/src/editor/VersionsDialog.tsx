// The workflow's versions, newest first, each with who saved it and its message; saving the
// draft as a version with a message; restoring one (it becomes the draft, a new version on
// the server); picking two to compare them in the visual diff (versions/VersionDiff).
import { useState } from 'react'
import { ApiError } from '../api/client'
import { useRestoreVersion, useVersions } from '../api/queries'
import { useGraphStore } from '../stores/graph'
import { useSaveVersion } from '../versions/api'
import { VersionDiff } from '../versions/VersionDiff'
import { Dialog } from './Dialog'

export function VersionsDialog({ workflowId, onClose }: { workflowId: number; onClose: () => void }) {
  const store = useGraphStore()
  const versions = useVersions(workflowId, true)
  const restore = useRestoreVersion(workflowId)
  const saveVersion = useSaveVersion(workflowId)
  const [message, setMessage] = useState('')
  const [notice, setNotice] = useState<string | null>(null)
  const [picked, setPicked] = useState<number[]>([])
  const [comparing, setComparing] = useState<[number, number] | null>(null)

  const onRestore = (number: number) => {
    if (store.getState().isDirty() && !window.confirm('Restoring replaces your unsaved changes. Continue?')) return
    // mutateAsync: mutate's own callbacks are dropped if the dialog is rendered anew meanwhile.
    restore
      .mutateAsync(number)
      .then((restored) => {
        store.getState().load(restored.graph, restored.latest_version)
        onClose()
      })
      .catch(() => {}) // shown from restore.error
  }
  const onSave = (event: React.FormEvent) => {
    event.preventDefault()
    setNotice(null)
    const { doc, version } = store.getState()
    saveVersion
      .mutateAsync({ graph: doc, base_version: version ?? 0, message: message.trim() })
      .then((saved) => {
        store.getState().markSaved(saved.latest_version, doc)
        setMessage('')
        setNotice(saved.latest_version === version ? 'Nothing changed since the last version: no new version.' : `Saved as version ${saved.latest_version}.`)
      })
      .catch(() => {}) // shown from saveVersion.error
  }
  const toggle = (number: number) =>
    setPicked((now) => (now.includes(number) ? now.filter((n) => n !== number) : [...now, number].slice(-2)))

  if (comparing) {
    return <VersionDiff workflowId={workflowId} before={comparing[0]} after={comparing[1]} onClose={() => setComparing(null)} />
  }
  const error = saveVersion.error ?? restore.error ?? versions.error
  const list = versions.data ?? []
  const pair = [...picked].sort((a, b) => a - b)
  return (
    <Dialog title="Version history" onClose={onClose}>
      <form className="version-save" onSubmit={onSave}>
        <label htmlFor="version-message">Save the draft as a version</label>
        <div className="version-save-row">
          <input
            id="version-message"
            placeholder="What changed? (optional)"
            value={message}
            maxLength={500}
            onChange={(e) => setMessage(e.target.value)}
          />
          <button type="submit" disabled={saveVersion.isPending}>Save version</button>
        </div>
      </form>
      {notice && <p className="muted" role="status">{notice}</p>}
      {versions.isLoading && <p className="muted">Loading…</p>}
      {error && <p className="error">{error instanceof ApiError ? error.message : String(error)}</p>}
      <div className="version-compare">
        <span className="muted small">{pair.length === 2 ? `Compare v${pair[0]} with v${pair[1]}` : 'Tick two versions to compare them.'}</span>
        <button type="button" className="secondary" disabled={pair.length !== 2} onClick={() => setComparing([pair[0], pair[1]])}>Compare</button>
      </div>
      <table className="list versions-list">
        <tbody>
          {list.map((v, i) => (
            <tr key={v.number} data-version={v.number}>
              <td><input type="checkbox" aria-label={`Compare version ${v.number}`} checked={picked.includes(v.number)} onChange={() => toggle(v.number)} /></td>
              <td className="when">v{v.number}</td>
              <td className="version-what">
                <div data-testid="version-message">{v.message || <span className="muted">No message</span>}</div>
                <div className="muted small">
                  <span data-testid="version-author">{v.author ? v.author.username : '—'}</span> · {new Date(v.created_at).toLocaleString()}
                </div>
              </td>
              <td className="actions">
                {i + 1 < list.length && (
                  <button type="button" className="link" onClick={() => setComparing([list[i + 1].number, v.number])}>Diff</button>
                )}
                <button type="button" className="secondary" disabled={restore.isPending} onClick={() => onRestore(v.number)}>Restore</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  )
}
