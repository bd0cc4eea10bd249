/**
 * The handshake (REFERENCE §12): `@clerk/backend` sends a browser's document request to
 * `GET /v1/client/handshake?redirect_url=…` when it cannot tell from the app's own cookies who the
 * browser is; the mock finds the browser's client, and sends it back with the cookies the app's
 * server must set (`__session`, `__client_uat`, `__clerk_db_jwt`), either signed into the redirect
 * (`__clerk_handshake=<JWT>`) or kept here under a nonce that the app's server fetches from the
 * Backend API (`__clerk_handshake_nonce=<nonce>`). The rules live here; `http/fapi/handshake.ts` only
 * reads the request and writes the redirect.
 */
import { createHash, randomBytes } from 'node:crypto'
import { ClerkError } from './errors.js'
import { isSignedIn } from './lifecycle.js'
import type { MockCore } from './mock-core.js'
import type { Client, SessionResult } from './store.js'

/** Nonces waiting to be read; past this many the oldest is forgotten (a browser that never came back leaves one). */
export const MAX_PENDING_NONCES = 10_000

/**
 * The handshake's nonces: with `format=nonce` the directives wait here until the app's server
 * fetches them from the Backend API (`GET /v1/clients/handshake_payload?nonce=`). Each nonce is
 * read once; `reset()` empties the store.
 */
export class HandshakeNonces {
  readonly #payloads = new Map<string, string[]>()

  /**
   * Whether `format=nonce` gets a nonce (true, as on Clerk: the app's server must reach the mock's
   * Backend API, `apiUrl`) or the signed token (false: for an app that verifies with `jwtKey` alone
   * and calls no Backend API; @clerk/backend accepts either answer).
   */
  answerNonces = true

  /** Stores a handshake's cookie directives and returns the new, unguessable nonce that names them. */
  put(directives: string[]): string {
    const nonce = randomBytes(24).toString('base64url')
    this.#payloads.set(nonce, directives)
    if (this.#payloads.size > MAX_PENDING_NONCES) this.#payloads.delete(this.#payloads.keys().next().value!)
    return nonce
  }

  /** The directives for a nonce, once; undefined for an unknown or already-read nonce. */
  take(nonce: string): string[] | undefined {
    const directives = this.#payloads.get(nonce)
    this.#payloads.delete(nonce)
    return directives
  }

  get size(): number {
    return this.#payloads.size
  }

  clear(): void {
    this.#payloads.clear()
  }
}

/**
 * The suffix `@clerk/shared`'s `getCookieSuffix` derives from a publishable key, for the cookie names
 * `__session_<suffix>` etc.: base64 of the key's SHA-1 with `+/` made URL-safe, first 8 characters.
 */
export function cookieSuffix(publishableKey: string): string {
  return createHash('sha1').update(publishableKey).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').slice(0, 8)
}

/**
 * The development publishable key an SDK holds when it reaches the mock at `host` (`127.0.0.1:4010`):
 * `pk_test_` + base64(`host$`) without padding, the encoding of `mock.publishableKey`.
 */
export function devPublishableKey(host: string): string {
  return `pk_test_${Buffer.from(`${host}$`).toString('base64').replace(/=+$/, '')}`
}

/** `__client_uat` and `__clerk_db_jwt` last as long as the mock's `__client` cookie. Max-Age, never Expires: the mock clock may be years from real time. */
export const HANDSHAKE_COOKIE_MAX_AGE_S = 365 * 86_400

export interface DirectiveInput {
  /** The browser's new session token and its `iat` (epoch seconds); null: signed out. */
  session: { jwt: string; iat: number } | null
  devBrowser: string
  /** Also set the suffixed names (`suffixed_cookies=true`): the suffix from `cookieSuffix()`. */
  suffix: string | null
}

/**
 * The Set-Cookie strings the app's server sends on (REFERENCE §12), host-only cookies on the app's
 * site. Signed in: the session token, `__client_uat` = its `iat` (so @clerk/backend never finds the
 * token older than the client), the dev browser. Signed out: `__session` cleared, `__client_uat=0`,
 * the dev browser. With a suffix, each name is set again as `<name>_<suffix>`, which @clerk/backend
 * reads first once it has seen one.
 */
export function handshakeDirectives({ session, devBrowser, suffix }: DirectiveInput): string[] {
  const values: [string, string, string][] = [
    ['__session', session?.jwt ?? '', session ? '' : '; Max-Age=0'],
    ['__client_uat', session ? String(session.iat) : '0', `; Max-Age=${HANDSHAKE_COOKIE_MAX_AGE_S}`],
    ['__clerk_db_jwt', devBrowser, `; Max-Age=${HANDSHAKE_COOKIE_MAX_AGE_S}`],
  ]
  const names = (name: string) => (suffix === null ? [name] : [name, `${name}_${suffix}`])
  return values.flatMap(([name, value, age]) => names(name).map((n) => `${n}=${value}; Path=/${age}; SameSite=Lax`))
}

const redirectInvalid = (why: string, value: string) =>
  new ClerkError(400, 'form_param_value_invalid', 'is invalid', `redirect_url ${why}, got ${JSON.stringify(value.slice(0, 200))}.`, { param_name: 'redirect_url' })

/**
 * Where the handshake may send the browser: an absolute http(s) URL on an allowed origin (any loopback
 * origin, or one in `allowedOrigins`). Anything else is a 400 naming `redirect_url`, checked before
 * anything changes: the handshake hands out session tokens, so an open redirect would give them away.
 */
export function handshakeTarget(redirectUrl: unknown, originAllowed: (origin: string) => boolean): URL {
  if (Array.isArray(redirectUrl)) throw redirectInvalid('must be given once', redirectUrl.map(String).join(', '))
  if (typeof redirectUrl !== 'string' || redirectUrl === '') {
    throw new ClerkError(400, 'form_param_missing', 'is missing', 'redirect_url must be included: the handshake sends the browser back to it.', { param_name: 'redirect_url' })
  }
  let target: URL
  try {
    target = new URL(redirectUrl)
  } catch {
    throw redirectInvalid('must be an absolute http(s) URL', redirectUrl)
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw redirectInvalid('must use http or https', redirectUrl)
  if (!originAllowed(target.origin)) {
    throw redirectInvalid(`must be on a loopback origin or one in allowedOrigins (--allowed-origin); ${target.origin} is neither`, redirectUrl)
  }
  return target
}

/** What the browser brought to the handshake. */
export interface HandshakeInput {
  /** `redirect_url` as the query held it (string, array, or absent). */
  redirectUrl: unknown
  /** `__clerk_db_jwt` from the query. */
  devBrowser?: string
  /** The `__session` token @clerk/backend copies into the URL when the app had one. */
  sessionToken?: string
  /** The mock's own `__client` cookie (a top-level navigation to the mock carries it when it is not partitioned away). */
  clientToken?: string
  /** `format=nonce` asked for the nonce form. */
  wantsNonce: boolean
  /** Set the suffixed names too, with this key's suffix; null: `suffixed_cookies` was not true. */
  publishableKey: string | null
  originAllowed: (origin: string) => boolean
}

export interface HandshakeResult {
  /** The `redirect_url` with `__clerk_handshake` or `__clerk_handshake_nonce` added. */
  location: string
  /** The browser's client; null for a browser without one (signed out). */
  clientId: string | null
  /** The signed-in session the new token is for; null: signed out. */
  sessionId: string | null
  devBrowser: string
  directives: string[]
  format: 'token' | 'nonce'
}

/**
 * One handshake: validates `redirect_url` (before anything changes), finds the browser's client,
 * mints a token for its last active session when that one is signed in on the mock clock (`azp` =
 * the app's origin), and builds the redirect. A browser the mock cannot identify (no credential, or
 * an unknown, forged or stale one) is signed out, never an error page: the handshake is a top-level
 * navigation, and a signed-out app can still sign in, where an error page is a dead end.
 */
export async function runHandshake(core: MockCore, input: HandshakeInput): Promise<HandshakeResult> {
  const target = handshakeTarget(input.redirectUrl, input.originAllowed)
  const { client, devBrowser } = findClient(core, input)
  const signedIn = client === null ? null : lastActiveSignedIn(core, client)

  let session: DirectiveInput['session'] = null
  if (signedIn !== null) {
    const jwt = await core.mintSessionToken(signedIn, { azp: target.origin })
    session = { jwt, iat: issuedAt(jwt) }
  }
  const directives = handshakeDirectives({ session, devBrowser, suffix: input.publishableKey === null ? null : cookieSuffix(input.publishableKey) })

  // A stale handshake parameter in the URL would win over the new one (@clerk/backend reads the nonce first).
  target.searchParams.delete('__clerk_handshake')
  target.searchParams.delete('__clerk_handshake_nonce')
  const format = input.wantsNonce && core.handshakes.answerNonces ? 'nonce' : 'token'
  if (format === 'nonce') target.searchParams.set('__clerk_handshake_nonce', core.handshakes.put(directives))
  else target.searchParams.set('__clerk_handshake', await core.key.signJwtAsync({ handshake: directives }))

  return { location: target.href, clientId: client?.id ?? null, sessionId: signedIn?.session.id ?? null, devBrowser, directives, format }
}

/**
 * The browser's client, in REFERENCE §12's order: a dev browser bound to a client decides; otherwise
 * the `__session` token (signature checked, expiry ignored: an expired token is why the app asked),
 * then the `__client` cookie. A browser without a usable dev browser gets a new one, bound to the
 * client found; an unknown id (the mock restarted, or garbage) is replaced, not refused.
 */
function findClient(core: MockCore, input: HandshakeInput): { client: Client | null; devBrowser: string } {
  let devBrowser = input.devBrowser
  if (devBrowser !== undefined) {
    const bound = core.devBrowserClient(devBrowser)
    if (typeof bound === 'string' && core.hasClient(bound)) return { client: core.client(bound), devBrowser }
    if (bound === undefined) devBrowser = undefined
  }
  devBrowser ??= core.registerDevBrowser()
  const client = clientOfSessionToken(core, input.sessionToken) ?? clientOfCookie(core, input.clientToken)
  if (client !== null) core.bindDevBrowser(devBrowser, client)
  return { client, devBrowser }
}

/** The client of the session a session token names, when this instance signed the token and the client still exists. */
function clientOfSessionToken(core: MockCore, token: string | undefined): Client | null {
  if (token === undefined || token === '') return null
  const payload = core.key.verifyJwt(token)
  if (payload === null || typeof payload.sid !== 'string') return null
  const clientId = core.clientIdOfSession(payload.sid)
  return clientId !== null && core.hasClient(clientId) ? core.client(clientId) : null
}

function clientOfCookie(core: MockCore, token: string | undefined): Client | null {
  if (token === undefined || token === '') return null
  const check = core.checkClientToken(token)
  return check.kind === 'client' ? core.client(check.clientId) : null
}

/** The client's last active session when it is signed in (active or pending) on the mock clock. */
function lastActiveSignedIn(core: MockCore, client: Client): SessionResult | null {
  const id = client.lastActiveSessionId
  const session = id === null ? undefined : core.sessionsOf(client).find((s) => s.id === id)
  return session !== undefined && isSignedIn(core.status(session)) ? { session, client } : null
}

function issuedAt(jwt: string): number {
  return (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as { iat: number }).iat
}
