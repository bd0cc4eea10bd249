/**
 * What happens around every Frontend API request: an armed fault may answer (or delay) it first,
 * and the journal records it as the answer leaves (unless its route says `journal: false`). The
 * control API (`/__mock/…`) is neither journaled nor faultable, so a test can always read the journal and clear the faults it set.
 * Per-request facts live in one declared object, `request.facts`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyRequest } from 'fastify'
import { faultError } from '../core/faults.js'
import type { App } from './app.js'
import { sendError } from './errors.js'
import { isControlPath } from './guard.js'
import type { Identity } from './identity.js'

/** What the HTTP layer learns about one request as it goes, for the journal and the answer. */
export interface RequestFacts {
  /** Mock-clock time of arrival: an entry's time is when the app asked, not when a delayed answer left. */
  arrivedAt: number
  /** An injected fault answered instead of the route. */
  faulted: boolean
  /** `request.identity`, once resolved. */
  identity?: Identity
  /** A client whose token this answer hands out (a new client, a sign-in). */
  handedOutClientId: string | null
  /** The answer sets a new `__client` cookie. */
  cookieSet: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on arrival (null only before the first hook, e.g. for a URL the router could not parse). */
    facts: RequestFacts
  }
  interface FastifyContextConfig {
    /** The path parameter naming the session a route acts on, for the journal's `session_id`. */
    sessionParam?: string
    /**
     * `false`: the route's requests stay out of the request journal (clerk-js and UI bundle files:
     * one page load fetches some thirty, which would bury the Frontend API calls a test reads the
     * journal for). Default: journaled.
     */
    journal?: boolean
  }
}

const pathOf = (request: FastifyRequest) => request.url.split('?')[0]

/** Declares `request.facts` and installs faults and the journal; call it after the cookie plugin is registered. */
export function installTraffic(app: App): void {
  app.decorateRequest('facts', null as unknown as RequestFacts)
  const core = app.core
  // Delayed requests must not keep a stopped mock's process alive for up to MAX_DELAY_MS.
  const closing = new AbortController()
  app.addHook('onClose', async () => closing.abort())

  // Callback-style hooks (an async hook costs a promise on every request); only a fault goes async.
  app.addHook('onRequest', (request, reply, done) => {
    request.facts = { arrivedAt: core.clock.now(), faulted: false, handedOutClientId: null, cookieSet: false }
    if (isControlPath(pathOf(request))) return done()
    const fault = core.faults.take(request.method, pathOf(request))
    if (!fault) return done()
    let handedOn = false
    void (async () => {
      if (fault.delay_ms > 0) await sleep(fault.delay_ms, undefined, { signal: closing.signal }).catch(() => undefined)
      if (fault.status === null) {
        handedOn = true
        return done()
      }
      request.facts.faulted = true
      if (fault.retry_after !== null) reply.header('retry-after', String(fault.retry_after))
      sendError(reply, faultError({ ...fault, status: fault.status }))
    })().catch((e: unknown) => {
      // Nothing above should throw; if it does, the request still gets an answer (the error
      // handler's 500) rather than hanging, and no rejection goes unhandled.
      if (handedOn) request.log.error({ err: e }, 'error after a delay-only fault let the request through')
      else done(e as Error)
    })
  })

  // Recorded as the answer leaves (its status is final then): an onResponse hook would cost every
  // request a 'finish' listener, about a fifth of the mock's throughput.
  app.addHook('onSend', (request, reply, payload, done) => {
    const path = pathOf(request)
    if (request.facts === null || isControlPath(path) || request.routeOptions.config?.journal === false) return done(null, payload)
    const sessionId = sessionIdOf(request)
    // The caller's client as the route saw it before acting (the identity is memoised when the route
    // first read it; DELETE /v1/client destroys the client afterwards), else the named session's, else a new one.
    const identity = request.identity
    const clientId =
      (identity.kind === 'client' ? identity.clientId : null) ??
      (sessionId === null ? null : core.clientIdOfSession(sessionId)) ??
      request.facts.handedOutClientId
    core.journal.record({
      method: request.method,
      path,
      query: flatQuery(request.query),
      status: reply.statusCode,
      time: request.facts.arrivedAt,
      client_id: clientId,
      session_id: sessionId,
      fault: request.facts.faulted,
    })
    done(null, payload)
  })
}

function sessionIdOf(request: FastifyRequest): string | null {
  const param = request.routeOptions.config?.sessionParam
  const value = param === undefined ? undefined : (request.params as Record<string, unknown> | undefined)?.[param]
  if (typeof value === 'string') return value
  const query = request.query as { _clerk_session_id?: unknown } | undefined
  return typeof query?._clerk_session_id === 'string' ? query._clerk_session_id : null
}

function flatQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value
    if (last !== undefined) out[key] = String(last)
  }
  return out
}
