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
import { CLIENT_COOKIE, identify } from './identity.js'

declare module 'fastify' {
  interface FastifyInstance {
    journal: Journal
    faults: Faults
  }
  interface FastifyRequest {
    /** The client whose credential came with the request, read before the route could change it. */
    journalClientId?: string | null
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
    request.journalClientId = callerClientId(request, app.instance)
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

  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply)
    done()
  })
  const record = (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request)
    if (isControl(path)) return
    const sessionId = sessionIdOf(request)
    const clientId =
      request.journalClientId ??
      (sessionId === null ? null : (app.instance.store.sessions.get(sessionId)?.clientId ?? null)) ??
      handedOutClientId(reply, app.instance)
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

/** A new client's id, read from the token the answer handed out (cookie or native `Authorization`). */
function handedOutClientId(reply: FastifyReply, instance: Instance): string | null {
  const cookies = ([] as unknown[]).concat(reply.getHeader('set-cookie') ?? [])
  const prefix = `${CLIENT_COOKIE}=`
  const fromCookie = cookies.map(String).find((c) => c.startsWith(prefix))
  const token = fromCookie ? fromCookie.slice(prefix.length).split(';')[0] : reply.getHeader('authorization')
  if (typeof token !== 'string' || token === '') return null
  const check = instance.clientTokens.check(token, (id) => instance.store.clients.has(id))
  return check.kind === 'client' ? check.clientId : null
}

function flatQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value
    if (last !== undefined) out[key] = String(last)
  }
  return out
}
