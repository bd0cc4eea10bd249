/**
 * The request journal: what reached the mock, oldest first, so a test can assert on the traffic its
 * app produced (retries after a 429, the token refresh after an advance, …). Fastify-free: the HTTP
 * layer hands finished requests in.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './wire.js'


/** One finished request, in the wire shape `GET /__mock/requests` answers (so code and HTTP tests assert alike). */
export const JournalEntry = Type.Object({
  method: Type.String({ description: 'the effective verb: a clerk-js `POST ?_method=DELETE` is recorded as DELETE' }),
  path: Type.String({ description: 'the path without the query string' }),
  query: Type.Record(Type.String(), Type.String(), { description: 'query parameters (the last value when a name repeats)' }),
  status: Type.Integer({ description: 'the status the mock answered with' }),
  time: Type.Integer({ description: 'mock-clock epoch milliseconds when the request arrived' }),
  client_id: Nullable(Type.String({ description: "the caller's client, else the named session's client, else a client the answer handed out" })),
  session_id: Nullable(Type.String({ description: 'the session named by the path (/sessions/sess_…) or by _clerk_session_id' })),
  fault: Type.Boolean({ description: 'true when an injected fault answered instead of the route' }),
})
export type JournalEntry = Static<typeof JournalEntry>

/** How many entries the journal keeps; older ones are dropped first. */
export const JOURNAL_LIMIT = 1000

export class Journal {
  #entries: JournalEntry[] = []

  constructor(readonly limit = JOURNAL_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`journal limit must be a positive integer, got ${limit}`)
  }

  record(entry: JournalEntry): void {
    this.#entries.push(entry)
    // Bounded so a long-running mock (a dev server left on for hours) does not grow without end.
    // Trimmed in batches: dropping one entry per request would move the other thousand each time.
    if (this.#entries.length >= 2 * this.limit) this.#entries.splice(0, this.#entries.length - this.limit)
  }

  /** A copy, oldest first (the last `limit` entries): callers may keep or change it without touching the journal. */
  list(): JournalEntry[] {
    return this.#entries.slice(-this.limit).map((e) => ({ ...e, query: { ...e.query } }))
  }

  clear(): void {
    this.#entries = []
  }
}
