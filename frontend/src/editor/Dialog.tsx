// A modal dialog of the editor: a title, a close button; Escape, the close button or a
// click outside close it, and focus returns to what opened it (../modal.ts).
import { useEffect, useId, useRef, type ReactNode } from 'react'
import { useModal } from '../modal'

export function Dialog({ title, onClose, children, className, describedBy }: {
  title: string
  onClose: () => void
  children: ReactNode
  className?: string
  /** The id of the sentence that says what the dialog is about (read out on open). */
  describedBy?: string
}) {
  useModal(onClose)
  const heading = useId()
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    // Into the dialog, unless a field of it took focus itself (autoFocus).
    if (box.current && !box.current.contains(document.activeElement)) box.current.focus()
  }, [])
  return (
    <div className="backdrop" onClick={onClose}>
      <div
        ref={box}
        className={className ? `dialog ${className}` : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={heading}
        aria-describedby={describedBy}
        tabIndex={-1}
        onClick={(e) => e.stopPropagation()}
      >
        <div className="row">
          <h2 id={heading}>{title}</h2>
          <button type="button" className="link" onClick={onClose} aria-label="Close">✕</button>
        </div>
        {children}
      </div>
    </div>
  )
}
