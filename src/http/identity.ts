/**
 * Which client is asking (REFERENCE §5): a dev browser in the query, a native client's
 * `Authorization` header, the `__client` cookie, or nobody. Resolved once per request, on first
 * read of `request.identity`, and memoised; resolving has no side effects (what the answer must do
 * about it, such as clearing a cookie, happens as the answer leaves). Also how a client token is
 * handed back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors, type ClerkError } from '../core/errors.js'
import type { MockCore } from '../core/mock-core.js'
import { ANONYMOUS, type Caller, type Client } from '../core/store.js'
import type { App } from './app.js'

export const CLIENT_COOKIE = '__client'
const COOKIE_MAX_AGE_S = 365 * 86_400

export type Via = 'cookie' | 'native' | 'dev_browser'

export type Identity =
  /** A known client: its sessions only. */
  | { kind: 'client'; clientId: string; via: Via }
  /**
   * A credential-bearing caller without a client (a new browser, Expo's first request). `unusable`:
   * the `__client` cookie names no client of this mock (stale, forged, another instance's), so the
   * answer clears it.
   */
  | { kind: 'none'; via: Via; unusable: boolean }
  /** No credential at all (a plain curl): may act on any session by id, unless strict clients are on. */
  | { kind: 'anonymous' }
  /** A credential the mock refuses outright: an unknown dev browser, a native token it never issued. */
  | { kind: 'refused'; error: ClerkError }

interface ClientQuery {
  _is_native?: string
  __clerk_db_jwt?: string
}

export const isNative = (request: FastifyRequest) => {
  const flag = (request.query as ClientQuery | undefined)?._is_native
  return flag === '1' || flag === 'true'
}

/** Declares `request.identity` (lazy, memoised in `request.facts`). */
export function installIdentity(app: App): void {
  app.decorateRequest('identity', {
    getter(this: FastifyRequest): Identity {
      const facts = this.facts
      if (facts === null) return resolve(this, this.server.core)
      return (facts.identity ??= resolve(this, this.server.core))
    },
  })
  // What the identity means for the answer: a native client always gets its token back; an unusable
  // cookie is cleared unless the answer sets a new one. Only when the route (or the journal) read it.
  app.addHook('onSend', (request, reply, payload, done) => {
    const facts = request.facts
    const identity = facts?.identity
    if (identity !== undefined && facts !== null) {
      if (identity.kind === 'none' && identity.unusable && !facts.cookieSet) clearClientCookie(request, reply)
      if (identity.kind === 'client' && identity.via === 'native' && !reply.hasHeader('authorization') && request.server.core.hasClient(identity.clientId)) {
        reply.header('authorization', request.server.core.clientToken(identity.clientId))
      }
    }
    done(null, payload)
  })
}

function resolve(request: FastifyRequest, core: MockCore): Identity {
  const query = request.query as ClientQuery
  const devBrowser = query.__clerk_db_jwt
  if (devBrowser !== undefined) {
    // The dev browser decides the client, even when a __client cookie comes along.
    const clientId = core.devBrowserClient(devBrowser)
    if (clientId === undefined) return { kind: 'refused', error: errors.devBrowserUnauthenticated() }
    return clientId === null ? { kind: 'none', via: 'dev_browser', unusable: false } : { kind: 'client', clientId, via: 'dev_browser' }
  }

  if (isNative(request)) {
    const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim()
    if (token === '') return { kind: 'none', via: 'native', unusable: false }
    const check = core.checkClientToken(token)
    if (check.kind === 'client') return { kind: 'client', clientId: check.clientId, via: 'native' }
    if (check.kind === 'stale') return { kind: 'none', via: 'native', unusable: false }
    return { kind: 'refused', error: errors.authenticationInvalid('The Authorization header does not hold a client token issued by this mock (it is malformed, forged or from another instance).') }
  }

  const cookie = request.cookies[CLIENT_COOKIE]
  if (cookie === undefined || cookie === '') return { kind: 'anonymous' }
  const check = core.checkClientToken(cookie)
  // A cookie this mock cannot use (its client is gone, or another instance's key signed it, as a
  // browser keeps after the mock restarts) is a signed-out browser, as on Clerk; the answer clears it.
  return check.kind === 'client' ? { kind: 'client', clientId: check.clientId, via: 'cookie' } : { kind: 'none', via: 'cookie', unusable: true }
}

/** The caller for session operations; a caller without a client is signed out. */
export function callerOf(request: FastifyRequest): Caller {
  const identity = request.identity
  if (identity.kind === 'refused') throw identity.error
  if (identity.kind === 'client') return { clientId: identity.clientId }
  if (identity.kind === 'anonymous' && !request.server.mockOptions.strictClients) return ANONYMOUS
  throw errors.signedOut()
}

/** The caller's client, or null when it has none; a refused credential throws its error. */
export function clientOf(request: FastifyRequest): Client | null {
  const identity = request.identity
  if (identity.kind === 'refused') throw identity.error
  return identity.kind === 'client' ? request.server.core.client(identity.clientId) : null
}

/** Hands the client's token back the way the caller reads it: a cookie, a native client's `Authorization` header, or a dev-browser binding. */
export function handOutClientToken(request: FastifyRequest, reply: FastifyReply, client: Client): void {
  const core = request.server.core
  const identity = request.identity
  request.facts.handedOutClientId = client.id
  const via = identity.kind === 'client' || identity.kind === 'none' ? identity.via : 'cookie'
  if (via === 'native') {
    reply.header('authorization', core.clientToken(client))
    return
  }
  const devBrowser = (request.query as ClientQuery).__clerk_db_jwt
  if (via === 'dev_browser' && devBrowser !== undefined) core.bindDevBrowser(devBrowser, client)
  request.facts.cookieSet = true
  reply.setCookie(CLIENT_COOKIE, core.clientToken(client), clientCookieOptions(request, COOKIE_MAX_AGE_S))
}

export function clearClientCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(CLIENT_COOKIE, clientCookieOptions(request, 0))
}

// Max-Age, not Expires: the browser compares Expires with real time, and the mock clock may be years away.
// Over TLS the app's page is usually another site (http://localhost:3000 calling https://127.0.0.1:PORT):
// Chromium then sends and stores no SameSite=Lax cookie, and keeps a SameSite=None; Secure one only
// partitioned under the page's site (CHIPS, REFERENCE §11). Clearing uses the same attributes, or the
// browser would not match the cookie it holds.
function clientCookieOptions(request: FastifyRequest, maxAge: number) {
  return request.protocol === 'https'
    ? { path: '/', httpOnly: true, sameSite: 'none' as const, secure: true, partitioned: true, maxAge }
    : { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: false, maxAge }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking, resolved on first read and memoised; never throws (a refused credential is a kind). */
    readonly identity: Identity
  }
}
