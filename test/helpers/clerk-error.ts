/**
 * The one check of a Clerk error answer (REFERENCE §7):
 * `{ errors: [{ message, long_message, code, meta? }], clerk_trace_id: <32 hex> }`, served as JSON,
 * with the expected status and code (and, when given, long message, message and meta).
 *
 * Takes what the suites have at hand: `mockWith().call()`'s `{ status, json, headers }`, an
 * `inject()` response (`statusCode`, `body`, `headers`), or a fetch answer already read into
 * `{ status, json }`. Returns `errors[0]` for further checks.
 */
import type { Test } from 'tap'

export interface ErrorAnswer {
  status?: number
  statusCode?: number
  /** Parsed JSON; an inject() response's json() method is ignored in favour of `body`. */
  json?: unknown
  body?: string
  /** Absent (a bare fetch answer): the content type is not checked. */
  headers?: Record<string, unknown>
}

export interface ClerkErrorItem {
  message: string
  long_message: string
  code: string
  meta?: Record<string, unknown>
}

export interface ClerkErrorExpectations {
  message?: string | RegExp
  meta?: Record<string, unknown>
}

const ITEM_KEYS = new Set(['message', 'long_message', 'code', 'meta'])

/** What is wrong with `body` as a Clerk error body; empty when nothing is. */
export function clerkErrorFormatProblems(body: unknown): string[] {
  const problems: string[] = []
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [`body is not an object: ${JSON.stringify(body)?.slice(0, 200)}`]
  const keys = Object.keys(body).sort()
  if (keys.join(',') !== 'clerk_trace_id,errors') problems.push(`top-level keys are ${JSON.stringify(keys)}, not ["clerk_trace_id","errors"]`)
  const { errors, clerk_trace_id: trace } = body as { errors?: unknown; clerk_trace_id?: unknown }
  if (typeof trace !== 'string' || !/^[0-9a-f]{32}$/.test(trace)) problems.push(`clerk_trace_id ${JSON.stringify(trace)} is not 32 hex digits`)
  if (!Array.isArray(errors) || errors.length !== 1) {
    problems.push(`errors is ${JSON.stringify(errors)?.slice(0, 200)}, not a list of one error`)
    return problems
  }
  const item = errors[0] as Record<string, unknown>
  if (typeof item !== 'object' || item === null) return [...problems, 'errors[0] is not an object']
  for (const key of Object.keys(item)) if (!ITEM_KEYS.has(key)) problems.push(`errors[0] has an unexpected key ${JSON.stringify(key)}`)
  for (const key of ['message', 'long_message', 'code']) {
    if (typeof item[key] !== 'string' || item[key] === '') problems.push(`errors[0].${key} is ${JSON.stringify(item[key])}, not a non-empty string`)
  }
  if ('meta' in item && (typeof item.meta !== 'object' || item.meta === null || Array.isArray(item.meta))) problems.push('errors[0].meta is not an object')
  return problems
}

/**
 * Asserts a Clerk error answer: status, JSON content type, the format, the code, and optionally the
 * long message (exact string or pattern), the short message and the meta (deep-equal).
 */
export function assertClerkError(
  t: Test,
  res: ErrorAnswer,
  status: number,
  code: string,
  longMessage?: string | RegExp,
  expect: ClerkErrorExpectations = {},
): ClerkErrorItem {
  const got = res.status ?? res.statusCode
  // An inject() response has a json() method and the text in `body`; the suites' answers carry parsed `json`.
  let body = res.json
  if (body === undefined || typeof body === 'function') {
    try {
      body = JSON.parse(res.body ?? '')
    } catch {
      body = res.body
    }
  }
  const item = ((body as { errors?: ClerkErrorItem[] } | null)?.errors?.[0] ?? {}) as ClerkErrorItem
  const what = `${status} ${code}`
  t.equal(got, status, `${what}: status`)
  if (res.headers !== undefined) t.match(String(res.headers['content-type']), /^application\/json/, `${what}: served as JSON`)
  t.same(clerkErrorFormatProblems(body), [], `${what}: Clerk error format`)
  t.equal(item.code, code, `${what}: code`)
  if (typeof longMessage === 'string') t.equal(item.long_message, longMessage, `${what}: long_message`)
  else if (longMessage instanceof RegExp) t.match(item.long_message, longMessage, `${what}: long_message`)
  if (typeof expect.message === 'string') t.equal(item.message, expect.message, `${what}: message`)
  else if (expect.message instanceof RegExp) t.match(item.message, expect.message, `${what}: message`)
  if (expect.meta !== undefined) t.same(item.meta, expect.meta, `${what}: meta`)
  return item
}
