// A workflow's feed (ws/workflows/<id>/): every run started, every transition, every end.
// Lists only need to know that something changed, so each run-level message is handed to
// `onRunChange` (the caller refetches); the socket reconnects with the same jittered
// backoff as a run's stream. What was missed while disconnected is covered by the refetch
// the reconnect triggers: the `runs` message a fresh connection receives.
import { backoffMs } from './socket'
import { CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, type ServerMessage } from './messages'

export interface WorkflowFeedOptions {
  workflowId: number
  onRunChange: () => void
  url?: (workflowId: number) => string
  socketFactory?: (url: string) => WebSocket
  random?: () => number
}

export function feedUrl(workflowId: number): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/ws/workflows/${workflowId}/`
}

export function followWorkflow(options: WorkflowFeedOptions): () => void {
  const factory = options.socketFactory ?? ((url: string) => new WebSocket(url))
  const random = options.random ?? Math.random
  let attempt = 0
  let stopped = false
  let socket: WebSocket | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  const connect = () => {
    const current = factory((options.url ?? feedUrl)(options.workflowId))
    socket = current
    current.onopen = () => {
      attempt = 0
    }
    current.onmessage = (frame) => {
      const message = JSON.parse(String(frame.data)) as ServerMessage
      // Run-level changes only: step transitions do not change a list row.
      if (message.type === 'runs' || (message.type === 'event' && message.kind === 'run')) options.onRunChange()
    }
    current.onclose = (event) => {
      if (socket !== current) return
      socket = null
      if (stopped || event.code === CLOSE_UNAUTHENTICATED || event.code === CLOSE_NOT_FOUND) return
      timer = setTimeout(connect, backoffMs(attempt++, 250, 10_000, random))
    }
  }
  connect()
  return () => {
    stopped = true
    if (timer !== null) clearTimeout(timer)
    socket?.close()
    socket = null
  }
}
