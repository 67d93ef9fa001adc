// The credential form in a modal dialog, rendered in a portal on <body> (from the node
// panel it would otherwise sit inside RJSF's form). Escape or the backdrop closes it.
import { useModal } from '../modal'
import { createPortal } from 'react-dom'
import type { Credential, CredentialType } from './api'
import { CredentialForm } from './CredentialForm'

export function CredentialDialog({
  types,
  credential,
  onSaved,
  onClose,
}: {
  types: CredentialType[]
  credential?: Credential
  onSaved: (saved: Credential) => void
  onClose: () => void
}) {
  // Escape closes it (only it, over the node detail view) and focus returns (../modal.ts).
  useModal(onClose)
  const title = credential ? `Edit “${credential.name}”` : 'New credential'
  return createPortal(
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog credential-dialog" role="dialog" aria-modal="true" aria-label={title}>
        <div className="row">
          <h2>{title}</h2>
          <button type="button" className="link" aria-label="Close" onClick={onClose}>✕</button>
        </div>
        <p className="muted small">Secret fields are stored encrypted and never shown again; steps that use the credential see them only while they run.</p>
        <CredentialForm types={types} credential={credential} onSaved={onSaved} onCancel={onClose} />
      </div>
    </div>,
    document.body,
  )
}
