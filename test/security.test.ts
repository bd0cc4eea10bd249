/**
 * The mock on a developer's laptop, attacked as a web page (or a DNS-rebinding host) would attack
 * it (REFERENCE §15): every attack is refused in Clerk's error format and leaves the state as it was.
 */
import t from 'tap'
import { createClerkMock, FixtureError, startClerkMock } from '../src/index.js'
import { MockCore } from '../src/core/mock-core.js'
import { Store, MAX_UNBOUND_DEV_BROWSERS } from '../src/core/store.js'
import { MockClock } from '../src/core/clock.js'
import { DEFAULT_SETTINGS } from '../src/core/lifecycle.js'
import { InstanceKey } from '../src/core/tokens.js'
import { loadSeed } from '../src/fixtures/load.js'
import { buildApp, REQUEST_TIMEOUT_MS } from '../src/http/app.js'
import { ADA, CLIENT_A, SESS_A, mockWith, twoClients } from './helpers/mock.js'

type Call = ReturnType<typeof mockWith>['call']

/** The whole state as a trusted caller (no Origin) reads it: what an attack must not change. */
async function state(call: Call) {
  const res = await call('GET', '/__mock/state')
  return { ...res.json, faults: (await call('GET', '/__mock/faults')).json }
}

function refused(t: { equal: Function; match: Function; notOk: Function }, res: { status: number; json: any; headers: Record<string, unknown> }, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.equal(res.json?.errors?.[0]?.code, code, `code ${code}`)
  t.match(res.json?.clerk_trace_id, /^[0-9a-f]{32}$/, 'a Clerk error body')
  t.notOk(res.headers['access-control-allow-origin'], 'no CORS headers')
}

t.test('a Host that is not this machine is a 403 on every route, before anything happens', async (t) => {
  const { call } = mockWith()
  const before = await state(call)
  for (const host of ['evil.example', 'evil.example:4010', '127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.7', '[::2]:80']) {
    for (const [method, url] of [['GET', '/v1/client'], ['POST', '/__mock/reset'], ['GET', '/__mock/state'], ['GET', '/nope'], ['GET', `/v1/client/sessions/${SESS_A}`]] as const) {
      const res = await call(method, url, { headers: { host, origin: `http://${host}` } })
      refused(t, res, 403, 'host_invalid')
    }
  }
  t.same(await state(call), before, 'nothing changed')
})

t.test('loopback names, the bound host and allowedHosts are answered', async (t) => {
  const { call } = mockWith(twoClients(), { allowedHosts: ['mock.test', '.dev.test'], host: '192.168.1.20' })
  for (const host of ['localhost', 'localhost:4010', 'app.localhost:3000', '127.0.0.1:1', '127.200.3.4', '[::1]:4010', 'LOCALHOST', 'mock.test:4010', 'a.dev.test', 'dev.test', '192.168.1.20:4010']) {
    t.equal((await call('GET', '/v1/client', { headers: { host } })).status, 200, host)
  }
  t.equal((await call('GET', '/v1/client', { headers: { host: 'other.test' } })).status, 403, 'a host not listed')
})

t.test('CORS answers only loopback origins and allowedOrigins', async (t) => {
  const { call } = mockWith(twoClients(), { allowedOrigins: ['http://app.test:3000'] })
  for (const origin of ['http://localhost:3000', 'https://localhost:8443', 'http://127.0.0.1:5173', 'http://[::1]:3000', 'http://app.localhost', 'http://app.test:3000']) {
    const res = await call('GET', '/v1/client', { headers: { origin } })
    t.equal(res.headers['access-control-allow-origin'], origin, `${origin} is reflected`)
    t.equal(res.headers['access-control-allow-credentials'], 'true')
  }
  for (const origin of ['https://evil.example', 'null', 'http://app.test:3001', 'file://', 'http://localhost.evil.example']) {
    const res = await call('GET', '/v1/client', { headers: { origin } })
    t.equal(res.status, 200, `${origin}: the answer itself is the same`)
    t.notOk(res.headers['access-control-allow-origin'], `${origin}: no CORS headers`)
    const preflight = await call('OPTIONS', '/v1/client', { headers: { origin, 'access-control-request-method': 'POST' } })
    t.notOk(preflight.headers['access-control-allow-origin'], `${origin}: the preflight fails`)
  }
})

t.test('the control API refuses browsers from elsewhere and leaves the state unchanged', async (t) => {
  const { call } = mockWith()
  const before = await state(call)
  const evil = { origin: 'https://evil.example' }
  // A page on another site: any request, with or without a body, is refused.
  refused(t, await call('GET', '/__mock/state', { headers: evil }), 403, 'origin_invalid')
  refused(t, await call('POST', '/__mock/reset', { headers: evil }), 403, 'origin_invalid')
  refused(t, await call('POST', '/__mock/clock', { headers: evil, body: { advance: '8d' } }), 403, 'origin_invalid')
  refused(t, await call('GET', `/__mock/clients/${CLIENT_A}/token`, { headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'origin_invalid')
  refused(t, await call('GET', '/__mock/state', { headers: { origin: 'null' } }), 403, 'origin_invalid')
  // A preflight never succeeds there, even from a loopback origin.
  const preflight = await call('OPTIONS', '/__mock/faults', { headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } })
  refused(t, preflight, 403, 'origin_invalid')
  // Form posts (a page's simple request) are refused, with or without an override.
  const form = await call('POST', '/__mock/clock', { body: 'advance=8d' })
  refused(t, form, 415, 'unsupported_content_type')
  t.match(form.json.errors[0].long_message, /JSON bodies only/)
  refused(t, await call('POST', '/__mock/faults?_method=DELETE', { body: 'path=/v1/client&status=500' }), 415, 'unsupported_content_type')
  refused(t, await call('POST', '/__mock/sessions', { body: `user_id=${ADA}`, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_content_type')
  // `_method` does not apply: POST ?_method=DELETE stays a POST (and /__mock/requests has no POST).
  const overridden = await call('POST', '/__mock/requests?_method=DELETE')
  t.equal(overridden.status, 405, 'POST ?_method=DELETE on /__mock is a POST')
  t.same(await state(call), before, 'nothing changed')
  // A test process (no Origin) still drives it, JSON or bodiless.
  t.equal((await call('POST', '/__mock/clock', { body: { advance: '1h' } })).status, 200)
  t.equal((await call('POST', '/__mock/reset')).status, 200)
  t.equal((await call('GET', '/__mock/state', { headers: { origin: 'http://localhost:3000' } })).status, 200, 'a loopback page may (it cannot read the answer: no CORS)')
})

t.test('the control API lives at the literal prefix only', async (t) => {
  const { mock, call } = mockWith()
  mock.createSession({ userId: ADA })
  const before = await state(call)
  for (const url of ['/%5F_mock/reset', '/%5f%5fmock/reset', '/_%5Fmock/state']) {
    const method = url.endsWith('reset') ? 'POST' : 'GET'
    const res = await call(method, url)
    t.equal(res.status, 404, url)
    t.equal(res.json.errors[0].code, 'resource_not_found')
  }
  t.same(await state(call), before, 'no reset happened')
})

t.test('the sign-in helper: only allowed redirects, no HEAD, nothing created when refused', async (t) => {
  const { call } = mockWith(twoClients(), { allowedOrigins: ['http://app.test:3000'] })
  const before = await state(call)
  const signIn = (redirect: string, method = 'GET') => call(method, `/__mock/sign-in?user_id=${ADA}&redirect_url=${encodeURIComponent(redirect)}`)
  for (const bad of ['https://evil.example/', 'http://app.test:3001/', 'javascript:alert(1)', '//evil.example/', '/\\evil.example', '/\u0100', 'http://localhost:3000/\n', '/a\u0007b']) {
    const res = await signIn(bad)
    t.equal(res.status, 400, JSON.stringify(bad))
    t.equal(res.json?.errors?.[0]?.code, 'control_input_invalid')
  }
  const head = await signIn('http://localhost:3000/', 'HEAD')
  t.equal(head.status, 405, 'HEAD is not allowed')
  t.same(await state(call), before, 'no session or client was created')
  for (const good of ['http://localhost:3000/dashboard', 'http://app.test:3000/x?y=1', '/v1/client']) {
    const res = await signIn(good)
    t.equal(res.status, 302, good)
    t.equal(res.headers.location, good)
  }
})

t.test("token iss is the mock's own URL, whatever the Host says", async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  t.teardown(() => mock.stop())
  const res = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}/tokens`, { method: 'POST', headers: { host: 'app.localhost:9999' } })
  const { jwt } = (await res.json()) as { jwt: string }
  t.equal(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).iss, mock.httpsUrl, 'https://<publishable key host>, not the Host sent')
})

t.test('regression: stop() while start() is pending leaves no server listening', async (t) => {
  const mock = createClerkMock({ fixtures: twoClients() })
  const started = mock.start().then(
    () => 'started',
    (e: Error) => e.message,
  )
  await mock.stop()
  t.match(await started, /stopped while it was starting/)
  await mock.stop()
  t.throws(() => mock.url, /not listening/)
})

t.test('regression: fixture values nested thousands of levels deep are refused at load, with the path', async (t) => {
  let deep: unknown = 'bottom'
  for (let i = 0; i < 5000; i++) deep = { a: deep }
  const fixture = twoClients()
  fixture.users![0].public_metadata = { nested: deep }
  const error = (() => {
    try {
      createClerkMock({ fixtures: fixture })
    } catch (e) {
      return e
    }
  })()
  t.ok(error instanceof FixtureError, 'a FixtureError')
  t.match((error as FixtureError).path, /^\$\.users\[0\]\.public_metadata\.nested(\.a)+$/)
  t.match((error as FixtureError).reason, /nested more than 64 levels/)
  t.match((error as FixtureError).source, '(fixtures object)')
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  fixture.users![0].public_metadata = cycle
  t.throws(() => createClerkMock({ fixtures: fixture }), FixtureError, 'a cycle too')
})

t.test('dev browsers that never bind are bounded; the oldest go first', async (t) => {
  const store = new Store(new MockClock('2030-01-01T00:00:00Z'), DEFAULT_SETTINGS, new InstanceKey())
  const first = store.registerDevBrowser()
  const bound = store.registerDevBrowser()
  store.bindDevBrowser(bound, store.createClient())
  for (let i = 0; i < MAX_UNBOUND_DEV_BROWSERS; i++) store.registerDevBrowser()
  t.equal(store.devBrowserClient(first), undefined, 'the oldest unbound one is forgotten')
  t.type(store.devBrowserClient(bound), 'string', 'a bound one stays')
  t.equal(store.snapshot().devBrowsers.filter((d) => d.clientId === null).length, MAX_UNBOUND_DEV_BROWSERS)
})

t.test('a request must arrive within the request timeout', async (t) => {
  const app = buildApp(new MockCore(loadSeed(twoClients())), { strictClients: false, logger: false })
  t.teardown(() => app.close())
  await app.ready()
  t.equal(app.server.requestTimeout, REQUEST_TIMEOUT_MS)
  t.ok(REQUEST_TIMEOUT_MS > 0 && REQUEST_TIMEOUT_MS <= 30_000, `${REQUEST_TIMEOUT_MS} ms`)
})

t.test('regression: an answer listing n sessions of one user costs O(n), not O(n²)', async (t) => {
  // /__mock/state at 50k sessions of one user used to block for 51 s: each session scanned all of them.
  // Timed as a ratio within one process (4x the sessions: linear ~4x, quadratic ~16x), with a wide margin.
  // Ended sessions on one client: no token to sign, so the answer is all serialisation.
  const timeState = async (n: number) => {
    const sessions = Array.from({ length: n }, (_, i) => ({ id: `sess_${i}`, user_id: ADA, status: 'ended' as const }))
    const { call } = mockWith({ clock: '2030-01-01T00:00:00Z', users: [{ id: ADA }], clients: [{ id: CLIENT_A, sessions }] })
    await call('GET', '/__mock/state')
    const started = process.hrtime.bigint()
    const res = await call('GET', '/__mock/state')
    t.equal(res.json.clients[0].sessions.length, n)
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  const small = await timeState(2000)
  const large = await timeState(8000)
  t.ok(large / small < 10, `2,000 sessions: ${small.toFixed(0)} ms; 8,000: ${large.toFixed(0)} ms (${(large / small).toFixed(1)}x)`)
})
