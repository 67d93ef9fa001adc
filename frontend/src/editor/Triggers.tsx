// Activation and triggers: the toolbar control that pins the latest saved version for the
// workflow's webhooks and schedules (POST .../activate/, .../deactivate/), and the list of
// those triggers with their URL, signing secret and next fire times.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { ApiError, call, client, type Problem, type Schemas } from '../api/client'
import { useGraph, useGraphStore } from '../stores/graph'

export type Activation = Required<Pick<Schemas['WorkflowSummary'], 'active' | 'active_version'>>

// The schema has one Trigger with the fields of both kinds optional; the server sends a
// webhook's fields with a webhook and a schedule's with a schedule (engine/api/triggers.py).
type Trigger = Schemas['Trigger']
type WebhookTrigger = Trigger &
  Required<Pick<Trigger, 'url' | 'public' | 'methods' | 'response_mode' | 'secret_hint' | 'previous_secret_expires_at'>> & { type: 'trigger.webhook' }
type ScheduleTrigger = Trigger & Required<Pick<Trigger, 'cron' | 'timezone' | 'misfire' | 'next_fire_at' | 'upcoming'>> & { type: 'trigger.schedule' }
type Secret = Schemas['Secret']

const isWebhook = (t: Trigger): t is WebhookTrigger => t.type === 'trigger.webhook'
const isSchedule = (t: Trigger): t is ScheduleTrigger => t.type === 'trigger.schedule'

const MISFIRE: Record<string, string> = {
  skip: 'skip (missed slots are dropped)',
  run_once: 'run once (one run catches up after downtime)',
}

const RESPONSE_MODE: Record<string, string> = {
  async: 'replies at once (202), the run goes on',
  wait: 'waits for the run and replies with its output',
}

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })
}

// --- Toolbar ---------------------------------------------------------------------------

export interface ActivationState extends Activation {
  busy: boolean
  latest: number | null
  outdated: boolean
  change: (action: 'activate' | 'deactivate') => Promise<void>
}

// Whether the workflow is active and the actions that change it; errors and outcomes go to
// the editor's notice (onMessage), a 422's problems to its problem list (onProblems).
export function useActivation({
  workflowId,
  initial,
  save,
  onMessage,
  onProblems,
}: {
  workflowId: number
  initial: Activation | undefined
  save: () => Promise<boolean>
  onMessage: (message: string) => void
  onProblems: (problems: Problem[]) => void
}): ActivationState {
  const queryClient = useQueryClient()
  const store = useGraphStore()
  const latest = useGraph((s) => s.version)
  const base: Activation = { active: initial?.active ?? false, active_version: initial?.active_version ?? null }
  const [state, setState] = useState<Activation>(base)
  const [seen, setSeen] = useState<Activation>(base)
  const [busy, setBusy] = useState(false)

  // The workflow re-read from the server wins over what this control last saw.
  if (seen.active !== base.active || seen.active_version !== base.active_version) {
    setSeen(base)
    setState(base)
  }

  const change = async (action: 'activate' | 'deactivate') => {
    if (action === 'activate' && store.getState().isDirty() && !(await save())) return
    setBusy(true)
    try {
      const path = { params: { path: { workflow_id: workflowId } } }
      const wf = await call(action === 'activate' ? client.POST('/api/workflows/{workflow_id}/activate/', path) : client.POST('/api/workflows/{workflow_id}/deactivate/', path))
      setState({ active: wf.active, active_version: wf.active_version })
      onMessage(
        wf.active
          ? `Activated: webhooks and schedules now start version ${wf.active_version}.`
          : 'Deactivated: webhook calls are refused and schedules stop. Manual and API runs still work.',
      )
    } catch (err) {
      if (err instanceof ApiError) {
        onMessage(`Could not ${action}: ${err.message}`)
        if (err.problems.length && !store.getState().isDirty()) onProblems(err.problems)
      } else {
        onMessage(String(err))
      }
    } finally {
      setBusy(false)
      void queryClient.invalidateQueries({ queryKey: ['triggers', workflowId] })
    }
  }

  const outdated = state.active && state.active_version !== null && latest !== null && latest > state.active_version
  return { ...state, busy, latest, outdated, change }
}

export function ActivationControl({ activation: a }: { activation: ActivationState }) {
  const dirty = useGraph((s) => s.isDirty())
  return (
    <span className="activation" data-testid="activation">
      {a.active ? (
        <span className="badge on" data-testid="active-badge" title="Webhooks and schedules start runs of this version">
          Active v{a.active_version}
        </span>
      ) : (
        <span className="badge" data-testid="active-badge" title="Webhooks and schedules start no runs">Inactive</span>
      )}
      {a.active ? (
        <button type="button" className="secondary" onClick={() => void a.change('deactivate')} disabled={a.busy}>
          {a.busy ? 'Deactivating…' : 'Deactivate'}
        </button>
      ) : (
        <button
          type="button"
          className="secondary"
          onClick={() => void a.change('activate')}
          disabled={a.busy}
          title={dirty ? 'Your changes are saved first; webhooks and schedules then start that version' : 'Webhooks and schedules start the latest saved version'}
        >
          {a.busy ? 'Activating…' : 'Activate'}
        </button>
      )}
    </span>
  )
}

// Under the toolbar when a version newer than the active one is saved.
export function ActivationHint({ activation: a }: { activation: ActivationState }) {
  if (!a.outdated) return null
  return (
    <div className="notice notice-warn" data-testid="activation-hint">
      Version {a.latest} is saved but not active: triggers run v{a.active_version};{' '}
      <button type="button" className="link" onClick={() => void a.change('activate')} disabled={a.busy}>activate again</button> to use v{a.latest}.
    </div>
  )
}

// --- Dialog ------------------------------------------------------------------------------

export function TriggerList({ workflowId }: { workflowId: number }) {
  const dirty = useGraph((s) => s.isDirty())
  const triggers = useQuery({
    queryKey: ['triggers', workflowId],
    queryFn: () => call(client.GET('/api/workflows/{workflow_id}/triggers/', { params: { path: { workflow_id: workflowId } } })),
    refetchInterval: 60_000,
  })

  if (triggers.isLoading) return <p className="muted">Loading…</p>
  if (triggers.isError) return <p className="error">Could not read the triggers: {(triggers.error as Error).message}</p>
  const list = triggers.data ?? []
  return (
    <div className="triggers" data-testid="triggers">
      {dirty && <p className="muted small">This lists the triggers of the last saved version: save to see your changes.</p>}
      {list.length === 0 ? (
        <div className="empty triggers-empty">
          <h2>No webhook or schedule trigger</h2>
          <p className="muted">Add a Webhook or Schedule trigger from the palette, save, then activate the workflow.</p>
        </div>
      ) : (
        list.map((t) => (isWebhook(t) ? <Webhook key={t.node_id} workflowId={workflowId} hook={t} readAt={triggers.dataUpdatedAt} /> : isSchedule(t) ? <Schedule key={t.node_id} schedule={t} /> : null))
      )}
    </div>
  )
}

function TriggerHead({ kind, trigger }: { kind: string; trigger: Trigger }) {
  return (
    <div className="row trigger-head">
      <span>
        <strong>{kind}</strong> <code>{trigger.node_id}</code>
      </span>
      {trigger.live ? (
        <span className="badge on" data-testid="trigger-live">live</span>
      ) : (
        <span className="badge" data-testid="trigger-live">not live (activate to arm)</span>
      )}
    </div>
  )
}

function Webhook({ workflowId, hook, readAt }: { workflowId: number; hook: WebhookTrigger; readAt: number }) {
  const queryClient = useQueryClient()
  const [secret, setSecret] = useState<Secret | null>(null)
  const [rotated, setRotated] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const load = async (rotate: boolean) => {
    if (rotate && !window.confirm(`Rotate the signing secret of "${hook.node_id}"? Senders must switch to the new secret; the previous one stays valid for a while.`)) return
    setBusy(true)
    setError(null)
    try {
      const path = { params: { path: { workflow_id: workflowId, node_id: hook.node_id } } }
      setSecret(await call(rotate ? client.POST('/api/workflows/{workflow_id}/triggers/{node_id}/secret/', path) : client.GET('/api/workflows/{workflow_id}/triggers/{node_id}/secret/', path)))
      setRotated(rotate)
      if (rotate) void queryClient.invalidateQueries({ queryKey: ['triggers', workflowId] })
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  const previousUntil = secret?.previous_secret_expires_at ?? hook.previous_secret_expires_at
  return (
    <section className="trigger" data-testid={`trigger-${hook.node_id}`}>
      <TriggerHead kind="Webhook" trigger={hook} />
      <dl className="kv">
        <dt>URL</dt>
        <dd className="copyable">
          <code className="wrap" data-testid="webhook-url">{hook.url}</code>
          <CopyButton text={hook.url} label="Copy URL" />
        </dd>
        <dt>Methods</dt>
        <dd>{hook.methods.join(', ')}</dd>
        <dt>Response</dt>
        <dd>{RESPONSE_MODE[hook.response_mode] ?? hook.response_mode}</dd>
        <dt>Signing</dt>
        <dd>
          {hook.public ? (
            <span>not required (public): anyone with the URL can start a run</span>
          ) : (
            <span>
              required (Standard Webhooks), secret <code>{hook.secret_hint}</code>
            </span>
          )}
        </dd>
      </dl>
      {secret && (
        <div className="secret-box" data-testid="webhook-secret">
          <span className="secret-label">Signing secret: give it to the sender, keep it private</span>
          <div className="copyable">
            <code className="wrap">{secret.secret}</code>
            <CopyButton text={secret.secret} label="Copy secret" />
          </div>
          {rotated && <p className="small">This is the new secret.{previousUntil ? ` The previous one stays valid until ${when(previousUntil)}.` : ''}</p>}
        </div>
      )}
      {!rotated && previousUntil && new Date(previousUntil).getTime() > readAt && (
        <p className="muted small">The previous secret is still accepted until {when(previousUntil)}.</p>
      )}
      {error && <p className="error">{error}</p>}
      <div className="trigger-actions">
        {!secret && (
          <button type="button" className="secondary" onClick={() => void load(false)} disabled={busy}>Reveal secret</button>
        )}
        <button type="button" className="secondary" onClick={() => void load(true)} disabled={busy}>Rotate secret</button>
      </div>
    </section>
  )
}

function Schedule({ schedule }: { schedule: ScheduleTrigger }) {
  return (
    <section className="trigger" data-testid={`trigger-${schedule.node_id}`}>
      <TriggerHead kind="Schedule" trigger={schedule} />
      <dl className="kv">
        <dt>Cron</dt>
        <dd><code>{schedule.cron}</code></dd>
        <dt>Time zone</dt>
        <dd>{schedule.timezone}</dd>
        <dt>After downtime</dt>
        <dd>{MISFIRE[schedule.misfire] ?? schedule.misfire}</dd>
        {schedule.live && schedule.next_fire_at && (
          <>
            <dt>Next run</dt>
            <dd data-testid="next-fire">{when(schedule.next_fire_at)}</dd>
          </>
        )}
        <dt>{schedule.live ? 'Upcoming' : 'Would fire'}</dt>
        <dd>
          {schedule.upcoming.length === 0 ? (
            <span className="muted">none (check the cron expression and time zone)</span>
          ) : (
            <>
              <ul className="upcoming">
                {schedule.upcoming.map((t) => <li key={t}>{when(t)}</li>)}
              </ul>
              <span className="muted small">in your time zone ({localZone})</span>
            </>
          )}
        </dd>
      </dl>
    </section>
  )
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null)
  useEffect(() => {
    if (copied === null) return
    const timer = setTimeout(() => setCopied(null), 1500)
    return () => clearTimeout(timer)
  }, [copied])
  const copy = () => {
    const write = navigator.clipboard?.writeText ? navigator.clipboard.writeText(text) : Promise.reject(new Error('no clipboard'))
    write.then(() => setCopied(true), () => setCopied(false))
  }
  return (
    <button type="button" className="secondary small-button" onClick={copy} aria-label={label} title={label}>
      {copied === null ? 'Copy' : copied ? 'Copied ✓' : 'Select and copy'}
    </button>
  )
}
