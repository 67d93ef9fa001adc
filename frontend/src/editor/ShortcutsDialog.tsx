// The keyboard shortcuts' help.
import { Dialog } from './Dialog'
import { SHORTCUTS } from './useShortcuts'

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}><td><kbd>{keys}</kbd></td><td>{what}</td></tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  )
}
