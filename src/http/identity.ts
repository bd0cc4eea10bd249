/**
 * Which client is asking (REFERENCE §5): a dev browser in the query, a native client's
 * `Authorization` header, the `__client` cookie, or nobody. Also how a client token is handed back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../core/errors.js'
import type { Instance } from '../core/instance.js'
import { ANONYMOUS, type Caller, type Client } from '../core/store.js'

export const CLIENT_COOKIE = '__client'
const COOKIE_MAX_AGE_S = 365 * 86_400

export type Identity =
  /** A known client: its sessions only. */
  | { kind: 'client'; clientId: string; via: Via }
  /** A credential-bearing caller without a client yet (new browser, Expo's first request, stale token). */
  | { kind: 'none'; via: Via }
  /** No credential at all (a plain curl): may act on any session by id, unless strict clients are on. */
  | { kind: 'anonymous' }

export type Via = 'cookie' | 'native' | 'dev_browser'

interface ClientQuery {
  _is_native?: string
  __clerk_db_jwt?: string
}

export function identify(request: FastifyRequest, instance: Instance): Identity {
  const identity = resolve(request, instance)
  // For the journal: the caller's client as first seen, before the route acts (DELETE /v1/client destroys it).
  request.callerClientId ??= identity.kind === 'client' ? identity.clientId : null
  return identity
}

function resolve(request: FastifyRequest, instance: Instance): Identity {
  const query = request.query as ClientQuery
  const store = instance.store

  const devBrowser = query.__clerk_db_jwt
  if (devBrowser !== undefined) {
    // The dev browser decides the client, even when a __client cookie comes along.
    if (!store.devBrowsers.has(devBrowser)) throw errors.devBrowserUnauthenticated()
    const clientId = store.devBrowsers.get(devBrowser)
    return clientId ? { kind: 'client', clientId, via: 'dev_browser' } : { kind: 'none', via: 'dev_browser' }
  }

  if (query._is_native === '1' || query._is_native === 'true') {
    const header = request.headers.authorization ?? ''
    const token = header.replace(/^Bearer\s+/i, '').trim()
    return token === '' ? { kind: 'none', via: 'native' } : fromToken(token, 'native', instance, request)
  }

  const cookie = request.cookies[CLIENT_COOKIE]
  if (cookie !== undefined && cookie !== '') return fromToken(cookie, 'cookie', instance, request)
  return { kind: 'anonymous' }
}

function fromToken(token: string, via: Via, instance: Instance, request: FastifyRequest): Identity {
  const check = instance.clientTokens.check(token, (id) => instance.store.clients.has(id))
  if (check.kind === 'client') return { kind: 'client', clientId: check.clientId, via }
  if (check.kind === 'stale') {
    // Signed by this mock for a client that is gone (reset, DELETE /v1/client): a signed-out browser.
    if (via === 'cookie') request.clearStaleCookie = true
    return { kind: 'none', via }
  }
  if (via === 'cookie') request.clearStaleCookie = true
  const what = via === 'cookie' ? `The ${CLIENT_COOKIE} cookie` : 'The Authorization header'
  throw errors.authenticationInvalid(`${what} does not hold a client token issued by this mock (it is malformed, forged or from another instance).`)
}

/** The caller for session operations; a caller without a client is signed out. */
export function callerOf(identity: Identity, strictClients: boolean): Caller {
  if (identity.kind === 'client') return { clientId: identity.clientId }
  if (identity.kind === 'anonymous' && !strictClients) return ANONYMOUS
  throw errors.signedOut()
}

/** Hands the client's token back the way the caller reads it: a cookie, or native clients' `Authorization` header. */
export function handOutClientToken(request: FastifyRequest, reply: FastifyReply, instance: Instance, client: Client, identity: Identity): void {
  const token = instance.tokenOf(client)
  request.handedOutClientId = client.id
  if (identity.kind !== 'anonymous' && identity.via === 'native') {
    reply.header('authorization', token)
    return
  }
  const devBrowser = (request.query as ClientQuery).__clerk_db_jwt
  if (identity.kind !== 'anonymous' && identity.via === 'dev_browser' && devBrowser) instance.store.devBrowsers.set(devBrowser, client.id)
  request.clearStaleCookie = false
  reply.setCookie(CLIENT_COOKIE, token, clientCookieOptions(request, COOKIE_MAX_AGE_S))
}

export function clearClientCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(CLIENT_COOKIE, clientCookieOptions(request, 0))
}

// Max-Age, not Expires: the browser compares Expires with real time, and the mock clock may be years away.
function clientCookieOptions(request: FastifyRequest, maxAge: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: request.protocol === 'https', maxAge }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request carried a `__client` cookie this instance cannot use; the reply clears it. */
    clearStaleCookie?: boolean
    /** The caller's client as `identify()` first found it (null: none), for the journal. */
    callerClientId?: string | null
    /** A client whose token this answer hands out (a new client, a sign-in), for the journal. */
    handedOutClientId?: string
  }
}
