// A right-click menu at the pointer: a list of actions, the first focused, arrow keys move,
// Enter picks, Escape or a click elsewhere closes.
import { useEffect, useRef } from 'react'

export interface MenuItem {
  label: string
  action: () => void
  disabled?: boolean
  danger?: boolean
}

export function ContextMenu({ x, y, label, items, onClose }: { x: number; y: number; label: string; items: MenuItem[]; onClose: () => void }) {
  const menu = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = menu.current
    if (!el) return
    // Kept inside the window, whichever corner it was opened near.
    const box = el.getBoundingClientRect()
    el.style.left = `${Math.max(4, Math.min(x, window.innerWidth - box.width - 4))}px`
    el.style.top = `${Math.max(4, Math.min(y, window.innerHeight - box.height - 4))}px`
    el.querySelector<HTMLElement>('[role=menuitem]:not([disabled])')?.focus()
    const away = (e: MouseEvent) => {
      if (!el.contains(e.target as globalThis.Node)) onClose()
    }
    window.addEventListener('mousedown', away)
    return () => window.removeEventListener('mousedown', away)
  }, [x, y, onClose])

  const onKey = (e: React.KeyboardEvent) => {
    const entries = [...(menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]:not([disabled])') ?? [])]
    const at = entries.indexOf(document.activeElement as HTMLElement)
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const next = e.key === 'ArrowDown' ? (at + 1) % entries.length : (at - 1 + entries.length) % entries.length
      entries[next]?.focus()
    } else if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      onClose()
    }
  }

  return (
    <div ref={menu} className="context-menu" role="menu" aria-label={label} style={{ left: x, top: y }} onKeyDown={onKey} onContextMenu={(e) => e.preventDefault()}>
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          className={item.danger ? 'danger' : undefined}
          disabled={item.disabled}
          onClick={() => {
            onClose()
            item.action()
          }}
        >
          {item.label}
        </button>
      ))}
    </div>
  )
}
