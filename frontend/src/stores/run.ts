// The live-run store: what the canvas shows of a run, fed only by server pushes (the
// realtime handlers), never by the document's edits (docs/architecture.md#frontend-layout).
// One store per screen that follows a run (the editor, the run view), given by RunProvider:
// leaving the screen drops its store and its stream, nothing is reset by hand.
// Pushes are applied once per frame: a burst of events (a run of 300 steps sends ~900 in a
// second) is one render of the canvas, not one each.
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react'
import { createStore, useStore, type StoreApi } from 'zustand'
import type { EventMessage, SnapshotMessage } from '../realtime/messages'
import type { LiveRun } from '../realtime/reducer'
import { RunStream } from '../realtime/socket'

/** What the stream applied: each event and each snapshot, in order. */
export type RunMessage = EventMessage | SnapshotMessage
export type RunListener = (messages: RunMessage[]) => void

export interface RunState {
  runId: number | null
  live: LiveRun | null
  fatal: number | null
  stream: RunStream | null
  follow: (runId: number, factory?: (options: ConstructorParameters<typeof RunStream>[0]) => RunStream) => void
  setLive: (live: LiveRun) => void
  /** Hear the stream's messages, a frame's worth at a time; returns the unsubscribe. */
  listen: (listener: RunListener) => () => void
  /** Apply at once what waits for the next frame. */
  flush: () => void
  stop: () => void
}

export type RunStore = StoreApi<RunState>

// A hidden tab has no frames: a timer applies what waits there (slowly, as nothing is drawn).
const FALLBACK_MS = 250

export const createRunStore = (): RunStore => createStore<RunState>((set, get) => {
  const listeners = new Set<RunListener>()
  let latest: LiveRun | null = null
  let messages: RunMessage[] = []
  let frame: number | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  const cancel = () => {
    if (frame !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame)
    if (timer !== null) clearTimeout(timer)
    frame = null
    timer = null
  }
  const flush = () => {
    cancel()
    const live = latest
    const batch = messages
    latest = null
    messages = []
    if (live) set({ live })
    if (batch.length) for (const listener of listeners) listener(batch)
  }
  const schedule = () => {
    if (timer !== null) return
    timer = setTimeout(flush, FALLBACK_MS)
    if (typeof requestAnimationFrame === 'function') frame = requestAnimationFrame(flush)
  }

  return {
    runId: null,
    live: null,
    fatal: null,
    stream: null,
    follow: (runId, factory = (options) => new RunStream(options)) => {
      get().stream?.stop()
      cancel()
      latest = null
      messages = []
      const stream = factory({
        runId,
        onChange: (live) => {
          latest = live
          schedule()
        },
        onMessage: (message) => {
          messages.push(message)
          schedule()
        },
        onFatal: (code) => set({ fatal: code }),
      })
      set({ runId, live: stream.state, fatal: null, stream })
      stream.start()
    },
    setLive: (live) => set({ live }),
    listen: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    flush,
    stop: () => {
      get().stream?.stop()
      cancel()
      set({ stream: null })
    },
  }
})

const RunContext = createContext<RunStore | null>(null)

/** Gives its children a live-run store of their own; its stream stops when they go. */
export function RunProvider({ children }: { children: ReactNode }) {
  const [store] = useState(createRunStore)
  useEffect(() => () => store.getState().stop(), [store])
  return createElement(RunContext.Provider, { value: store }, children)
}

export function useRunStore(): RunStore {
  const store = useContext(RunContext)
  if (!store) throw new Error('useRun is used outside a RunProvider (the editor and the run view give one).')
  return store
}

/** A slice of the live run, re-rendering when it changes. */
export function useRun<T>(selector: (state: RunState) => T): T {
  return useStore(useRunStore(), selector)
}
