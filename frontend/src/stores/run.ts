// The live-run store: what the canvas shows of a run, fed only by server pushes (the
// realtime handlers), never by the document's edits (docs/architecture.md#frontend-layout).
// One store per screen that follows a run (the editor, the run view), given by RunProvider:
// leaving the screen drops its store and its stream, nothing is reset by hand.
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react'
import { createStore, useStore, type StoreApi } from 'zustand'
import type { LiveRun } from '../realtime/reducer'
import { RunStream } from '../realtime/socket'

export interface RunState {
  runId: number | null
  live: LiveRun | null
  fatal: number | null
  stream: RunStream | null
  follow: (runId: number, factory?: (options: ConstructorParameters<typeof RunStream>[0]) => RunStream) => void
  setLive: (live: LiveRun) => void
  stop: () => void
}

export type RunStore = StoreApi<RunState>

export const createRunStore = (): RunStore => createStore<RunState>((set, get) => ({
  runId: null,
  live: null,
  fatal: null,
  stream: null,
  follow: (runId, factory = (options) => new RunStream(options)) => {
    get().stream?.stop()
    const stream = factory({
      runId,
      onChange: (live) => get().setLive(live),
      onFatal: (code) => set({ fatal: code }),
    })
    set({ runId, live: stream.state, fatal: null, stream })
    stream.start()
  },
  setLive: (live) => set({ live }),
  stop: () => {
    get().stream?.stop()
    set({ stream: null })
  },
}))

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
