// The editor's toolbar: back to the list, the workflow's name and version, unsaved changes,
// activation, the dialogs, undo/redo, layout, save and run.
import { navigate } from '../router'
import { useGraph, useGraphStore } from '../stores/graph'
import { ActivationControl, type ActivationState } from './Triggers'

export type EditorDialog = 'run' | 'versions' | 'help' | 'triggers' | 'settings'

export function Toolbar({ workflowId, name, activation, saving, onSave, onLayout, onOpen }: {
  workflowId: number
  name: string
  activation: ActivationState
  saving: boolean
  onSave: () => void
  onLayout: () => void
  onOpen: (dialog: EditorDialog) => void
}) {
  const store = useGraphStore()
  const version = useGraph((s) => s.version)
  const dirty = useGraph((s) => s.isDirty())
  const canUndo = useGraph((s) => s.past.length > 0)
  const canRedo = useGraph((s) => s.future.length > 0)
  return (
    <header className="toolbar">
      <button type="button" className="link" onClick={() => (dirty && !window.confirm('Leave without saving your changes?') ? null : navigate('/'))}>
        ← Workflows
      </button>
      <strong className="wf-name">{name}</strong>
      <span className="muted" data-testid="version">{version ? `v${version}` : 'not saved yet'}</span>
      {dirty && <span className="unsaved" data-testid="unsaved">● unsaved changes</span>}
      <span className="spacer" />
      <ActivationControl activation={activation} />
      <button type="button" className="secondary" onClick={() => onOpen('triggers')}>Triggers</button>
      <button type="button" className="secondary" onClick={() => onOpen('settings')}>Settings</button>
      <button type="button" className="secondary" onClick={() => store.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)">Undo</button>
      <button type="button" className="secondary" onClick={() => store.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">Redo</button>
      <button type="button" className="secondary" onClick={onLayout}>Auto-layout</button>
      <button type="button" className="secondary" onClick={() => onOpen('versions')}>Versions</button>
      <button type="button" className="secondary" onClick={() => navigate(`/workflows/${workflowId}/runs`)}>Runs</button>
      <button type="button" className="secondary" onClick={() => navigate(`/workflows/${workflowId}/activity`)}>Activity</button>
      <button type="button" className="secondary" onClick={() => onOpen('help')} title="Keyboard shortcuts">?</button>
      <button type="button" className="secondary" onClick={onSave} disabled={saving || !dirty}>{saving ? 'Saving…' : 'Save'}</button>
      <button type="button" onClick={() => onOpen('run')}>▶ Run</button>
    </header>
  )
}
