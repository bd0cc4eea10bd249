/** REFERENCE §5: which client is asking, and what each client may see. */
import t from 'tap'
import { ADA, CLIENT_A, CLIENT_B, SESS_A, SESS_B, mockWith, twoClients } from './helpers/mock.js'

const cookie = (token: string) => ({ cookie: `__client=${token}` })

t.test('a client sees only its own sessions; a foreign session is 404 like an unknown one', async (t) => {
  const { mock, call } = mockWith()
  const a = cookie(mock.clientToken(CLIENT_A))
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: a })).status, 200)
  const foreign = await call('GET', `/v1/client/sessions/${SESS_B}`, { headers: a })
  const unknown = await call('GET', `/v1/client/sessions/sess_doesnotexist`, { headers: a })
  t.equal(foreign.status, 404)
  t.equal(foreign.json.errors[0].code, 'resource_not_found')
  t.equal(foreign.json.errors[0].message, unknown.json.errors[0].message, 'no existence leak')
  for (const action of ['touch', 'end', 'remove', 'tokens']) {
    t.equal((await call('POST', `/v1/client/sessions/${SESS_B}/${action}`, { headers: a })).status, 404, action)
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
  t.ok(token, 'token handed back in Authorization')
  t.notOk(first.headers['set-cookie'], 'no cookie for a native client')
  const mine = await call('GET', '/v1/client?_is_native=1', { headers: { authorization: token } })
  t.equal(mine.json.response.id, first.json.response.id)
  const bearer = await call('GET', `/v1/client/sessions/${SESS_A}?_is_native=true`, {
    headers: { authorization: `Bearer ${mock.clientToken(CLIENT_A)}` },
  })
  t.equal(bearer.status, 200, 'Bearer prefix accepted')
  const empty = await call('GET', `/v1/client/sessions/${SESS_A}?_is_native=1`, { headers: { authorization: '' } })
  t.equal(empty.status, 401, 'no client yet means signed out, never "any client"')
  t.equal(empty.json.errors[0].code, 'signed_out')
  const noNative = await call('GET', '/v1/client', { headers: { authorization: `Bearer sk_test_whatever` } })
  t.same(noNative.json, { response: null, client: null }, 'Authorization without _is_native is not a client token')
})

t.test('forged, garbage and truncated client tokens are 401 authentication_invalid', async (t) => {
  const { mock, call } = mockWith()
  const real = mock.clientToken(CLIENT_A)
  const [h, p, s] = real.split('.')
  const otherPayload = Buffer.from(JSON.stringify({ id: CLIENT_B, rotating_token: 'x'.repeat(40) })).toString('base64url')
  const other = mockWith().mock.clientToken(CLIENT_A)
  const bad = {
    garbage: 'not-a-token',
    truncated: real.slice(0, -5),
    'swapped payload': `${h}.${otherPayload}.${s}`,
    'another instance': other,
    'bad base64': `${h}.${p}.@@@`,
    huge: 'a'.repeat(3000),
  }
  for (const [name, token] of Object.entries(bad)) {
    const viaCookie = await call('GET', '/v1/client', { headers: cookie(token) })
    t.equal(viaCookie.status, 401, `${name} (cookie)`)
    t.equal(viaCookie.json.errors[0].code, 'authentication_invalid')
    t.match(String(viaCookie.headers['set-cookie']), /__client=;/, 'the bad cookie is cleared')
    const native = await call('GET', `/v1/client/sessions/${SESS_A}?_is_native=1`, { headers: { authorization: token } })
    t.equal(native.status, 401, `${name} (native)`)
  }
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: cookie(real) })).status, 200, 'real token still works')
})

t.test('stale tokens (client gone after reset) are a signed-out browser, cookie cleared', async (t) => {
  const { mock, call } = mockWith()
  const created = mock.createSession({ userId: ADA })
  mock.reset()
  const res = await call('GET', '/v1/client', { headers: cookie(created.clientToken) })
  t.equal(res.status, 200)
  t.equal(res.json.response, null)
  t.match(String(res.headers['set-cookie']), /__client=;.*Max-Age=0/)
})

t.test('strict clients: no credential is 401 signed_out', async (t) => {
  const { mock, call } = mockWith(undefined, { strictClients: true })
  const res = await call('GET', `/v1/client/sessions/${SESS_A}`)
  t.equal(res.status, 401)
  t.equal(res.json.errors[0].code, 'signed_out')
  t.equal((await call('POST', `/v1/client/sessions/${SESS_A}/end`)).status, 401)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: cookie(mock.clientToken(CLIENT_A)) })).status, 200)
})

t.test('unknown cookies are ignored', async (t) => {
  const { call } = mockWith()
  const res = await call('GET', `/v1/client/sessions/${SESS_A}`, { headers: { cookie: '__session=abc; __client_uat=0; __clerk_db_jwt=x' } })
  t.equal(res.status, 200)
})

t.test('dev browser: unknown id is 401 dev_browser_unauthenticated', async (t) => {
  const { call } = mockWith()
  const res = await call('GET', '/v1/client?__clerk_db_jwt=dvb_unknown')
  t.equal(res.status, 401)
  t.equal(res.json.errors[0].code, 'dev_browser_unauthenticated')
})

t.test('a session token is never taken for a client token, even with an id claim', async (t) => {
  const { mock, call } = mockWith(
    twoClients({ jwt_templates: [{ name: 'sneaky', claims: { id: CLIENT_B, rotating_token: 'x'.repeat(40) } }] }),
  )
  const minted = await call('POST', `/v1/client/sessions/${SESS_A}/tokens/sneaky`)
  t.equal(minted.status, 200)
  const res = await call('GET', '/v1/client', { headers: cookie(minted.json.jwt) })
  t.equal(res.status, 401, "B's client is not reachable with A's template token")
  t.equal(res.json.errors[0].code, 'authentication_invalid')
  void mock
})
