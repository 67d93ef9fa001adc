// The live-run store: what the canvas shows of a run, fed only by server pushes (the
// realtime handlers), never by the document's edits (docs/architecture.md#frontend-layout).
import { create } from 'zustand'
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

export const useRun = create<RunState>((set, get) => ({
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
