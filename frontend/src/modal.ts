// What every modal of the app shares: Escape closes the one on top (only that one, so a
// credential dialog opened from the node detail view closes alone), and focus goes back to
// what opened it when it closes. A field that uses Escape itself (CodeMirror closing its
// completions) marks the key handled (preventDefault) and the modal stays.
import { useEffect, useRef, useState } from 'react'

const stack: { close: () => void }[] = []

if (typeof window !== 'undefined') {
  // Bubbling, on the window: after the fields had their chance at the key.
  window.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented || event.isComposing) return
    const top = stack[stack.length - 1]
    if (!top) return
    event.preventDefault()
    top.close()
  })
}

/** How many modals are open (the editor's shortcuts leave the canvas alone meanwhile). */
export const openModals = (): number => stack.length

/** Make the calling component a modal: Escape calls `onClose`; focus returns on unmount. */
export function useModal(onClose: () => void): void {
  // Read at the first render, before the modal moves focus into itself.
  const [opener] = useState(() => (typeof document === 'undefined' ? null : (document.activeElement as HTMLElement | null)))
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  }, [onClose])
  useEffect(() => {
    const entry = { close: () => close.current() }
    stack.push(entry)
    return () => {
      stack.splice(stack.indexOf(entry), 1)
      // Back to the opener if it is still on the page and focus went nowhere else.
      const active = document.activeElement
      if (opener?.isConnected && (!active || active === document.body || !active.isConnected)) opener.focus()
    }
  }, [opener])
}
