// A tiny router: the app's pages are served by Django at their paths (/, /workflows/<id>,
// /runs/<id>, ...); this module moves between them without a reload and lets a screen hold
// the way out while it has unsaved work (blockNavigation):
// - navigate() (links of the top bar, the toolbar, any screen) asks the blocker first;
// - the browser's Back and Forward (popstate) have already moved the URL: the router puts
//   it back at once, then asks; leaving replays the move;
// - reload, close or a link to another document (beforeunload) get the browser's own prompt.
import { useSyncExternalStore } from 'react'

/** What a screen with unsaved work answers when someone tries to leave it. */
export interface Blocker {
  /** True while leaving would lose something. */
  when: () => boolean
  /** Ask the person; call `proceed` to leave after all (nothing is asked again). */
  onBlock: (proceed: () => void) => void
}

let blocker: Blocker | null = null
const listeners = new Set<() => void>()
// Each entry this document pushes carries its index, so a popstate tells how far it went.
let index = 0
// The URL the screens show now: where a held Back or Forward is put back to.
let here = ''
// A popstate the router caused itself: putting a held URL back (ignored), or replaying the
// move after the person chose to leave (let through without asking).
let restoring = false
let leaving = false

const emit = () => {
  here = window.location.pathname + window.location.search + window.location.hash
  listeners.forEach((listener) => listener())
}
const entryIndex = (state: unknown): number | null => {
  const idx = (state as { idx?: unknown } | null)?.idx
  return typeof idx === 'number' ? idx : null
}

function onPopState(event: PopStateEvent) {
  if (restoring) {
    restoring = false
    return
  }
  const to = entryIndex(event.state)
  if (!leaving && blocker?.when()) {
    const held = blocker
    const target = window.location.pathname + window.location.search + window.location.hash
    const delta = to === null ? null : index - to
    if (delta) {
      // Put the URL back where the screen is, then ask; leaving replays the same move.
      restoring = true
      window.history.go(delta)
      held.onBlock(() => {
        leaving = true
        window.history.go(-delta)
      })
    } else {
      // An entry without an index (not pushed by this router): put the URL back by hand.
      window.history.pushState({ idx: index }, '', here)
      held.onBlock(() => {
        window.history.replaceState({ idx: index }, '', target)
        emit()
      })
    }
    return
  }
  leaving = false
  index = to ?? index
  emit()
}

if (typeof window !== 'undefined') {
  index = entryIndex(window.history.state) ?? 0
  window.history.replaceState({ ...(window.history.state ?? {}), idx: index }, '')
  here = window.location.pathname + window.location.search + window.location.hash
  window.addEventListener('popstate', onPopState)
  window.addEventListener('beforeunload', (event) => {
    if (!blocker?.when()) return
    event.preventDefault()
    event.returnValue = '' // older browsers need it set to show their prompt
  })
}

function go(path: string): void {
  index += 1
  window.history.pushState({ idx: index }, '', path)
  emit()
}

/** Go to `path` inside the app, unless the screen holds the way out (it asks first). */
export function navigate(path: string): void {
  if (blocker?.when()) {
    blocker.onBlock(() => go(path))
    return
  }
  go(path)
}

/** Hold every way out while `blocker.when()` is true; returns the release. One at a time:
 * the last registered wins (there is one editor on screen). */
export function blockNavigation(next: Blocker): () => void {
  blocker = next
  return () => {
    if (blocker === next) blocker = null
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname)
}
