// The editor's keyboard shortcuts (not while typing in a field); SHORTCUTS is their help.
import { useEffect } from 'react'
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
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (target.closest('input, textarea, select, [contenteditable]')) return
      const mod = e.ctrlKey || e.metaKey
      const key = e.key.toLowerCase()
      const g = store.getState()
      if (mod && key === 's') {
        e.preventDefault()
        save()
      } else if (mod && key === 'z' && !e.shiftKey) {
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
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [store, save, run, help])
}
