/** The programmatic handle: start/stop, url and key, reset, createSession, isolation between instances. */
import t from 'tap'
import { createClerkMock, startClerkMock } from '../src/index.js'
import { ksuid } from '../src/core/ids.js'
import { ADA, CLIENT_A, DAY, SESS_A, T0, mockWith, twoClients } from './helpers/mock.js'
import { assertClerkError } from './helpers/clerk-error.js'

t.test('url and publishableKey are loud before start; start binds 127.0.0.1 on a free port', async (t) => {
  const mock = createClerkMock({ fixtures: twoClients() })
  t.throws(() => mock.url, /not listening yet: await mock.start\(\)/)
  t.throws(() => mock.publishableKey, /not listening yet/)
  await mock.start()
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  await t.rejects(mock.start(), /already been started/)
  const host = new URL(mock.url).host
  t.equal(mock.publishableKey, `pk_test_${Buffer.from(`${host}$`).toString('base64').replace(/=+$/, '')}`)
  const res = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.equal(((await res.json()) as any).response.id, SESS_A)
  const stopping = mock.stop()
  t.equal(mock.stop(), stopping, 'stop is idempotent: a second call waits for the same stop')
  await stopping
  t.equal(mock.stop(), stopping, 'also after it has finished')
  await t.resolves(mock.stop())
  await t.rejects(fetch(`${mock.url}/v1/client`), 'no longer listening')
  await t.rejects(mock.start(), /has been stopped/)
})

t.test('httpsUrl, apiUrl, secretKey, certificate: loud before start where they need the port', async (t) => {
  const mock = createClerkMock({ fixtures: twoClients() })
  t.throws(() => mock.httpsUrl, /not listening yet: await mock\.start\(\) .*mock\.httpsUrl/)
  t.throws(() => mock.apiUrl, /not listening yet: await mock\.start\(\) .*mock\.apiUrl/)
  // No port in them, and inject() callers need them: known at once.
  t.match(mock.secretKey, /^sk_test_[0-9A-Za-z]{40}$/)
  t.match(mock.certificate, /^-----BEGIN CERTIFICATE-----\n/)
  await mock.start()
  t.teardown(() => mock.stop())
  t.equal(mock.httpsUrl, mock.url.replace(/^http:/, 'https:'))
  t.match(mock.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  t.equal(mock.apiUrl, `${mock.url}/bapi`)
  t.not(createClerkMock({ fixtures: twoClients() }).secretKey, mock.secretKey, 'a key per instance')
})

t.test('secretKey: the option is the one key the Backend API takes; without it any sk_test_/sk_live_ is', async (t) => {
  const bapi = (mock: ReturnType<typeof createClerkMock>, key: string) =>
    mock.inject({ method: 'GET', url: `/bapi/v1/users/${ADA}`, headers: { authorization: `Bearer ${key}` } }).then((r) => r.statusCode)
  const fixed = createClerkMock({ fixtures: twoClients(), secretKey: 'sk_test_mine' })
  t.equal(fixed.secretKey, 'sk_test_mine')
  t.not(await bapi(fixed, 'sk_test_mine'), 401)
  t.equal(await bapi(fixed, 'sk_test_other'), 401, 'only that key')
  const open = createClerkMock({ fixtures: twoClients() })
  t.not(await bapi(open, open.secretKey), 401)
  t.not(await bapi(open, 'sk_live_whatever'), 401, 'any well-formed key without the option')
  for (const bad of ['pk_test_abc', 'sk_test_', '', 'sk_test_has space'] as const) {
    t.throws(() => createClerkMock({ secretKey: bad }), /The secretKey option must be a Clerk secret key \(sk_test_… or sk_live_…\)/, JSON.stringify(bad))
  }
})

t.test('await using stops the mock', async (t) => {
  let url = ''
  {
    await using mock = await startClerkMock({ fixtures: twoClients() })
    url = mock.url
    t.equal((await fetch(`${url}/v1/client`)).status, 200)
  }
  await t.rejects(fetch(`${url}/v1/client`))
})

t.test('instances share no state, clock or keys', async (t) => {
  const a = mockWith()
  const b = mockWith()
  await a.call('POST', `/v1/client/sessions/${SESS_A}/end`)
  a.mock.clock.advance('1d')
  t.equal((await b.call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.status, 'active')
  t.equal(b.mock.clock.now(), T0)
  t.not(a.mock.publicKeyPem, b.mock.publicKeyPem)
  t.not(a.mock.jwks.keys[0].kid, b.mock.jwks.keys[0].kid)
})

t.test('reset goes back to the seed (state and clock), not to empty', async (t) => {
  const { mock, call } = mockWith()
  const extra = mock.createSession({ userId: ADA })
  await call('POST', `/v1/client/sessions/${SESS_A}/remove`)
  mock.clock.advance(3 * DAY)
  mock.reset()
  t.equal(mock.clock.now(), T0)
  t.ok(mock.clock.frozen)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.status, 'active')
  assertClerkError(t, await call('GET', `/v1/client/sessions/${extra.session.id}`), 404, 'resource_not_found', `No session was found with id ${extra.session.id}`)
  t.same((await call('GET', '/v1/client', { headers: { cookie: `__client=${extra.clientToken}` } })).json, { response: null, client: null }, "the extra session's client is gone too")
  const system = createClerkMock({ fixtures: { clock: 'system' } })
  system.clock.advance('1d')
  system.clock.freeze()
  system.reset()
  t.notOk(system.clock.frozen, 'a system clock runs again after reset')
  t.ok(Math.abs(system.clock.now() - Date.now()) < 5_000, 'and is back to real time')
})

t.test('createSession and clientToken', async (t) => {
  const { mock, call } = mockWith()
  const onA = mock.createSession({ userId: ADA, clientId: CLIENT_A })
  t.equal(onA.session.user_id, ADA)
  t.equal(onA.session.status, 'active')
  t.match(onA.session.last_active_token, { object: 'token', jwt: /^[\w-]+\.[\w-]+\.[\w-]+$/ }, 'a session token already (verified in lifecycle.test.ts)')
  t.equal(onA.client.id, CLIENT_A)
  t.same(onA.client.sessions.map((s) => s.id), [SESS_A, onA.session.id])
  t.equal(onA.client.last_active_session_id, onA.session.id)
  t.equal(onA.clientToken, mock.clientToken(CLIENT_A))
  const res = await call('GET', '/v1/client', { headers: { cookie: `__client=${onA.clientToken}` } })
  t.equal(res.json.response.id, CLIENT_A)
  t.same(res.json.response.sessions.map((s: any) => s.id), [SESS_A, onA.session.id], 'the session is on the client over HTTP too')
  t.same(res.json.response.sessions[1].last_active_token, onA.session.last_active_token, 'with the same token')
  t.throws(() => mock.createSession({ userId: 'user_nobody' }), /No user was found with id user_nobody/)
  t.throws(() => mock.createSession({ userId: ADA, clientId: 'client_nope' }), /No client was found with id client_nope/)
  t.throws(() => mock.clientToken('client_nope'), /No client was found/)
})

t.test('ids are Clerk-shaped and time-ordered by the mock clock', async (t) => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  const ids: string[] = []
  for (let i = 0; i < 50; i++) {
    ids.push(ksuid(clock))
    now += 1000
  }
  for (const id of ids) t.match(id, /^[0-9A-Za-z]{27}$/)
  t.same([...ids].sort(), ids, 'later seconds sort later')
  t.equal(new Set(ids).size, ids.length)
})

t.test('the default fixture is used when none is given', async (t) => {
  const mock = createClerkMock()
  const res = await mock.inject({ method: 'GET', url: '/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().response.status, 'active')
})
