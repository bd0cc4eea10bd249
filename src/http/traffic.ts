/**
 * What happens around every Frontend API request: the journal records it, and an armed fault may
 * answer (or delay) it first. The control API (`/__mock/…`) is neither journaled nor faultable, so a
 * test can always read the journal and clear the faults it set.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { CONTROL_PREFIX, faultError, Faults } from '../core/faults.js'
import type { Instance } from '../core/instance.js'
import { Journal } from '../core/journal.js'
import type { App } from './app.js'
import { sendError } from './errors.js'
import { identify } from './identity.js'

declare module 'fastify' {
  interface FastifyInstance {
    journal: Journal
    faults: Faults
  }
  interface FastifyRequest {
    /** Mock-clock time of arrival. */
    journalTime?: number
    faulted?: boolean
  }
}

const isControl = (path: string) => path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)
const pathOf = (request: FastifyRequest) => request.url.split('?')[0]

/** Decorates the app with its journal and faults and installs the hooks; call it after the cookie plugin is registered. */
export function installTraffic(app: App): void {
  app.decorate('journal', new Journal())
  app.decorate('faults', new Faults())
  // Delayed requests must not keep a stopped mock's process alive for up to MAX_DELAY_MS.
  const closing = new AbortController()
  app.addHook('onClose', async () => closing.abort())

  // Callback-style hooks (an async hook costs a promise on every request); only a fault goes async.
  app.addHook('onRequest', (request, reply, done) => {
    if (isControl(pathOf(request))) return done()
    // Stamped on arrival, so an entry's time is when the app asked, not when a delayed answer left.
    request.journalTime = app.instance.clock.now()
    const fault = app.faults.take(request.method, pathOf(request))
    if (!fault) return done()
    let handedOn = false
    void (async () => {
      if (fault.delay_ms > 0) await sleep(fault.delay_ms, undefined, { signal: closing.signal }).catch(() => undefined)
      if (fault.status === null) {
        handedOn = true
        return done()
      }
      request.faulted = true
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
    record(request, reply)
    done(null, payload)
  })
  const record = (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request)
    if (isControl(path)) return
    const sessionId = sessionIdOf(request)
    // The caller's client as the route saw it before acting (identify() notes it), else as now.
    const callerId = request.callerClientId !== undefined ? request.callerClientId : callerClientId(request, app.instance)
    const clientId =
      callerId ??
      (sessionId === null ? null : (app.instance.store.sessions.get(sessionId)?.clientId ?? null)) ??
      request.handedOutClientId ??
      null
    app.journal.record({
      method: request.method,
      path,
      query: flatQuery(request.query),
      status: reply.statusCode,
      time: request.journalTime ?? app.instance.clock.now(),
      client_id: clientId,
      session_id: sessionId,
      fault: request.faulted === true,
    })
  }
}

/** Back to the seed: state and clock, and an empty journal with no armed faults. */
export function resetApp(app: App): void {
  app.instance.reset()
  app.journal.clear()
  app.faults.clear()
}

/** The caller's client, without side effects on the request (no stale-cookie clearing) and without throwing. */
function callerClientId(request: FastifyRequest, instance: Instance): string | null {
  const before = request.clearStaleCookie
  try {
    const identity = identify(request, instance)
    return identity.kind === 'client' ? identity.clientId : null
  } catch {
    return null
  } finally {
    request.clearStaleCookie = before
  }
}

function sessionIdOf(request: FastifyRequest): string | null {
  const params = request.params as { id?: unknown } | undefined
  if (request.routeOptions.url?.includes('/sessions/:id') && typeof params?.id === 'string') return params.id
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
