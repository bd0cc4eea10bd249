/** REFERENCE §5: which client is asking, and what each client may see. */
import t, { type Test } from 'tap'
import { ADA, CLIENT_A, CLIENT_B, SESS_A, SESS_B, mockWith, twoClients } from './helpers/mock.js'
import { assertClerkError } from './helpers/clerk-error.js'

const cookie = (token: string) => ({ cookie: `__client=${token}` })

/** The answer clears the `__client` cookie: an empty value that expires at once (Max-Age, never Expires alone: the mock clock may be years away). */
function assertCookieCleared(t: Test, res: { headers: Record<string, unknown> }, what: string) {
  const setCookie = res.headers['set-cookie']
  t.type(setCookie, 'string', `${what}: one Set-Cookie`)
  t.match(String(setCookie), /^__client=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/, `${what}: clears __client`)
}

t.test('a client sees only its own sessions; a foreign session is 404 like an unknown one', async (t) => {
  const { mock, call } = mockWith()
  const a = cookie(mock.clientToken(CLIENT_A))
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: a })).status, 200)
  const foreign = await call('GET', `/v1/client/sessions/${SESS_B}`, { headers: a })
  const unknown = await call('GET', `/v1/client/sessions/sess_doesnotexist`, { headers: a })
  assertClerkError(t, foreign, 404, 'resource_not_found', `No session was found with id ${SESS_B}`, { message: 'Session not found' })
  assertClerkError(t, unknown, 404, 'resource_not_found', 'No session was found with id sess_doesnotexist', { message: 'Session not found' })
  t.same(Object.keys(foreign.headers).sort(), Object.keys(unknown.headers).sort(), 'no existence leak in the headers either')
  const actions = ['touch', 'end', 'remove', 'tokens']
  for (const action of actions) {
    assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_B}/${action}`, { headers: a }), 404, 'resource_not_found', `No session was found with id ${SESS_B}`)
  }
  t.equal((await call('GET', `/v1/client/sessions/${SESS_B}`)).json.response.status, 'active', "B's session untouched")
})

t.test('GET /v1/client: the cookie names the client; no credential is a null client', async (t) => {
  const { mock, call } = mockWith()
  const res = await call('GET', '/v1/client', { headers: cookie(mock.clientToken(CLIENT_A)) })
  t.equal(res.status, 200)
  t.equal(res.json.response.id, CLIENT_A)
  t.equal(res.json.client, null)
  t.same(res.json.response.sessions.map((s: any) => s.id), [SESS_A])
  const anon = await call('GET', '/v1/client')
  t.same(anon.json, { response: null, client: null })
})

t.test('PUT/POST /v1/client creates a client and sets the __client cookie', async (t) => {
  const { mock, call } = mockWith()
  const res = await call('PUT', '/v1/client', { headers: { origin: 'http://localhost:3000' } })
  t.equal(res.status, 200)
  t.match(res.json.response.id, /^client_[0-9A-Za-z]{27}$/)
  t.same(res.json.client, res.json.response)
  const setCookie = String(res.headers['set-cookie'])
  t.match(setCookie, /^__client=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/)
  t.notMatch(setCookie, /Secure/, 'no Secure over http')
  t.equal(res.headers['access-control-allow-origin'], 'http://localhost:3000')
  t.equal(res.headers['access-control-allow-credentials'], 'true')
  const token = setCookie.split(';')[0].slice('__client='.length)
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
  t.equal(payload.id, res.json.response.id)
  t.match(payload.rotating_token, /^[a-z0-9]{40}$/)
  const back = await call('GET', '/v1/client', { headers: cookie(token) })
  t.equal(back.json.response.id, res.json.response.id)
  const post = await call('POST', '/v1/client')
  t.equal(post.status, 200)
  t.not(post.json.response.id, res.json.response.id, 'POST creates another client')
  void mock
})

t.test('native clients: _is_native with Authorization, token echoed in the response header', async (t) => {
  const { mock, call } = mockWith()
  const first = await call('POST', '/v1/client?_is_native=1', { headers: { authorization: '' } })
  t.equal(first.status, 200)
  const token = first.headers.authorization as string
  t.equal(token, mock.clientToken(first.json.response.id), "the new client's token handed back in Authorization")
  t.notOk(first.headers['set-cookie'], 'no cookie for a native client')
  const mine = await call('GET', '/v1/client?_is_native=1', { headers: { authorization: token } })
  t.equal(mine.json.response.id, first.json.response.id)
  const bearer = await call('GET', `/v1/client/sessions/${SESS_A}?_is_native=true`, {
    headers: { authorization: `Bearer ${mock.clientToken(CLIENT_A)}` },
  })
  t.equal(bearer.status, 200, 'Bearer prefix accepted')
  t.equal(bearer.json.response.id, SESS_A)
  // No client yet means signed out, never "any client".
  const empty = await call('GET', `/v1/client/sessions/${SESS_A}?_is_native=1`, { headers: { authorization: '' } })
  assertClerkError(t, empty, 401, 'signed_out', 'You are signed out')
  t.notOk(empty.headers.authorization, 'no client, no token')
  const noNative = await call('GET', '/v1/client', { headers: { authorization: `Bearer sk_test_whatever` } })
  t.same(noNative.json, { response: null, client: null }, 'Authorization without _is_native is not a client token')
})

t.test("every answer to a native client's request carries its token in Authorization, errors too", async (t) => {
  const { mock, call } = mockWith()
  const token = mock.clientToken(CLIENT_A)
  const s = `/v1/client/sessions/${SESS_A}`
  // Each request is sent with the bare token, then with `Bearer `: [method, path, status bare, status Bearer].
  const requests: [string, string, number, number][] = [
    ['GET', '/v1/client', 200, 200],
    ['GET', s, 200, 200],
    ['POST', `${s}/touch`, 200, 200],
    ['POST', `${s}/tokens`, 200, 200],
    ['GET', `/v1/me/sessions`, 200, 200],
    ['GET', '/v1/environment', 200, 200],
    ['GET', `/v1/client/sessions/${SESS_B}`, 404, 404],
    ['POST', `${s}/end`, 200, 400],
    ['POST', `${s}/touch`, 400, 400],
  ]
  for (const [method, url, ...statuses] of requests) {
    for (const [i, authorization] of [token, `Bearer ${token}`].entries()) {
      const res = await call(method, `${url}?_is_native=1`, { headers: { authorization } })
      t.equal(res.status, statuses[i], `${method} ${url}`)
      t.equal(res.headers.authorization, token, `${method} ${url} (${authorization === token ? 'bare' : 'Bearer'}): the bare client token in Authorization`)
      t.notOk(res.headers['set-cookie'], `${method} ${url}: no cookie`)
    }
  }
  // The same requests without _is_native: a browser gets no Authorization header.
  const browser = await call('GET', s, { headers: cookie(token) })
  t.equal(browser.status, 200)
  t.notOk(browser.headers.authorization, 'no Authorization for a cookie client')
  // A client destroyed by the request itself has no token left to hand back.
  const gone = await call('DELETE', '/v1/client?_is_native=1', { headers: { authorization: token } })
  t.equal(gone.status, 200)
  t.notOk(gone.headers.authorization, 'DELETE /v1/client: no token for a client that is gone')
})

const unusable = (mock: ReturnType<typeof mockWith>['mock']) => {
  const real = mock.clientToken(CLIENT_A)
  const [h, p, s] = real.split('.')
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return {
    garbage: 'not-a-token',
    truncated: real.slice(0, -5),
    'swapped payload': `${h}.${b64({ id: CLIENT_B, rotating_token: 'x'.repeat(40) })}.${s}`,
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
    'signed by another mock': mockWith().mock.clientToken(CLIENT_A),
    'bad base64': `${h}.${p}.@@@`,
    huge: 'a'.repeat(3000),
  }
}

t.test('an unverifiable __client cookie is a browser without a client: GET /v1/client is 200 null, session routes 401 signed_out, the cookie cleared', async (t) => {
  const { mock, call } = mockWith()
  const bad = unusable(mock)
  let checked = 0
  for (const [name, token] of Object.entries(bad)) {
    const client = await call('GET', '/v1/client', { headers: cookie(token) })
    t.equal(client.status, 200, `${name}: GET /v1/client`)
    t.same(client.json, { response: null, client: null }, `${name}: no client`)
    assertCookieCleared(t, client, `${name}: GET /v1/client`)
    for (const [method, url] of [
      ['GET', `/v1/client/sessions/${SESS_A}`],
      ['POST', `/v1/client/sessions/${SESS_A}/touch`],
      ['POST', `/v1/client/sessions/${SESS_A}/tokens`],
      ['GET', '/v1/me/sessions'],
    ]) {
      // Not the anonymous caller who may reach any session by id: a caller with no client.
      const res = await call(method, url, { headers: cookie(token) })
      assertClerkError(t, res, 401, 'signed_out', 'You are signed out')
      assertCookieCleared(t, res, `${name}: ${method} ${url}`)
    }
    // A new client replaces the cookie rather than clearing it.
    const created = await call('PUT', '/v1/client', { headers: cookie(token) })
    t.equal(created.status, 200)
    t.match(String(created.headers['set-cookie']), /^__client=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=31536000;/, `${name}: PUT /v1/client sets a new cookie, once`)
    checked++
  }
  t.equal(checked, Object.keys(bad).length)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.status, 'active', 'nothing touched SESS_A')
  const real = await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: cookie(mock.clientToken(CLIENT_A)) })
  t.equal(real.json.response.id, SESS_A, 'the real token still works')
  t.notOk(real.headers['set-cookie'], 'and its cookie is left alone')
})

t.test('an unverifiable native token stays 401 authentication_invalid', async (t) => {
  const { mock, call } = mockWith()
  const bad = unusable(mock)
  const why = 'The Authorization header does not hold a client token issued by this mock (it is malformed, forged or from another instance).'
  let checked = 0
  for (const [name, token] of Object.entries(bad)) {
    for (const url of ['/v1/client', `/v1/client/sessions/${SESS_A}`]) {
      const res = await call('GET', `${url}?_is_native=1`, { headers: { authorization: token } })
      assertClerkError(t, res, 401, 'authentication_invalid', why, { message: 'Invalid authentication' })
      t.notOk(res.headers.authorization, `${name} ${url}: no token handed back`)
      t.notOk(res.headers['set-cookie'], `${name} ${url}: no cookie`)
      checked++
    }
  }
  t.equal(checked, 2 * Object.keys(bad).length)
})

t.test('a stale __client cookie (its client destroyed) is treated like an unverifiable one', async (t) => {
  const { mock, call } = mockWith()
  const created = mock.createSession({ userId: ADA })
  t.equal((await call('DELETE', '/v1/client', { headers: cookie(created.clientToken) })).status, 200)
  const client = await call('GET', '/v1/client', { headers: cookie(created.clientToken) })
  t.same(client.json, { response: null, client: null })
  assertCookieCleared(t, client, 'GET /v1/client')
  const session = await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: cookie(created.clientToken) })
  assertClerkError(t, session, 401, 'signed_out', 'You are signed out')
  assertCookieCleared(t, session, 'GET a session')
  // A stale native token is a native client with none yet (Expo after a reset): signed out, not refused.
  const native = await call('GET', `/v1/client/sessions/${SESS_A}?_is_native=1`, { headers: { authorization: created.clientToken } })
  assertClerkError(t, native, 401, 'signed_out', 'You are signed out')
})

t.test('stale tokens (client gone after reset) are a signed-out browser, cookie cleared', async (t) => {
  const { mock, call } = mockWith()
  const created = mock.createSession({ userId: ADA })
  mock.reset()
  const res = await call('GET', '/v1/client', { headers: cookie(created.clientToken) })
  t.equal(res.status, 200)
  t.same(res.json, { response: null, client: null })
  assertCookieCleared(t, res, 'after reset')
})

t.test('resolving who is asking has no side effects: GET /v1/environment with a forged cookie is the environment', async (t) => {
  const { mock, call } = mockWith()
  const state = async () => (await call('GET', '/__mock/state')).json
  const before = await state()
  const plain = await call('GET', '/v1/environment')
  t.equal(plain.status, 200)
  t.notOk(plain.headers['set-cookie'], 'no cookie, nothing to clear')
  const forged = await call('GET', '/v1/environment', { headers: cookie('not.a.token') })
  t.equal(forged.status, 200, 'never a 401 for a bad cookie')
  t.same(forged.json, plain.json, 'the same environment')
  // Every /v1 answer reads the caller (the journal records its client), so it clears the unusable
  // cookie as GET /v1/client does.
  assertCookieCleared(t, forged, 'GET /v1/environment')
  const patched = await call('POST', '/v1/environment?_method=PATCH', { headers: cookie('not.a.token') })
  t.equal(patched.status, 200)
  assertCookieCleared(t, patched, 'PATCH /v1/environment')
  t.same(await state(), before, 'no client created, none destroyed')
  const journal = mock.requests.filter((r) => r.path === '/v1/environment')
  t.same(
    journal.map((r) => [r.method, r.status, r.client_id]),
    [
      ['GET', 200, null],
      ['GET', 200, null],
      ['PATCH', 200, null],
    ],
    'journaled without a client',
  )
  // The control API does not read the caller at all: the cookie is left alone there.
  t.notOk((await call('GET', '/__mock/state', { headers: cookie('not.a.token') })).headers['set-cookie'], '/__mock/state leaves it')
})

t.test('strict clients: no credential is 401 signed_out', async (t) => {
  const { mock, call } = mockWith(undefined, { strictClients: true })
  assertClerkError(t, await call('GET', `/v1/client/sessions/${SESS_A}`), 401, 'signed_out', 'You are signed out')
  assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_A}/end`), 401, 'signed_out', 'You are signed out')
  const own = await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: cookie(mock.clientToken(CLIENT_A)) })
  t.equal(own.status, 200)
  t.equal(own.json.response.status, 'active', 'the refused end ended nothing')
})

t.test('unknown cookies are ignored', async (t) => {
  const { call } = mockWith()
  const res = await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: { cookie: '__session=abc; __client_uat=0; __clerk_db_jwt=x' } })
  t.equal(res.status, 200)
  t.equal(res.json.response.id, SESS_A, 'an anonymous caller, as with no cookie at all')
  t.notOk(res.headers['set-cookie'], 'nothing cleared: none of them is __client')
})

t.test('dev browser: unknown id is 401 dev_browser_unauthenticated', async (t) => {
  const { call } = mockWith()
  assertClerkError(t, await call('GET', '/v1/client?__clerk_db_jwt=dvb_unknown'), 401, 'dev_browser_unauthenticated', undefined, { message: 'Browser unauthenticated' })
})

t.test('a session token is never taken for a client token, even with an id claim', async (t) => {
  const { mock, call } = mockWith(
    twoClients({ jwt_templates: [{ name: 'sneaky', claims: { id: CLIENT_B, rotating_token: 'x'.repeat(40) } }] }),
  )
  const minted = await call('POST', `/v1/client/sessions/${SESS_A}/tokens/sneaky`)
  t.equal(minted.status, 200)
  // B's client is not reachable with A's template token: as a cookie it is unusable, as a native token refused.
  const res = await call('GET', '/v1/client', { headers: cookie(minted.json.jwt) })
  t.same(res.json, { response: null, client: null })
  assertCookieCleared(t, res, 'template token as a cookie')
  assertClerkError(t, await call('GET', `/v1/client/sessions/${SESS_B}`, { headers: cookie(minted.json.jwt) }), 401, 'signed_out', 'You are signed out')
  assertClerkError(t, await call('GET', '/v1/client?_is_native=1', { headers: { authorization: minted.json.jwt } }), 401, 'authentication_invalid')
  // Nor is A's own session token a client token.
  const plain = await call('POST', `/v1/client/sessions/${SESS_A}/tokens`)
  assertClerkError(t, await call('GET', '/v1/client?_is_native=1', { headers: { authorization: plain.json.jwt } }), 401, 'authentication_invalid')
})
