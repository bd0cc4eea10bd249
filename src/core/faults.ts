/**
 * Fault injection: "the next N requests matching METHOD PATH answer STATUS (after a delay)". Lets a
 * test see how its app copes with Clerk being slow, rate limiting (429 + Retry-After) or failing.
 * Fastify-free: the HTTP layer asks `take()` on each request and answers with `faultError()`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ValueErrorType } from '@sinclair/typebox/errors'
import { ClerkError, errors } from './errors.js'
import { Nullable } from './wire.js'

const METHOD_NAMES = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
/** Long enough for any timeout test, short enough that a typo does not hang a suite for good. */
export const MAX_DELAY_MS = 120_000

/**
 * What a test asks for: `mock.fail(spec)` takes it as is, `POST /__mock/faults` takes the snake_case
 * twins (`delay_ms`, `retry_after`, `long_message`). The one validator of a fault is this schema.
 */
export const FaultSpec = Type.Object(
  {
    method: Type.Optional(
      Nullable(
        Type.String({
          pattern: `^(\\*|${METHOD_NAMES.join('|')}|${METHOD_NAMES.join('|').toLowerCase()})$`,
          description: "an HTTP verb, or '*' (the default; null means the same) for any verb except CORS preflights",
        }),
      ),
    ),
    path: Type.String({ pattern: '^/[^*]*\\*?$', maxLength: 2048, description: "a path such as /v1/client, or a prefix ending in '*' such as /v1/client/sessions/*" }),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: 'the status to answer with; omit it for a delay-only fault (the request then goes through)' })),
    times: Type.Optional(Nullable(Type.Integer({ minimum: 1, description: 'how many matching requests it applies to; omitted or null: until cleared' }))),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS, description: 'real milliseconds to wait before answering (or before letting the request through)' })),
    retryAfter: Type.Optional(Type.Integer({ minimum: 0, description: 'seconds for the Retry-After header; a 429 gets one anyway (default 1)' })),
    code: Type.Optional(Type.String({ minLength: 1, description: 'the Clerk error code of the answer' })),
    message: Type.Optional(Type.String({ minLength: 1 })),
    longMessage: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
)
export type FaultSpec = Static<typeof FaultSpec>
const checkSpec = TypeCompiler.Compile(FaultSpec)

/** The wire name of each field (what `POST /__mock/faults` takes and error messages name). */
export const FAULT_WIRE_NAMES: Record<string, string> = { delayMs: 'delay_ms', retryAfter: 'retry_after', longMessage: 'long_message' }

/** An armed fault, in the wire shape `/__mock/faults` answers. */
export const FaultJson = Type.Object({
  id: Type.String(),
  method: Type.String(),
  path: Type.String(),
  status: Nullable(Type.Integer()),
  times_left: Nullable(Type.Integer({ description: 'matching requests it still applies to; null: until cleared' })),
  delay_ms: Type.Integer(),
  retry_after: Nullable(Type.Integer()),
})
export type FaultJson = Static<typeof FaultJson>

interface Fault extends FaultJson {
  code?: string
  message?: string
  longMessage?: string
}

/** The prefix of the mock's own control routes; faults never apply there, so a test can always clear them. */
export const CONTROL_PREFIX = '/__mock'

export class Faults {
  #faults: Fault[] = []
  #next = 1

  /** Arms a fault; bad input is a 400 `control_input_invalid` ClerkError. */
  add(spec: FaultSpec): FaultJson {
    const fault = validate(spec, `fault_${this.#next}`)
    this.#next += 1
    this.#faults.push(fault)
    return publicJson(fault)
  }

  /**
   * The oldest armed fault matching this request, consuming one of its `times`; null when none
   * matches. Preflights (`OPTIONS`) match only a fault naming `OPTIONS`: a failed preflight shows up
   * in a browser as a CORS error, not as the status the test asked for.
   */
  take(method: string, path: string): Fault | null {
    const verb = method.toUpperCase()
    const fault = this.#faults.find((f) => (f.method === verb || (f.method === '*' && verb !== 'OPTIONS')) && pathMatches(f.path, path))
    if (!fault) return null
    if (fault.times_left !== null) {
      fault.times_left -= 1
      if (fault.times_left === 0) this.remove(fault.id)
    }
    return fault
  }

  list(): FaultJson[] {
    return this.#faults.map(publicJson)
  }

  remove(id: string): boolean {
    const before = this.#faults.length
    this.#faults = this.#faults.filter((f) => f.id !== id)
    return this.#faults.length !== before
  }

  clear(): void {
    this.#faults = []
  }
}

/** The Clerk error a fault answers with: Clerk's own code and texts for the usual statuses. */
export function faultError(fault: Fault & { status: number }): ClerkError {
  const known = KNOWN[fault.status]
  const code = fault.code ?? known?.[0] ?? 'mock_fault'
  const message = fault.message ?? known?.[1] ?? 'Injected fault'
  const longMessage = fault.longMessage ?? known?.[2] ?? `The Clerk mock answered ${fault.status} because a test injected fault ${fault.id}.`
  return new ClerkError(fault.status, code, message, longMessage)
}

// From Clerk's error catalog (fapi/api_errors.json).
const KNOWN: Record<number, [string, string, string]> = {
  400: ['request_body_invalid', 'Request body invalid', 'The request body is invalid. Please consult the API documentation for more information.'],
  401: ['authentication_invalid', 'Invalid authentication', 'Unable to authenticate the request, you need to supply an active session'],
  404: ['resource_not_found', 'Resource not found', 'The requested resource was not found.'],
  429: ['too_many_requests', 'Too many requests', 'Too many requests, retry later'],
  500: ['internal_clerk_error', 'Oops, an unexpected error occurred', "There was an internal error on our servers. We've been notified and are working on fixing it."],
  503: ['service_unavailable', 'Service unavailable', 'Service unavailable'],
}

function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern
}

function publicJson(f: Fault): FaultJson {
  return { id: f.id, method: f.method, path: f.path, status: f.status, times_left: f.times_left, delay_ms: f.delay_ms, retry_after: f.retry_after }
}

/** A value as the error text shows it; never throws, whatever a caller passed (a BigInt, a cycle, a symbol). */
function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value)
  }
}

/** `spec` may come from JavaScript (or `as any`) with any types at all: the schema decides, then the rules between fields. */
function validate(spec: FaultSpec, id: string): Fault {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw errors.controlInputInvalid('a fault must be an object such as {"path": "/v1/client", "status": 429}')
  const issue = checkSpec.Errors(spec).First()
  if (issue !== undefined) {
    const key = issue.path.split('/')[1] ?? ''
    const param = FAULT_WIRE_NAMES[key] ?? key
    if (issue.type === ValueErrorType.ObjectAdditionalProperties) throw errors.controlInputInvalid(`unknown fault field ${show(key)}`, param)
    if (issue.type === ValueErrorType.ObjectRequiredProperty) throw errors.controlInputInvalid(`${param} is required`, param)
    throw errors.controlInputInvalid(`${param} ${describe(issue.schema as Parameters<typeof describe>[0])}, got ${show(issue.value)}`, param)
  }
  const method = spec.method?.toUpperCase() ?? '*'
  const { path } = spec
  // A pattern like '/*' is fine: the control API is skipped when faults are looked up anyway.
  if (path.startsWith(CONTROL_PREFIX)) throw errors.controlInputInvalid(`path must not name the control API (${CONTROL_PREFIX}); faults apply to the Frontend API routes only`, 'path')
  const status = spec.status ?? null
  const delay = spec.delayMs ?? 0
  if (status === null && delay === 0) throw errors.controlInputInvalid('a fault needs a status, a delay_ms, or both')
  const retryAfter = status === null ? null : (spec.retryAfter ?? (status === 429 ? 1 : null))
  return { id, method, path, status, times_left: spec.times ?? null, delay_ms: delay, retry_after: retryAfter, code: spec.code, message: spec.message, longMessage: spec.longMessage }
}

/** What a field's schema asks for, in words. */
function describe(schema: { type?: unknown; minimum?: number; maximum?: number; minLength?: number; pattern?: string; anyOf?: unknown[] }): string {
  const inner = (schema.anyOf?.[0] ?? schema) as typeof schema
  if (inner.type === 'integer') {
    if (inner.maximum !== undefined) return `must be an integer from ${inner.minimum} to ${inner.maximum}`
    return `must be an integer >= ${inner.minimum}${schema.anyOf ? ' (or null)' : ''}`
  }
  if (inner.pattern?.startsWith('^(\\*|')) return `must be one of *, ${METHOD_NAMES.join(', ')}`
  if (inner.pattern !== undefined) return "must start with '/' and may end in '*' (a prefix)"
  return 'must be a non-empty string'
}
