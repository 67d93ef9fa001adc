// The typed contract between the frontend and the committed schema: the app type-checks
// against generated/schema.d.ts (from openapi.yaml), and a field or path renamed in a copy
// of that schema makes tsc fail at the code that reads it. `make test` runs this
// (frontend-test), after `npm run build` (tsc -b) checked the real tree.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const FRONTEND = resolve(__dirname, '../..')
const SCHEMA = 'src/api/generated/schema.d.ts'
const scratch: string[] = []

/** tsc over a tree (the frontend itself, or a copy); its errors, or '' when it passes. */
function typecheck(root: string): string {
  try {
    execFileSync(join(FRONTEND, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.app.json'), '--noEmit', '--pretty', 'false'], { cwd: root, encoding: 'utf8', stdio: 'pipe' })
    return ''
  } catch (err) {
    const { stdout, stderr } = err as { stdout: string; stderr: string }
    return [stdout, stderr].filter(Boolean).join('') || String(err)
  }
}

/** A copy of the frontend's sources whose schema has `edit` applied. */
function copyWithSchema(edit: (schema: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), 'stepwise-contract-'))
  scratch.push(root)
  cpSync(join(FRONTEND, 'src'), join(root, 'src'), { recursive: true })
  cpSync(join(FRONTEND, 'tsconfig.app.json'), join(root, 'tsconfig.app.json'))
  symlinkSync(realpathSync(join(FRONTEND, 'node_modules')), join(root, 'node_modules'))
  const original = readFileSync(join(root, SCHEMA), 'utf8')
  const edited = edit(original)
  expect(edited).not.toBe(original) // the edit found what it renames
  writeFileSync(join(root, SCHEMA), edited)
  return root
}

/** Rename a field of one component schema (`components.schemas[name]`), as a server change would. */
function renameField(schema: string, name: string, field: string, renamed: string): string {
  const start = schema.indexOf(`\n        ${name}: {\n`)
  expect(start).toBeGreaterThan(-1)
  const end = schema.indexOf('\n        };\n', start)
  const block = schema.slice(start, end)
  const next = block.replace(new RegExp(`^(\\s+(?:readonly )?)${field}(\\??:)`, 'm'), `$1${renamed}$2`)
  return schema.slice(0, start) + next + schema.slice(end)
}

afterAll(() => {
  for (const root of scratch) rmSync(root, { recursive: true, force: true })
})

describe('the frontend against the committed schema', () => {
  it('type-checks as it is', () => {
    expect(typecheck(FRONTEND)).toBe('')
  }, 60_000)

  it.each([
    // [component, field, renamed to, the file that must fail]
    ['VersionSummary', 'author', 'created_by', 'src/editor/VersionsDialog.tsx'],
    ['RunDetail', 'last_seq', 'last_sequence', 'src/editor/Editor.tsx'],
    ['Step', 'duration_ms', 'elapsed_ms', 'src/runs/RunView.tsx'],
    ['WorkflowSummary', 'latest_version', 'version', 'src/pages/WorkflowList.tsx'],
    ['NodeType', 'has_input', 'accepts_input', 'src/api/contract.ts'],
    ['Credential', 'secrets_set', 'secret_fields', 'src/credentials/CredentialForm.tsx'],
    ['Trigger', 'url', 'webhook_url', 'src/editor/Triggers.tsx'],
    ['StepTest', 'output', 'result', 'src/editor/detail/PinAndTest.tsx'],
  ])('fails when %s.%s is renamed on the server', (component, field, renamed, file) => {
    const errors = typecheck(copyWithSchema((s) => renameField(s, component, field, renamed)))
    expect(errors).toContain(file)
  }, 60_000)

  it('fails when a path the client calls is renamed', () => {
    const errors = typecheck(copyWithSchema((s) => s.replace('"/api/workflows/{id}/validate/": {', '"/api/workflows/{id}/check/": {')))
    expect(errors).toContain('src/api/queries.ts')
  }, 60_000)
})
