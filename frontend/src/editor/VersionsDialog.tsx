// The workflow's versions, newest first, each with who saved it; restoring one makes it the
// draft (a new version on the server).
import { ApiError } from '../api/client'
import { useRestoreVersion, useVersions } from '../api/queries'
import { useGraphStore } from '../stores/graph'
import { Dialog } from './Dialog'

export function VersionsDialog({ workflowId, onClose }: { workflowId: number; onClose: () => void }) {
  const store = useGraphStore()
  const versions = useVersions(workflowId, true)
  const restore = useRestoreVersion(workflowId)
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
  const error = restore.error ?? versions.error
  return (
    <Dialog title="Version history" onClose={onClose}>
      {versions.isLoading && <p className="muted">Loading…</p>}
      {error && <p className="error">{error instanceof ApiError ? error.message : String(error)}</p>}
      <table className="list">
        <tbody>
          {(versions.data ?? []).map((v) => (
            <tr key={v.number}>
              <td>v{v.number}</td>
              <td className="muted">{new Date(v.created_at).toLocaleString()}</td>
              <td className="muted" data-testid="version-author">{v.author ? v.author.username : '—'}</td>
              <td>{v.message}</td>
              <td><button type="button" className="secondary" disabled={restore.isPending} onClick={() => onRestore(v.number)}>Restore</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  )
}
