// A run's live stream: reconnects with jittered exponential backoff, resumes from the last
// seq it applied, asks again when it notices a gap, and hands each message type to its
// own handler.
import { applyEvent, applySnapshot, emptyRun, type LiveRun } from './reducer'
import { CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, type EventMessage, type ServerMessage, type SnapshotMessage } from './messages'

export interface RunStreamOptions {
  runId: number
  url?: (runId: number, after: number) => string
  onChange: (state: LiveRun) => void
  /** Each event applied and each snapshot, after onChange, in the order applied. */
  onMessage?: (message: EventMessage | SnapshotMessage) => void
  onFatal?: (code: number) => void
  socketFactory?: (url: string) => WebSocket
  random?: () => number
  baseDelayMs?: number
  maxDelayMs?: number
}

export function defaultUrl(runId: number, after: number): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/ws/runs/${runId}/?after=${after}`
}

export function backoffMs(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** attempt)
  return ceiling / 2 + random() * (ceiling / 2)
}

export class RunStream {
  state: LiveRun
  private socket: WebSocket | null = null
  private attempt = 0
  private stopped = false
  private timer: ReturnType<typeof setTimeout> | null = null
  private parts: string[] = [] // of a snapshot sent in parts, so far
  private partsSeq = -1
  private readonly options: Required<Omit<RunStreamOptions, 'onFatal' | 'onMessage'>> & Pick<RunStreamOptions, 'onFatal' | 'onMessage'>

  constructor(options: RunStreamOptions) {
    this.options = {
      url: defaultUrl,
      socketFactory: (url) => new WebSocket(url),
      random: Math.random,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
      ...options,
    }
    this.state = emptyRun(options.runId)
  }

  private readonly handlers: { [K in ServerMessage['type']]: (message: Extract<ServerMessage, { type: K }>) => void } = {
    event: (message) => {
      const next = applyEvent(this.state, message)
      if (next === null) {
        this.send({ type: 'resume', after: this.state.seq }) // a gap: ask again from what we have
        return
      }
      if (next !== this.state) this.update(next, message)
    },
    snapshot: (message) => this.update(applySnapshot(this.state, message), message),
    snapshot_part: (message) => {
      // Part 0 starts a snapshot; a part out of order drops it, and a gap then asks again.
      const parts = message.part === 0 ? [] : this.parts
      if (message.part !== parts.length || (parts.length > 0 && this.partsSeq !== message.seq)) {
        this.parts = []
        return
      }
      this.parts = [...parts, message.data]
      this.partsSeq = message.seq
      if (this.parts.length < message.parts) return
      const run = JSON.parse(this.parts.join('')) as SnapshotMessage['run']
      this.parts = []
      const snapshot: SnapshotMessage = { type: 'snapshot', run_id: message.run_id, seq: message.seq, run }
      this.update(applySnapshot(this.state, snapshot), snapshot)
    },
    runs: () => {},
    error: (message) => console.warn('live stream:', message.detail),
  }

  start(): void {
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.socket?.close()
    this.socket = null
  }

  private connect(): void {
    const socket = this.options.socketFactory(this.options.url(this.options.runId, this.state.seq))
    this.socket = socket
    socket.onopen = () => {
      this.attempt = 0
      this.parts = []
    }
    socket.onmessage = (frame) => {
      const message = JSON.parse(String(frame.data)) as ServerMessage
      const handler = this.handlers[message.type] as ((m: ServerMessage) => void) | undefined
      handler?.(message)
    }
    socket.onclose = (event) => {
      if (this.socket !== socket) return
      this.socket = null
      if (event.code === CLOSE_UNAUTHENTICATED || event.code === CLOSE_NOT_FOUND) {
        this.options.onFatal?.(event.code)
        return
      }
      if (!this.stopped) this.reconnect()
    }
  }

  private reconnect(): void {
    const delay = backoffMs(this.attempt++, this.options.baseDelayMs, this.options.maxDelayMs, this.options.random)
    this.timer = setTimeout(() => this.connect(), delay)
  }

  private send(message: { type: 'resume'; after: number }): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(message))
  }

  private update(state: LiveRun, message: EventMessage | SnapshotMessage): void {
    this.state = state
    this.options.onChange(state)
    this.options.onMessage?.(message)
  }
}
