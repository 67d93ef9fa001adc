// How an audit entry reads in the Activity list: its details, who did it, where its target is.
import type { components } from '../api/generated/schema'

export type AuditEntry = components['schemas']['AuditEntry']
export type AuditAction = components['schemas']['AuditActionEnum']
export type AuditTargetType = components['schemas']['AuditTargetTypeEnum']

// Each action as the filter names it. A Record over the schema's enum: an action added on
// the server fails the build until it has a name here.
export const ACTION_LABEL: Record<AuditAction, string> = {
  'workflow.created': 'Created a workflow',
  'workflow.changed': 'Saved a new version',
  'workflow.settings_changed': 'Changed settings or name',
  'workflow.duplicated': 'Duplicated a workflow',
  'workflow.exported': 'Exported a workflow',
  'workflow.imported': 'Imported a workflow',
  'workflow.deleted': 'Deleted a workflow',
  'workflow.activated': 'Activated a workflow',
  'workflow.deactivated': 'Deactivated a workflow',
  'webhook.secret_viewed': 'Viewed a webhook secret',
  'webhook.secret_rotated': 'Rotated a webhook secret',
  'run.started': 'Started a run',
  'run.cancelled': 'Cancelled a run',
  'run.retried': 'Retried a run from failure',
  'run.rerun': 'Reran a run',
  'step.approved': 'Approved a step',
  'step.rejected': 'Rejected a step',
  'step.marked_done': 'Marked a step done',
  'step.retried': 'Retried a step',
  'auth.signed_in': 'Signed in',
  'auth.sign_in_failed': 'Failed to sign in',
  'auth.signed_out': 'Signed out',
  'credential.created': 'Created a credential',
  'credential.changed': 'Changed a credential',
  'credential.rotated': 'Rotated a credential',
  'credential.deleted': 'Deleted a credential',
  'credential.tested': 'Tested a credential',
  'token.created': 'Created an API token',
  'token.revoked': 'Revoked an API token',
}

// The actions the filter offers, grouped as a person looks for them (typed by the schema:
// an action renamed on the server fails the build).
export const ACTION_GROUPS: { label: string; actions: AuditAction[] }[] = [
  {
    label: 'Workflows',
    actions: [
      'workflow.created', 'workflow.changed', 'workflow.settings_changed', 'workflow.duplicated', 'workflow.exported',
      'workflow.imported', 'workflow.deleted', 'workflow.activated', 'workflow.deactivated',
      'webhook.secret_viewed', 'webhook.secret_rotated',
    ],
  },
  { label: 'Runs', actions: ['run.started', 'run.cancelled', 'run.retried', 'run.rerun', 'step.approved', 'step.rejected', 'step.marked_done', 'step.retried'] },
  { label: 'Account', actions: ['auth.signed_in', 'auth.sign_in_failed', 'auth.signed_out'] },
  // Credentials and API tokens join here once their pages exist.
]

export const TARGET_TYPES: { value: AuditTargetType; label: string }[] = [
  { value: 'workflow', label: 'workflows' },
  { value: 'run', label: 'runs' },
  { value: 'user', label: 'account' },
]

const TRIGGERS: Record<string, string> = { manual: 'by hand', api: 'through the API', webhook: 'by webhook', schedule: 'on schedule' }

// The details as a few words: "v3", "name, description", "step review", "by webhook".
export function describeDetails(details: AuditEntry['details']): string[] {
  const words: string[] = []
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined) continue
    if (key === 'version') words.push(`v${value}`)
    else if (key === 'fields' && Array.isArray(value)) words.push(value.join(', ').replaceAll('_', ' '))
    else if (key === 'node_id') words.push(`step ${value}`)
    else if (key === 'trigger') words.push(TRIGGERS[String(value)] ?? String(value))
    else if (key === 'from_workflow') words.push(`from workflow #${value}`)
    else if (key === 'from_run') words.push(`from run #${value}`)
    else if (key === 'from_node') words.push(`from step ${value}`)
    else if (key === 'restored_from') words.push(`restored v${value}`)
    else if (key === 'attempt') words.push(`attempt ${value}`)
    else words.push(`${key.replaceAll('_', ' ')} ${Array.isArray(value) ? value.join(', ') : String(value)}`)
  }
  return words
}

// Who did it: a person by name, or the way in when no one did (a webhook call, a schedule).
export function describeActor(entry: Pick<AuditEntry, 'actor' | 'how'>): { name: string; person: boolean } {
  if (entry.actor) return { name: entry.actor, person: true }
  const ways: Record<string, string> = { webhook: 'a webhook call', schedule: 'the schedule', command: 'a command', session: 'someone', token: 'an API token' }
  return { name: ways[entry.how] ?? entry.how, person: false }
}

// Where the target is in the app, while it still exists.
export function targetPath(entry: Pick<AuditEntry, 'target_type' | 'target_id' | 'target_exists'>): string | null {
  if (!entry.target_exists) return null
  if (entry.target_type === 'workflow') return `/workflows/${entry.target_id}`
  if (entry.target_type === 'run') return `/runs/${entry.target_id}`
  return null
}

export const HOW_LABEL: Record<string, string> = { session: 'browser', token: 'API token', webhook: 'webhook', schedule: 'schedule', command: 'command' }
