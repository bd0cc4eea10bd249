/**
 * The handshake (REFERENCE §12) driven by the real `@clerk/backend` 3.25: an app at
 * http://localhost:3000 with the mock's development key sends a browser's page load to the mock,
 * the mock answers the 307 back, and the SDK turns that answer into the app's cookies and auth state.
 * The clock follows real time: @clerk/backend checks the tokens' exp/nbf/iat against the real clock.
 */
import { createVerify } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import t, { type Test } from 'tap'
import { createClerkClient } from '@clerk/backend'
import { getCookieSuffix, getSuffixedCookieName } from '@clerk/shared/keys'
import { startClerkMock, type ClerkMock } from '../src/index.js'
import { cookieSuffix, devPublishableKey, HandshakeNonces, MAX_PENDING_NONCES } from '../src/core/handshake.js'
import { ADA, BOB, CLIENT_A, CLIENT_B, SESS_A, twoClients } from './helpers/mock.js'
import { assertClerkError } from './helpers/clerk-error.js'

const APP = 'http://localhost:3000'

/** The app's cookies as a browser keeps them for http://localhost:3000 (host-only, Path=/). */
class Jar {
  readonly cookies = new Map<string, string>()
  /** Applies Set-Cookie strings: `Max-Age=0` deletes, anything else stores the value. */
  apply(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(eq + 1))
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

/** A page load (what a browser's navigation looks like to @clerk/backend). */
function pageLoad(url: string, jar: Jar): Request {
  const headers: Record<string, string> = { 'sec-fetch-dest': 'document', accept: 'text/html,application/xhtml+xml' }
  if (jar.cookies.size > 0) headers.cookie = jar.header()
  return new Request(url, { headers })
}

async function start(t: Test, options: Parameters<typeof startClerkMock>[0] = {}) {
  const mock = await startClerkMock({ fixtures: twoClients(), clock: 'system', ...options })
  t.teardown(() => mock.stop())
  const backend = createClerkClient({
    secretKey: mock.secretKey,
    publishableKey: mock.publishableKey,
    apiUrl: mock.apiUrl,
    jwtKey: mock.publicKeyPem,
    telemetry: { disabled: true },
  })
  return { mock, backend }
}

/** A browser's navigation to the mock over TLS (the SDK names https://<key host>), trusting the mock's certificate; redirects are not followed. */
function navigateTls(mock: ClerkMock, url: string, headers: Record<string, string>): Promise<{ status: number; location: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: mock.certificate, headers, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? '' }))
    })
    req.on('error', reject)
    req.end()
  })
}

interface Visit {
  /** The SDK's verdict on the first page load. */
  first: Awaited<ReturnType<ReturnType<typeof createClerkClient>['authenticateRequest']>>
  handshakeUrl: URL
  /** The mock's answer. */
  mockStatus: number
  back: string
  /** The SDK's verdict on the page load the mock sent back. */
  returned: Awaited<ReturnType<ReturnType<typeof createClerkClient>['authenticateRequest']>>
  /** The SDK's verdict on the next page load, with the cookies it set. */
  after: Awaited<ReturnType<ReturnType<typeof createClerkClient>['authenticateRequest']>>
}

/**
 * A full page load through the handshake: the app asks for one, the browser follows it to the mock
 * (with `mockCookie` as the mock's own `__client` cookie, when the browser has one there), then
 * comes back; the app sets the cookies it got and the browser loads the clean URL once more.
 * `tweak` may change the handshake URL before the browser follows it.
 */
async function visit(
  t: Test,
  mock: ClerkMock,
  backend: ReturnType<typeof createClerkClient>,
  jar: Jar,
  opts: { mockCookie?: string; tweak?: (url: URL) => void; path?: string } = {},
): Promise<Visit> {
  const first = await backend.authenticateRequest(pageLoad(`${APP}${opts.path ?? '/protected'}`, jar))
  t.equal(first.status, 'handshake', `the first page load asks for a handshake (${first.reason})`)
  const handshakeUrl = new URL(first.headers.get('location') ?? 'about:blank')
  jar.apply(first.headers.getSetCookie())
  opts.tweak?.(handshakeUrl)
  t.equal(handshakeUrl.origin, mock.httpsUrl, 'the SDK sends the browser to https://<key host>')
  const answer = await navigateTls(mock, handshakeUrl.href, {
    accept: 'text/html',
    'sec-fetch-dest': 'document',
    ...(opts.mockCookie ? { cookie: `__client=${opts.mockCookie}` } : {}),
  })
  const back = answer.location
  const returned = await backend.authenticateRequest(pageLoad(back, jar))
  jar.apply(returned.headers.getSetCookie())
  const clean = returned.headers.get('location') ?? back
  const after = await backend.authenticateRequest(pageLoad(clean, jar))
  jar.apply(after.headers.getSetCookie())
  return { first, handshakeUrl, mockStatus: answer.status, back, returned, after }
}

/** The handshake token's header and payload, its signature checked against the mock's key. */
function readHandshakeToken(t: Test, mock: ClerkMock, location: string): { header: any; payload: any } {
  const token = new URL(location).searchParams.get('__clerk_handshake') ?? ''
  const [h, p, s] = token.split('.')
  t.ok(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(mock.publicKeyPem, Buffer.from(s ?? '', 'base64url')), 'the handshake token is signed by the instance key')
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) }
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())

/** The token form: the SDK always asks for `format=nonce`; without the parameter the mock signs the directives into the URL. */
const tokenForm = (url: URL) => url.searchParams.delete('format')

/** What a test that skips the SDK sends: a handshake URL as @clerk/backend builds it. */
function handshakePath(params: Record<string, string>): string {
  return `/v1/client/handshake?${new URLSearchParams({ redirect_url: `${APP}/protected`, __clerk_api_version: '2025-11-10', suffixed_cookies: 'false', __clerk_hs_reason: 'dev-browser-missing', ...params })}`
}

t.test('the cookie suffix is @clerk/shared\'s getCookieSuffix', async (t) => {
  const keys = [devPublishableKey('127.0.0.1:4010'), devPublishableKey('[::1]:65535'), 'pk_live_Y2xlcmsuZXhhbXBsZS5jb20k', 'pk_test_???///+++', '']
  for (let port = 1; port < 400; port += 7) keys.push(devPublishableKey(`127.0.0.1:${port}`))
  for (const key of keys) t.equal(cookieSuffix(key), await getCookieSuffix(key), key)
})

t.test("the key for a host is the mock's own publishable key", async (t) => {
  const { mock } = await start(t)
  t.equal(devPublishableKey(new URL(mock.url).host), mock.publishableKey)
})

t.test('a browser signed in on the mock (its __client cookie) comes back signed in: the token form', async (t) => {
  const { mock, backend } = await start(t)
  const jar = new Jar()
  const v = await visit(t, mock, backend, jar, { mockCookie: mock.clientToken(CLIENT_A), tweak: tokenForm })
  t.equal(v.first.reason, 'dev-browser-missing')
  t.equal(v.handshakeUrl.pathname, '/v1/client/handshake')
  t.equal(v.mockStatus, 307)
  const back = new URL(v.back)
  t.equal(back.origin + back.pathname, `${APP}/protected`, 'back to redirect_url')
  t.notOk(back.searchParams.has('__clerk_handshake_nonce'))

  const { header, payload } = readHandshakeToken(t, mock, v.back)
  t.same(header, { alg: 'RS256', kid: mock.jwks.keys[0].kid, typ: 'JWT' })
  t.same(Object.keys(payload), ['handshake'], 'the payload is the directives only')
  const names = (payload.handshake as string[]).map((c) => c.split('=')[0])
  t.same(names, ['__session', '__client_uat', '__clerk_db_jwt'], 'exactly the three cookies, no suffixed ones unasked')
  const [session, uat, db] = payload.handshake as string[]
  t.match(session, /^__session=ey[\w-]+\.[\w-]+\.[\w-]+; Path=\/; SameSite=Lax$/)
  const token = session.slice('__session='.length).split(';')[0]
  const claims = claimsOf(token)
  t.equal(claims.sub, ADA)
  t.equal(claims.sid, SESS_A)
  t.equal(claims.azp, APP, 'azp is the origin of redirect_url')
  t.equal(uat, `__client_uat=${claims.iat}; Path=/; Max-Age=31536000; SameSite=Lax`, '__client_uat is the token iat')
  t.match(db, /^__clerk_db_jwt=dvb_[0-9A-Za-z]{27}; Path=\/; Max-Age=31536000; SameSite=Lax$/)

  t.equal(v.returned.status, 'signed-in', 'the SDK accepts the answer')
  t.equal(v.returned.toAuth()?.userId, ADA)
  t.same(v.returned.headers.getSetCookie().filter((c) => !c.startsWith('__clerk_redirect_count')), payload.handshake, 'the app sets exactly the directives')
  t.equal(new URL(v.returned.headers.get('location') ?? '').href, `${APP}/protected`, 'a development instance then loads the clean URL')
  t.equal(v.after.status, 'signed-in', 'the next page load is signed in from the cookies alone')
  t.equal(v.after.toAuth()?.userId, ADA)
  t.equal(v.after.headers.get('location'), null, 'no further handshake')
})

t.test('the nonce form: the app fetches the directives from the Backend API', async (t) => {
  const { mock, backend } = await start(t)
  const jar = new Jar()
  const v = await visit(t, mock, backend, jar, { mockCookie: mock.clientToken(CLIENT_A) })
  t.equal(v.handshakeUrl.searchParams.get('format'), 'nonce', 'what the SDK asks for')
  const back = new URL(v.back)
  t.match(back.searchParams.get('__clerk_handshake_nonce'), /^[\w-]{32}$/)
  t.notOk(back.searchParams.has('__clerk_handshake'))
  t.equal(v.returned.status, 'signed-in')
  t.equal(v.returned.toAuth()?.userId, ADA)
  t.equal(v.after.status, 'signed-in')
  t.equal(v.after.toAuth()?.userId, ADA)
  const again = await fetch(`${mock.apiUrl}/v1/clients/handshake_payload?nonce=${back.searchParams.get('__clerk_handshake_nonce')}`, { headers: { authorization: `Bearer ${mock.secretKey}` } })
  t.equal(again.status, 404, 'a nonce is read once')
})

t.test('a fresh browser comes back signed out, with a dev browser', async (t) => {
  const { mock, backend } = await start(t)
  const jar = new Jar()
  const v = await visit(t, mock, backend, jar, { tweak: tokenForm })
  t.equal(v.mockStatus, 307)
  const { payload } = readHandshakeToken(t, mock, v.back)
  const [session, uat, db] = payload.handshake as string[]
  t.equal(session, '__session=; Path=/; Max-Age=0; SameSite=Lax')
  t.equal(uat, '__client_uat=0; Path=/; Max-Age=31536000; SameSite=Lax')
  t.match(db, /^__clerk_db_jwt=dvb_/)
  t.equal(v.returned.status, 'signed-out')
  t.equal(v.after.status, 'signed-out', 'signed out from the cookies alone')
  t.equal(v.after.headers.get('location'), null, 'and no handshake loop')
  t.match(jar.cookies.get('__clerk_db_jwt'), /^dvb_/, 'the app keeps the dev browser')
  const state = (await (await fetch(`${mock.url}/__mock/state`)).json()) as { dev_browsers: { id: string; client_id: string | null }[] }
  t.same(state.dev_browsers, [{ id: jar.cookies.get('__clerk_db_jwt'), client_id: null }], 'registered, bound to no client')
})

t.test('the dev browser: created at the first handshake, bound to the client found, and then decides', async (t) => {
  const { mock, backend } = await start(t)
  const jar = new Jar()
  await visit(t, mock, backend, jar, { mockCookie: mock.clientToken(CLIENT_A), tweak: tokenForm })
  const dvb = jar.cookies.get('__clerk_db_jwt')!
  t.match(dvb, /^dvb_/)

  // A second handshake with that dev browser and nothing else (no __session, no mock cookie) finds client A.
  const res = await fetch(`${mock.url}${handshakePath({ __clerk_db_jwt: dvb })}`, { redirect: 'manual' })
  t.equal(res.status, 307)
  const { payload } = readHandshakeToken(t, mock, res.headers.get('location')!)
  t.equal(claimsOf(payload.handshake[0].split('=')[1].split(';')[0]).sid, SESS_A, 'the same client, signed in')
  t.equal(payload.handshake[2], `__clerk_db_jwt=${dvb}; Path=/; Max-Age=31536000; SameSite=Lax`, 'the same dev browser, not a new one')

  // The dev browser wins over another client's cookie (as on every FAPI route).
  const other = await fetch(`${mock.url}${handshakePath({ __clerk_db_jwt: dvb })}`, { redirect: 'manual', headers: { cookie: `__client=${mock.clientToken(CLIENT_B)}` } })
  const { payload: p2 } = readHandshakeToken(t, mock, other.headers.get('location')!)
  t.equal(claimsOf(p2.handshake[0].split('=')[1].split(';')[0]).sub, ADA, 'still Ada, not Bob')

  // The app's next page load through the SDK: the cookies it set carry the dev browser.
  jar.cookies.delete('__session')
  const v = await visit(t, mock, backend, jar, { tweak: tokenForm })
  t.equal(v.handshakeUrl.searchParams.get('__clerk_db_jwt'), dvb, 'the SDK sends the dev browser')
  t.equal(v.returned.toAuth()?.userId, ADA, 'signed in through the dev browser alone')
})

t.test('an unknown dev browser (the mock restarted) gets a new one and a signed-out browser, never an error page', async (t) => {
  const { mock } = await start(t)
  for (const stale of ['dvb_2abcdefghijklmnopqrstuvwxyz', 'garbage', 'x'.repeat(5000)]) {
    const res = await fetch(`${mock.url}${handshakePath({ __clerk_db_jwt: stale })}`, { redirect: 'manual', headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
    t.equal(res.status, 307, stale.slice(0, 20))
    const { payload } = readHandshakeToken(t, mock, res.headers.get('location')!)
    const db = payload.handshake[2] as string
    t.match(db, /^__clerk_db_jwt=dvb_/)
    t.not(db, `__clerk_db_jwt=${stale}; Path=/; Max-Age=31536000; SameSite=Lax`, 'replaced')
    // The replacement is bound to what the browser still had: the mock's own cookie.
    t.equal(claimsOf(payload.handshake[0].split('=')[1].split(';')[0]).sub, ADA)
  }
})

t.test('the __session token in the URL keeps a browser signed in when the mock sees no cookie (a partitioned __client)', async (t) => {
  const { mock, backend } = await start(t)
  // What clerk-js in the page left on the app's site: a session token, an older __client_uat.
  const minted = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}/tokens`, { method: 'POST', headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
  const { jwt } = (await minted.json()) as { jwt: string }
  const jar = new Jar()
  jar.cookies.set('__session', jwt)
  jar.cookies.set('__client_uat', String(claimsOf(jwt).iat))
  const v = await visit(t, mock, backend, jar, { tweak: tokenForm })
  t.equal(v.handshakeUrl.searchParams.get('__session'), jwt, 'the SDK puts the token in the handshake URL')
  const journaled = mock.requests.filter((r) => r.path === '/v1/client/handshake')
  t.same(journaled.map((r) => [r.status, r.client_id]), [[307, CLIENT_A]], 'the journal names the client the handshake found')
  t.equal(v.returned.status, 'signed-in')
  t.equal(v.returned.toAuth()?.userId, ADA)
  t.equal(v.after.toAuth()?.userId, ADA)
  // And the dev browser it got is bound to that client.
  const again = await fetch(`${mock.url}${handshakePath({ __clerk_db_jwt: jar.cookies.get('__clerk_db_jwt')! })}`, { redirect: 'manual' })
  t.equal(claimsOf(readHandshakeToken(t, mock, again.headers.get('location')!).payload.handshake[0].split('=')[1].split(';')[0]).sub, ADA)
})

t.test('a forged or foreign __session signs nobody in', async (t) => {
  const { mock, backend } = await start(t)
  // Another instance's key signs a token naming a real session of this mock.
  const other = await startClerkMock({ fixtures: twoClients(), clock: 'system' })
  t.teardown(() => other.stop())
  const foreign = await fetch(`${other.url}/v1/client/sessions/${SESS_A}/tokens`, { method: 'POST', headers: { cookie: `__client=${other.clientToken(CLIENT_A)}` } })
  const { jwt: foreignJwt } = (await foreign.json()) as { jwt: string }
  t.equal(claimsOf(foreignJwt).sid, SESS_A)
  const [h, , s] = foreignJwt.split('.')
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(foreignJwt), iss: mock.url })).toString('base64url')}.${s}`
  // A client token is signed by the right key but names no session.
  for (const [what, token] of [['foreign', foreignJwt], ['tampered', tampered], ['garbage', 'not.a.jwt'], ['a client token', mock.clientToken(CLIENT_A)]] as const) {
    const res = await fetch(`${mock.url}${handshakePath({ __session: token })}`, { redirect: 'manual' })
    t.equal(res.status, 307, what)
    const { payload } = readHandshakeToken(t, mock, res.headers.get('location')!)
    t.equal(payload.handshake[0], '__session=; Path=/; Max-Age=0; SameSite=Lax', `${what}: signed out`)
  }
  // Through the SDK: the app holds the foreign token; the answer signs the browser out.
  const jar = new Jar()
  jar.cookies.set('__session', foreignJwt)
  jar.cookies.set('__client_uat', String(claimsOf(foreignJwt).iat))
  const v = await visit(t, mock, backend, jar, { tweak: tokenForm })
  t.equal(v.returned.status, 'signed-out')
  t.equal(v.after.status, 'signed-out')
})

t.test('time and state on the mock decide: expired, ended, revoked sessions come back signed out', async (t) => {
  const { mock, backend } = await start(t)
  const signIn = async () => {
    const jar = new Jar()
    const v = await visit(t, mock, backend, jar, { mockCookie: mock.clientToken(CLIENT_A), tweak: tokenForm })
    t.equal(v.after.toAuth()?.userId, ADA, 'signed in first')
    // A minute later its 60 s token has run out; the app then holds __client_uat alone (clerk-js is not running) and asks again.
    jar.cookies.delete('__session')
    return jar
  }
  const signedOutNext = async (why: string, jar: Jar) => {
    const v = await visit(t, mock, backend, jar, { tweak: tokenForm })
    t.equal(v.first.reason, 'client-uat-but-no-session-token')
    const { payload } = readHandshakeToken(t, mock, v.back)
    t.equal(payload.handshake[0], '__session=; Path=/; Max-Age=0; SameSite=Lax', `${why}: cleared`)
    t.equal(v.returned.status, 'signed-out', `${why}: signed out`)
    t.equal(v.after.status, 'signed-out', `${why}: and stays so`)
  }

  t.test('the clock past expire_at', async (t) => {
    const jar = await signIn()
    mock.clock.advance('7d')
    await signedOutNext('expired', jar)
    mock.reset()
  })
  t.test('ended on the mock', async (t) => {
    mock.reset()
    const jar = await signIn()
    const end = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}/end`, { method: 'POST', headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
    t.equal(end.status, 200)
    await signedOutNext('ended', jar)
  })
  t.test('revoked on the mock', async (t) => {
    mock.reset()
    const jar = await signIn()
    const revoke = await fetch(`${mock.url}/v1/me/sessions/${SESS_A}/revoke`, { method: 'POST' })
    t.equal(revoke.status, 200)
    await signedOutNext('revoked', jar)
  })
  t.test('a second user signed in on the same client is who comes back', async (t) => {
    mock.reset()
    const jar = await signIn()
    mock.createSession({ userId: BOB, clientId: CLIENT_A })
    const v = await visit(t, mock, backend, jar, { tweak: tokenForm })
    t.equal(v.returned.toAuth()?.userId, BOB, "the client's last active session")
  })
})

t.test('suffixed_cookies=true: the suffixed names too, as @clerk/backend reads them', async (t) => {
  const { mock, backend } = await start(t)
  const suffix = await getCookieSuffix(mock.publishableKey)
  const res = await fetch(`${mock.url}${handshakePath({ suffixed_cookies: 'true' })}`, { redirect: 'manual', headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
  t.equal(res.status, 307)
  const location = res.headers.get('location')!
  const { payload } = readHandshakeToken(t, mock, location)
  const names = (payload.handshake as string[]).map((c) => c.split('=')[0])
  t.same(names, ['__session', getSuffixedCookieName('__session', suffix), '__client_uat', getSuffixedCookieName('__client_uat', suffix), '__clerk_db_jwt', getSuffixedCookieName('__clerk_db_jwt', suffix)])
  const values = (payload.handshake as string[]).map((c) => c.split(';')[0].split('=')[1])
  t.equal(values[0], values[1], 'the same token under both names')

  // The app, given those cookies, reads the suffixed ones and is signed in.
  const jar = new Jar()
  const returned = await backend.authenticateRequest(pageLoad(location, jar))
  t.equal(returned.status, 'signed-in')
  jar.apply(returned.headers.getSetCookie())
  t.ok(jar.cookies.has(`__session_${suffix}`) && jar.cookies.has(`__client_uat_${suffix}`) && jar.cookies.has(`__clerk_db_jwt_${suffix}`))
  // Only the suffixed session is left: signed in proves the SDK read the suffixed names.
  jar.cookies.delete('__session')
  jar.cookies.delete('__client_uat')
  const after = await backend.authenticateRequest(pageLoad(`${APP}/protected`, jar))
  t.equal(after.status, 'signed-in')
  t.equal(after.toAuth()?.userId, ADA)

  // And @clerk/backend itself asks for them once the app holds suffixed cookies: a minute later the
  // token is gone, the suffixed __client_uat is left, and the round trip comes back signed in.
  jar.cookies.delete(`__session_${suffix}`)
  const v = await visit(t, mock, backend, jar, { mockCookie: mock.clientToken(CLIENT_A), tweak: tokenForm })
  t.equal(v.handshakeUrl.searchParams.get('suffixed_cookies'), 'true', 'the SDK asks for suffixed cookies')
  t.ok(v.returned.headers.getSetCookie().some((c) => c.startsWith(`__session_${suffix}=ey`)), 'and gets them')
  t.equal(v.after.toAuth()?.userId, ADA)
})

t.test('redirect_url: an allowed origin, or a 400 naming it; nothing changes on a refusal', async (t) => {
  const { mock } = await start(t, { allowedOrigins: ['http://app.test:3000'] })
  const devBrowsers = async () => {
    const state = (await (await fetch(`${mock.url}/__mock/state`)).json()) as { dev_browsers: { id: string; client_id: string | null }[] }
    return JSON.stringify(state.dev_browsers)
  }
  const before = await devBrowsers()
  const refused: [string, string, RegExp][] = [
    ['', 'form_param_missing', /^redirect_url must be included/],
    ['not a url', 'form_param_value_invalid', /^redirect_url must be an absolute http\(s\) URL, got "not a url"/],
    ['/protected', 'form_param_value_invalid', /absolute/],
    ['javascript:alert(1)', 'form_param_value_invalid', /must use http or https/],
    ['https://evil.example/steal', 'form_param_value_invalid', /loopback origin or one in allowedOrigins .*https:\/\/evil\.example is neither/],
    ['http://localhost.evil.example:3000/', 'form_param_value_invalid', /is neither/],
    ['http://app.test:3001/', 'form_param_value_invalid', /is neither/],
  ]
  for (const [url, code, message] of refused) {
    const res = await mock.inject({ method: 'GET', url: handshakePath({ redirect_url: url }), headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
    const item = assertClerkError(t, res, 400, code, message)
    t.same(item.meta, { param_name: 'redirect_url' }, `${url}: names the parameter`)
    t.equal(res.headers.location, undefined, `${url}: no redirect`)
  }
  const missing = await mock.inject({ method: 'GET', url: '/v1/client/handshake?format=nonce' })
  assertClerkError(t, missing, 400, 'form_param_missing', /redirect_url/)
  const twice = await mock.inject({ method: 'GET', url: `/v1/client/handshake?redirect_url=${encodeURIComponent(APP)}&redirect_url=${encodeURIComponent('https://evil.example/')}` })
  assertClerkError(t, twice, 400, 'form_param_value_invalid', /must be given once/)
  t.equal(await devBrowsers(), before, 'no dev browser registered by a refused handshake')

  for (const ok of ['http://app.test:3000/x?y=1#frag', 'https://127.0.0.1:8443/', 'http://[::1]:3000/', 'http://foo.localhost:5173/a']) {
    const res = await mock.inject({ method: 'GET', url: handshakePath({ redirect_url: ok }) })
    t.equal(res.statusCode, 307, ok)
    const back = new URL(String(res.headers.location))
    t.equal(back.origin, new URL(ok).origin, `${ok}: back to its origin`)
    t.ok(back.searchParams.has('__clerk_handshake'), `${ok}: with the token`)
    t.equal(res.headers['cache-control'], 'no-store')
  }
  const stale = await mock.inject({ method: 'GET', url: handshakePath({ redirect_url: `${APP}/p?__clerk_handshake_nonce=old&__clerk_handshake=old&keep=1` }) })
  const back = new URL(String(stale.headers.location))
  t.equal(back.searchParams.get('keep'), '1')
  t.equal(back.searchParams.getAll('__clerk_handshake').length, 1)
  t.not(back.searchParams.get('__clerk_handshake'), 'old')
  t.notOk(back.searchParams.has('__clerk_handshake_nonce'), 'a stale nonce would win over the new token')
})

t.test('HEAD is a 405 that registers nothing', async (t) => {
  const { mock } = await start(t)
  const res = await mock.inject({ method: 'HEAD', url: handshakePath({}) })
  t.equal(res.statusCode, 405)
})

t.test('the nonce store: read once, bounded', async (t) => {
  const nonces = new HandshakeNonces()
  const a = nonces.put(['a'])
  const b = nonces.put(['b'])
  t.not(a, b)
  t.match(a, /^[\w-]{32}$/)
  t.same(nonces.take(a), ['a'])
  t.equal(nonces.take(a), undefined, 'once')
  for (let i = 0; i < MAX_PENDING_NONCES; i++) nonces.put([String(i)])
  t.equal(nonces.size, MAX_PENDING_NONCES)
  t.equal(nonces.take(b), undefined, 'the oldest is forgotten first')
})
