/**
 * Clerk's Frontend API OpenAPI file (`fapi_2026-05-12.yml`, OpenAPI 3.0.3) as Ajv validators: the
 * project's one OpenAPI → JSON Schema converter (`fromOpenApi`) and the lookups the tests use.
 *
 * The file lives outside the package: `../shared/fapi/` next to the repository, or the folder named
 * by `CLERK_FAPI_SPEC_DIR`. It is read by tests only and never copied into the project.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { parse } from 'yaml'

export const SPEC_FILE = 'fapi_2026-05-12.yml'
/** `../shared/fapi` relative to the repository root. */
export const DEFAULT_SPEC_DIR = fileURLToPath(new URL('../../../shared/fapi/', import.meta.url))
const SPEC_ID = 'https://clerk.example/fapi.json'

/** The folder holding Clerk's OpenAPI files: `CLERK_FAPI_SPEC_DIR`, else `../shared/fapi`. */
export const specDir = (): string => resolve(process.env.CLERK_FAPI_SPEC_DIR || DEFAULT_SPEC_DIR)
/** The Frontend API file. */
export const specFile = (): string => resolve(specDir(), SPEC_FILE)

/** Whether the spec file is present. */
export function specAvailable(): boolean {
  return existsSync(specFile())
}

/** The Backend API file, next to the Frontend API's. Its paths have no `/v1` (its server URL does). */
export const BAPI_SPEC_FILE = 'bapi_2026-05-12.yml'
export const bapiSpecFile = (): string => resolve(specDir(), BAPI_SPEC_FILE)

/** Like `skipWithoutSpec()`, for the Backend API file. */
export function skipWithoutBapiSpec(): string | false {
  return !existsSync(bapiSpecFile()) && !IN_CI ? `Clerk's Backend API OpenAPI file ${bapiSpecFile()} is absent (set CLERK_FAPI_SPEC_DIR); in CI this fails instead` : false
}

/** CI must never pass a spec check silently: there a missing spec file fails the test that needs it. */
export const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase())

/** A tap `skip` value: a reason to skip when the spec is absent outside CI; false (run, and fail on the missing file) otherwise. */
export function skipWithoutSpec(): string | false {
  return !specAvailable() && !IN_CI ? `Clerk's OpenAPI file ${specFile()} is absent (set CLERK_FAPI_SPEC_DIR); in CI this fails instead` : false
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0 → JSON Schema (draft-07, what Ajv runs)
// ---------------------------------------------------------------------------------------------

/** OpenAPI-only annotations with no JSON Schema meaning; dropped. */
const OPENAPI_ONLY = new Set(['nullable', 'discriminator', 'xml', 'externalDocs', 'example', 'deprecated'])
/** Keywords whose value is one subschema / a list of them / a map of name → subschema. */
const ONE = new Set(['items', 'additionalProperties', 'not'])
const LIST = new Set(['allOf', 'oneOf', 'anyOf'])
const MAP = new Set(['properties', 'patternProperties'])
const COMPOSING = ['allOf', 'oneOf', 'anyOf', '$ref']

/**
 * One OpenAPI 3.0 Schema Object as JSON Schema. Walks keywords, not raw keys, so a property named
 * `nullable`, `example` or `deprecated` (Clerk has some) stays a property, and data (`enum`,
 * `default`) is copied untouched.
 *
 * `nullable: true` (OpenAPI 3.0: "allows sending a null value for the defined schema"):
 * - next to `type` only: `type: [T, "null"]`, the OpenAPI 3.0.3 translation;
 * - where a sibling would veto null anyway (`enum` without null; `allOf`/`oneOf`/`anyOf`/`$ref`,
 *   the only way 3.0 can mark a reference nullable): `anyOf: [{type: "null"}, <the schema>]`, i.e.
 *   null or the schema. The 3.0.3 clarification lets those siblings keep rejecting null; Clerk's
 *   file is not written that way: `Client.Client.sign_in` is required and `nullable` + `allOf`,
 *   and every real client has `sign_in: null`; real environments have `captcha_widget_type: null`
 *   against `nullable` + `enum: [smart, invisible]`. Read strictly, the file would reject Clerk.
 * - without `type` or a composition: no effect (an untyped schema already allows null).
 * `nullable: false` or absent changes nothing: a typed schema rejects null, an untyped one allows it.
 */
export function fromOpenApi(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node
  const schema = node as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) {
    if (OPENAPI_ONLY.has(k)) continue
    if (ONE.has(k)) out[k] = fromOpenApi(v)
    else if (LIST.has(k) && Array.isArray(v)) out[k] = v.map(fromOpenApi)
    else if (MAP.has(k) && typeof v === 'object' && v !== null) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, fromOpenApi(s)]))
    else if (k === '$ref' && typeof v === 'string') out[k] = v.startsWith('#') ? `${SPEC_ID}${v}` : v
    else out[k] = v
  }
  if (schema.nullable !== true) return out
  const vetoes = COMPOSING.some((k) => k in schema) || (Array.isArray(schema.enum) && !schema.enum.includes(null))
  if (vetoes) return { anyOf: [{ type: 'null' }, out] }
  if (typeof out.type === 'string') out.type = [out.type, 'null']
  return out
}

/** The whole document with every Schema Object converted (components, and inline schemas of paths). */
function documentFromOpenApi(node: unknown, key = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => documentFromOpenApi(n))
  if (typeof node !== 'object' || node === null) return node
  if (key === 'schema') return fromOpenApi(node)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples') continue // free-form data, may hold keys named `schema`
    out[k] = key === 'components' && k === 'schemas' ? Object.fromEntries(Object.entries(v as object).map(([n, s]) => [n, fromOpenApi(s)])) : documentFromOpenApi(v, k)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The loaded spec
// ---------------------------------------------------------------------------------------------

type Operation = { responses?: Record<string, ResponseObject | { $ref: string }> }
type ResponseObject = { description?: string; content?: Record<string, { schema?: unknown }> }
interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { responses?: Record<string, ResponseObject>; schemas?: Record<string, unknown> }
}

/** What the spec declares for one answer: a validator, or why there is none. */
export type SpecResponse =
  | { found: true; specPath: string; status: string; where: string; validate: ValidateFunction }
  | { found: false; gap: string; bodyless?: { status: string; where: string } }

/** `/v1/client/sessions/:id` and `/v1/client/sessions/{session_id}` alike → `/v1/client/sessions/{}`. */
export const pathShape = (path: string): string => path.replace(/\{[^}/]+\}|:[A-Za-z_][A-Za-z0-9_]*/g, '{}')

const pointer = (...segments: string[]) => '#/' + segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')

export class FapiSpec {
  readonly doc: OpenApiDocument
  readonly version: string
  readonly #ajv: Ajv
  readonly #byShape = new Map<string, string>()

  constructor(file = specFile()) {
    this.doc = parse(readFileSync(file, 'utf8')) as OpenApiDocument
    this.version = this.doc.openapi
    for (const p of Object.keys(this.doc.paths)) this.#byShape.set(pathShape(p), p)
    this.#ajv = new Ajv({ strict: false, allErrors: true })
    ;(addFormats as unknown as (a: Ajv) => void)(this.#ajv)
    // OpenAPI formats JSON Schema does not define (`base64`, …): annotations, as JSON Schema treats unknown formats.
    for (const f of collectFormats(this.doc)) if (!this.#ajv.formats[f]) this.#ajv.addFormat(f, true)
    this.#ajv.addSchema({ $id: SPEC_ID, ...(documentFromOpenApi(this.doc) as object) })
  }

  /** The validator of `#/components/schemas/<name>`, e.g. `Client.Environment`. */
  schema(name: string): ValidateFunction {
    const validate = this.#ajv.getSchema(`${SPEC_ID}${pointer('components', 'schemas', name)}`)
    if (!validate) throw new Error(`no schema ${name} in ${this.doc.openapi ? 'the spec' : 'the file'}`)
    return validate
  }

  /** The spec's own path for a route (any parameter names), or undefined. */
  specPath(route: string): string | undefined {
    return this.#byShape.get(pathShape(route))
  }

  /**
   * The JSON schema the spec declares for `status` of `method route`, looked up by path (parameter
   * names ignored), verb and status (exact, then `4XX`, then `default`); or what is missing.
   */
  response(route: string, method: string, status: number): SpecResponse {
    const specPath = this.specPath(route)
    if (specPath === undefined) return { found: false, gap: `the spec has no path ${route}` }
    const verb = method.toLowerCase()
    const operation = this.doc.paths[specPath][verb]
    if (operation === undefined) return { found: false, gap: `the spec has no ${method} ${specPath}` }
    const responses = operation.responses ?? {}
    const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default'].find((k) => k in responses)
    if (key === undefined) return { found: false, gap: `the spec lists no ${status} for ${method} ${specPath} (it lists ${Object.keys(responses).join(', ') || 'nothing'})` }
    let entry = responses[key]
    let base = ['paths', specPath, verb, 'responses', key]
    let where = `${method} ${specPath} ${key}`
    if ('$ref' in entry) {
      const name = entry.$ref.split('/').pop()!
      where += ` → ${entry.$ref}`
      const target = this.doc.components.responses?.[name]
      if (target === undefined) return { found: false, gap: `${where} points at nothing` }
      entry = target
      base = ['components', 'responses', name]
    }
    const media = Object.keys(entry.content ?? {}).find((m) => /^application\/(.+\+)?json/.test(m))
    if (media === undefined || entry.content![media].schema === undefined) {
      const gap = `${where} declares no JSON body ("${entry.description ?? ''}")`
      // Listed with no content at all (a redirect): the answer has no body to check.
      return entry.content === undefined ? { found: false, gap, bodyless: { status: key, where } } : { found: false, gap }
    }
    const validate = this.#ajv.getSchema(`${SPEC_ID}${pointer(...base, 'content', media, 'schema')}`)
    if (!validate) throw new Error(`cannot compile the schema of ${where}`)
    return { found: true, specPath, status: key, where, validate }
  }
}

function collectFormats(node: unknown, into = new Set<string>()): Set<string> {
  if (typeof node === 'object' && node !== null) {
    if (typeof (node as { format?: unknown }).format === 'string') into.add((node as { format: string }).format)
    for (const v of Object.values(node)) collectFormats(v, into)
  }
  return into
}

let loaded: FapiSpec | null = null

/** The spec, parsed and compiled once per process. Throws if the file is absent (check `specAvailable()`). */
export function fapiSpec(): FapiSpec {
  return (loaded ??= new FapiSpec())
}

let loadedBapi: FapiSpec | null = null

/** The Backend API spec, parsed and compiled once per process (same lookups; pass paths without `/v1`). */
export function bapiSpec(): FapiSpec {
  return (loadedBapi ??= new FapiSpec(bapiSpecFile()))
}

/** The validator of `#/components/schemas/<name>`, e.g. `Client.Environment`. */
export function specValidator(name: string): ValidateFunction {
  return fapiSpec().schema(name)
}
