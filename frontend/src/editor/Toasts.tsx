// The editor's notices (saved, activated, could not save...) as a toast over the canvas, so
// that they never push it down. One at a time, the newest; a success hides itself after a
// few seconds, anything else stays until dismissed (✕) or replaced.
import { useCallback, useEffect, useState } from 'react'

export type Tone = 'success' | 'info' | 'warn' | 'error'
export interface Toast {
  id: number
  text: string
  tone: Tone
}

const SUCCESS_MS = 5000
let counter = 0

export interface Toasts {
  toast: Toast | null
  /** Show `text` (null clears the toast). */
  show: (text: string | null, tone?: Tone) => void
  dismiss: () => void
}

export function useToasts(): Toasts {
  const [toast, setToast] = useState<Toast | null>(null)
  const show = useCallback((text: string | null, tone: Tone = 'info') => setToast(text === null ? null : { id: ++counter, text, tone }), [])
  const dismiss = useCallback(() => setToast(null), [])
  useEffect(() => {
    if (toast?.tone !== 'success') return
    const timer = setTimeout(() => setToast((now) => (now?.id === toast.id ? null : now)), SUCCESS_MS)
    return () => clearTimeout(timer)
  }, [toast])
  return { toast, show, dismiss }
}

export function ToastView({ toast, onDismiss }: { toast: Toast | null; onDismiss: () => void }) {
  if (!toast) return null
  return (
    <div className={`toast toast-${toast.tone}`} data-testid="toast">
      <span role={toast.tone === 'error' ? 'alert' : 'status'}>{toast.text}</span>
      <button type="button" className="link toast-close" onClick={onDismiss} aria-label="Dismiss this message">✕</button>
    </div>
  )
}
