import { describe, expect, it } from 'vitest'
import { describeActor, describeDetails, targetPath } from './activity'

describe('an audit entry in words', () => {
  it('says what the details hold, skipping what is empty', () => {
    expect(describeDetails({ version: 3, restored_from: 1 })).toEqual(['v3', 'restored v1'])
    expect(describeDetails({ fields: ['name', 'concurrency_limit'] })).toEqual(['name, concurrency limit'])
    expect(describeDetails({ trigger: 'webhook', node_id: 'hook', version: 2 })).toEqual(['by webhook', 'step hook', 'v2'])
    expect(describeDetails({ from_run: 7, from_node: null })).toEqual(['from run #7'])
    expect(describeDetails({ something_new: 'x' })).toEqual(['something new x'])
  })

  it('names the person, or the way in when no one acted', () => {
    expect(describeActor({ actor: 'ada', how: 'session' })).toEqual({ name: 'ada', person: true })
    expect(describeActor({ actor: null, how: 'webhook' })).toEqual({ name: 'a webhook call', person: false })
  })

  it('links only to a target that still exists', () => {
    expect(targetPath({ target_type: 'workflow', target_id: '4', target_exists: true })).toBe('/workflows/4')
    expect(targetPath({ target_type: 'run', target_id: '9', target_exists: true })).toBe('/runs/9')
    expect(targetPath({ target_type: 'workflow', target_id: '4', target_exists: false })).toBeNull()
    expect(targetPath({ target_type: 'user', target_id: '1', target_exists: true })).toBeNull()
  })
})
