// The editor's toolbar: back to the list, the workflow's name and version, unsaved changes;
// then the main actions, prominent (activation, Save, Run), undo/redo as icons, and the rest
// in the "⋯" menu, so that it all fits at 1024 px.
import { useEffect, useRef, useState } from 'react'
import { navigate } from '../router'
import { useGraph, useGraphStore } from '../stores/graph'
import { ActivationControl, type ActivationState } from './Triggers'

export type EditorDialog = 'run' | 'versions' | 'help' | 'triggers' | 'settings'

function MoreMenu({ items }: { items: [string, () => void][] }) {
  const [open, setOpen] = useState(false)
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!open) return
    box.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus()
    const away = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false)
    }
    window.addEventListener('mousedown', away)
    return () => window.removeEventListener('mousedown', away)
  }, [open])
  const onKey = (e: React.KeyboardEvent) => {
    const entries = [...(box.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])]
    const at = entries.indexOf(document.activeElement as HTMLElement)
    if (e.key === 'Escape') {
      e.stopPropagation()
      setOpen(false)
      box.current?.querySelector<HTMLElement>('.more-button')?.focus()
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      entries[e.key === 'ArrowDown' ? (at + 1) % entries.length : (at - 1 + entries.length) % entries.length]?.focus()
    }
  }
  return (
    <div className="more" ref={box} onKeyDown={onKey}>
      <button type="button" className="secondary more-button" aria-label="More actions" aria-haspopup="menu" aria-expanded={open} title="More actions" onClick={() => setOpen(!open)}>
        ⋯
      </button>
      {open && (
        <div className="more-menu" role="menu" aria-label="More actions">
          {items.map(([label, action]) => (
            <button
              key={label}
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false)
                // The item goes with the menu: what it opens gives focus back to "⋯".
                box.current?.querySelector<HTMLElement>('.more-button')?.focus()
                action()
              }}
            >
              {label}
            </button>
          ))}
        </div>
      )}
    </div>
  )
}

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
      <button type="button" className="link" onClick={() => navigate('/')}>
        ← Workflows
      </button>
      <strong className="wf-name" title={name}>{name}</strong>
      <span className="muted" data-testid="version">{version ? `v${version}` : 'not saved yet'}</span>
      {dirty && <span className="unsaved" data-testid="unsaved">● unsaved changes</span>}
      <span className="spacer" />
      <button type="button" className="secondary icon-button" onClick={() => store.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)">
        <span aria-hidden="true">↶</span>
        <span className="sr-only">Undo</span>
      </button>
      <button type="button" className="secondary icon-button" onClick={() => store.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">
        <span aria-hidden="true">↷</span>
        <span className="sr-only">Redo</span>
      </button>
      <ActivationControl activation={activation} />
      <button type="button" className="save-button" onClick={onSave} disabled={saving || !dirty}>{saving ? 'Saving…' : 'Save'}</button>
      <button type="button" className="run-button" onClick={() => onOpen('run')}>▶ Run</button>
      <MoreMenu
        items={[
          ['Triggers', () => onOpen('triggers')],
          ['Settings', () => onOpen('settings')],
          ['Auto-layout', onLayout],
          ['Versions', () => onOpen('versions')],
          ['Runs', () => navigate(`/workflows/${workflowId}/runs`)],
          ['Activity', () => navigate(`/workflows/${workflowId}/activity`)],
          ['Keyboard shortcuts', () => onOpen('help')],
        ]}
      />
    </header>
  )
}
