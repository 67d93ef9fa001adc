// The editor's keyboard shortcuts; SHORTCUTS is their help. Ctrl/⌘+S saves from anywhere
// in the editor (fields, CodeMirror, dialogs) and never opens the browser's Save Page; the
// others leave fields and open dialogs alone.
import { useEffect } from 'react'
import { openModals } from '../modal'
import { useGraphStore } from '../stores/graph'

export const SHORTCUTS: [string, string][] = [
  ['Ctrl/⌘ + S', 'Save (makes a version)'],
  ['Ctrl/⌘ + Z', 'Undo'],
  ['Ctrl/⌘ + Shift + Z, Ctrl + Y', 'Redo'],
  ['Ctrl/⌘ + C / V', 'Copy / paste the selected nodes (also into another workflow)'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Shift + click, Shift + drag', 'Select several'],
  ['Ctrl/⌘ + Enter', 'Run'],
  ['?', 'This help'],
  // The canvas's keys (editor/canvas/useCanvasExtras.tsx).
  ['Tab, Shift + Tab', 'Move between the nodes on the canvas'],
  ['Enter (on a node)', 'Select it and go into its settings'],
  ['N', 'Add a node (after the selected one, connected): type, ↑ ↓, Enter'],
  ['Escape', 'Close the node creator or a menu'],
  ['Right-click', 'Node or canvas menu (rename, duplicate, sticky note, fit view…)'],
]

const CLIPBOARD = 'stepwise-clipboard'

export function useShortcuts({ save, run, help }: { save: () => void; run: () => void; help: () => void }) {
  const store = useGraphStore()
  useEffect(() => {
    // Capturing, on the window: before any field or editor can keep the key to itself.
    const onSave = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
        e.preventDefault()
        if (!e.repeat) save()
      }
    }
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (e.defaultPrevented || openModals() > 0) return
      if (target.closest?.('input, textarea, select, [contenteditable], .cm-editor')) return
      const mod = e.ctrlKey || e.metaKey
      const key = e.key.toLowerCase()
      const g = store.getState()
      if (mod && key === 'z' && !e.shiftKey) {
        e.preventDefault()
        g.undo()
      } else if (mod && (key === 'y' || (key === 'z' && e.shiftKey))) {
        e.preventDefault()
        g.redo()
      } else if (mod && key === 'c') {
        if (g.selectedNodes.length) {
          const text = g.copySelection()
          localStorage.setItem(CLIPBOARD, text)
          void navigator.clipboard?.writeText(text).catch(() => {})
        }
      } else if (mod && key === 'v') {
        const fallback = localStorage.getItem(CLIPBOARD) ?? ''
        const read = navigator.clipboard?.readText ? navigator.clipboard.readText().catch(() => fallback) : Promise.resolve(fallback)
        void read.then((text) => g.paste(text.includes('"stepwise"') ? text : fallback))
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        g.removeSelected()
      } else if (mod && e.key === 'Enter') {
        run()
      } else if (e.key === '?') {
        help()
      }
    }
    window.addEventListener('keydown', onSave, true)
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onSave, true)
      window.removeEventListener('keydown', onKey)
    }
  }, [store, save, run, help])
}
