// Asked when a way out of the editor would lose unsaved changes (a link, Back or Forward,
// see ../router.ts): save them and leave, leave without them, or stay (Escape, ✕ or a
// click outside). If the save fails the editor stays, saying why.
import { useId, useState } from 'react'
import { Dialog } from './Dialog'

export function LeaveDialog({ name, save, onLeave, onStay }: {
  name: string
  save: () => Promise<boolean>
  onLeave: () => void
  onStay: () => void
}) {
  const [busy, setBusy] = useState(false)
  const [failed, setFailed] = useState(false)
  const text = useId()
  const saveAndLeave = async () => {
    setBusy(true)
    setFailed(false)
    const saved = await save()
    setBusy(false)
    if (saved) onLeave()
    else setFailed(true)
  }
  return (
    <Dialog title="Save your changes before leaving?" onClose={onStay} className="leave-dialog" describedBy={text}>
      <p id={text}>
        <strong>{name}</strong> has changes that are not saved yet. If you leave without saving, they are lost.
      </p>
      {failed && <p className="error" role="alert">The changes could not be saved (see the message over the canvas). You are still in the editor.</p>}
      <div className="leave-actions">
        <button type="button" className="secondary" onClick={onStay} disabled={busy}>Stay</button>
        <span className="spacer" />
        <button type="button" className="secondary danger" onClick={onLeave} disabled={busy}>Leave without saving</button>
        <button type="button" onClick={() => void saveAndLeave()} disabled={busy} autoFocus>
          {busy ? 'Saving…' : 'Save and leave'}
        </button>
      </div>
    </Dialog>
  )
}
