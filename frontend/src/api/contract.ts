// Checks, at build time (tsc -b), of the types the frontend still writes by hand against the
// schema's (generated/schema.d.ts from openapi.yaml). Everything else is the schema's own
// type (api/queries.ts, runs/types.ts); where the schema leaves a JSON field open, a
// hand-written type gives it a shape, but its fields are the schema's: a field added,
// renamed or removed on the server fails the build here. contract.test.ts proves it.
import type { NodeTypeInfo } from '../editor/types'
import type { Schemas } from './client'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Expect<T extends true> = T

export type NodeTypeFields = Expect<Equal<keyof NodeTypeInfo, keyof Schemas['NodeType']>>
