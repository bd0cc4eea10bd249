/**
 * Fault injection: "the next N requests matching METHOD PATH answer STATUS (after a delay)". Lets a
 * test see how its app copes with Clerk being slow, rate limiting (429 + Retry-After) or failing.
 * Fastify-free: the HTTP layer asks `take()` on each request and answers with `faultError()`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { ClerkError, errors } from './errors.js'
import { Nullable } from './wire.js'

/** What a test asks for (camelCase in code; `POST /__mock/faults` takes the snake_case twins). */
export interface FaultSpec {
  /** An HTTP verb, or `'*'` (the default) for any verb except CORS preflights. */
  method?: string
  /** A path such as `/v1/client`, or a prefix ending in `*` such as `/v1/client/sessions/*`. */
  path: string
  /** The status to answer with (400–599). Omit it for a delay-only fault: the request then goes through. */
  status?: number
  /** How many matching requests it applies to; omitted or null: until cleared. */
  times?: number | null
  /** Real milliseconds to wait before answering (or before letting the request through). */
  delayMs?: number
  /** Seconds for the `Retry-After` header; a 429 gets one anyway (default 1). */
  retryAfter?: number
  /** Override the Clerk error `code`, `message` and `long_message` of the answer. */
  code?: string
  message?: string
  longMessage?: string
}

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

const METHODS = new Set(['*', 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
/** Long enough for any timeout test, short enough that a typo does not hang a suite for good. */
export const MAX_DELAY_MS = 120_000
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

/** `spec` is checked field by field: it may come from JavaScript (or `as any`) with any types at all. */
function validate(spec: FaultSpec, id: string): Fault {
  const bad = (param: string, why: string) => errors.controlInputInvalid(`${param} ${why}`, param)
  if (typeof spec !== 'object' || spec === null) throw errors.controlInputInvalid('a fault must be an object such as {"path": "/v1/client", "status": 429}')
  const method = typeof spec.method === 'string' ? spec.method.toUpperCase() : spec.method == null ? '*' : null
  if (method === null || !METHODS.has(method)) throw bad('method', `must be one of ${[...METHODS].join(', ')}, got ${show(spec.method)}`)
  const { path } = spec
  if (typeof path !== 'string' || !path.startsWith('/') || path.slice(0, -1).includes('*')) {
    throw bad('path', `must start with '/' and may end in '*' (a prefix), got ${show(path)}`)
  }
  // A pattern like '/*' is fine: the control API is skipped when faults are looked up anyway.
  if (path.startsWith(CONTROL_PREFIX)) throw bad('path', `must not name the control API (${CONTROL_PREFIX}); faults apply to the Frontend API routes only`)
  const status = spec.status ?? null
  if (status !== null && !(Number.isInteger(status) && status >= 400 && status <= 599)) throw bad('status', `must be an integer from 400 to 599, got ${show(spec.status)}`)
  const times = spec.times ?? null
  if (times !== null && !(Number.isInteger(times) && times >= 1)) throw bad('times', `must be a positive integer (omit it for "until cleared"), got ${show(spec.times)}`)
  const delay = spec.delayMs ?? 0
  if (!(Number.isInteger(delay) && delay >= 0 && delay <= MAX_DELAY_MS)) throw bad('delay_ms', `must be an integer from 0 to ${MAX_DELAY_MS}, got ${show(spec.delayMs)}`)
  if (status === null && delay === 0) throw errors.controlInputInvalid('a fault needs a status, a delay_ms, or both')
  let retryAfter = spec.retryAfter ?? (status === 429 ? 1 : null)
  if (retryAfter !== null && !(Number.isInteger(retryAfter) && retryAfter >= 0)) throw bad('retry_after', `must be a whole number of seconds >= 0, got ${show(spec.retryAfter)}`)
  if (status === null) retryAfter = null
  for (const key of ['code', 'message', 'longMessage'] as const) {
    if (spec[key] !== undefined && (typeof spec[key] !== 'string' || spec[key] === '')) throw bad(key === 'longMessage' ? 'long_message' : key, 'must be a non-empty string')
  }
  return { id, method, path, status, times_left: times, delay_ms: delay, retry_after: retryAfter, code: spec.code, message: spec.message, longMessage: spec.longMessage }
}
