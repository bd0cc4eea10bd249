/** The control API (/__mock), the request journal and fault injection, in code and over HTTP. */
import t from 'tap'
import { ADA, BOB, CLIENT_A, DAY, SESS_A, T0, mockWith } from './helpers/mock.js'
import { assertClerkError as clerkError } from './helpers/clerk-error.js'
import { startClerkMock } from '../src/index.js'

t.test('clock: read, advance, set, freeze and resume; sessions expire with it', async (t) => {
  const { call } = mockWith()
  t.same((await call('GET', '/__mock/clock')).json, { now: T0, frozen: true })
  t.same((await call('POST', '/__mock/clock', { body: { advance: '8d' } })).json, { now: T0 + 8 * DAY, frozen: true })
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.status, 'expired')
  t.same((await call('POST', '/__mock/clock', { body: { set: '2030-01-01T00:00:00Z' } })).json, { now: T0, frozen: true })
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.status, 'active')
  // JSON only: a form body (what a web page can post without a preflight) is a 415 and moves nothing.
  clerkError(t, await call('POST', '/__mock/clock', { body: 'advance=1h' }), 415, 'unsupported_content_type', /control API takes JSON bodies only/)
  clerkError(t, await call('POST', '/__mock/clock', { body: '{"advance":"1h"}' }), 415, 'unsupported_content_type')
  t.equal((await call('GET', '/__mock/clock')).json.now, T0)
  t.equal((await call('POST', '/__mock/clock', { body: { advance: 3_600_000 } })).json.now, T0 + 3_600_000)
  t.equal((await call('POST', '/__mock/clock', { body: { set: String(T0) } })).json.now, T0, 'a string of digits is epoch ms')
  const running = await call('POST', '/__mock/clock', { body: { frozen: false } })
  t.equal(running.json.frozen, false)
  t.ok(Math.abs(running.json.now - T0) < 5_000)
  t.equal((await call('POST', '/__mock/clock', { body: { frozen: 'true' } })).json.frozen, true)
})

t.test('clock: bad input is a 400 and moves nothing', async (t) => {
  const { call } = mockWith()
  const nothing = /^send at least one of "advance"/
  clerkError(t, await call('POST', '/__mock/clock', { body: {} }), 400, 'control_input_invalid', nothing)
  clerkError(t, await call('POST', '/__mock/clock'), 400, 'control_input_invalid', nothing)
  clerkError(t, await call('POST', '/__mock/clock', { body: { advance: 'soon' } }), 400, 'control_input_invalid', /^advance: "soon" is not a duration/, { meta: { param_name: 'advance' } })
  clerkError(t, await call('POST', '/__mock/clock', { body: { advance: '-1d' } }), 400, 'control_input_invalid', /^advance: takes a duration >= 0/, { meta: { param_name: 'advance' } })
  clerkError(t, await call('POST', '/__mock/clock', { body: { set: 'tomorrow', advance: '1d' } }), 400, 'control_input_invalid')
  clerkError(t, await call('POST', '/__mock/clock', { body: { frozen: 'maybe' } }), 400, 'control_input_invalid')
  clerkError(t, await call('POST', '/__mock/clock', { body: { rewind: '1d' } }), 400, 'control_input_invalid', /rewind/, { message: 'Invalid control request' })
  clerkError(t, await call('POST', '/__mock/clock', { body: '{"advance":', headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid', /not valid JSON/)
  t.same((await call('GET', '/__mock/clock')).json, { now: T0, frozen: true })
})

t.test('sessions, client tokens and state', async (t) => {
  const { call } = mockWith()
  const created = await call('POST', '/__mock/sessions', { body: { user_id: BOB, client_id: CLIENT_A } })
  t.equal(created.status, 200)
  t.equal(created.json.session.user_id, BOB)
  t.equal(created.json.session.status, 'active')
  t.equal(created.json.client.id, CLIENT_A)
  t.equal(created.json.client.last_active_session_id, created.json.session.id)
  // The token works as a __client cookie: the client sees both sessions.
  const asBrowser = await call('GET', '/v1/client', { headers: { cookie: `__client=${created.json.client_token}` } })
  t.same(asBrowser.json.response.sessions.map((s: any) => s.id), [SESS_A, created.json.session.id])
  t.same((await call('GET', `/__mock/clients/${CLIENT_A}/token`)).json, { client_token: created.json.client_token })

  const fresh = await call('POST', '/__mock/sessions', { body: { user_id: ADA } })
  t.not(fresh.json.client.id, CLIENT_A, 'no client_id: a new client')

  await call('POST', `/v1/client/sessions/${SESS_A}/remove`)
  const state = (await call('GET', '/__mock/state')).json
  t.equal(state.now, T0)
  t.same(state.users.map((u: any) => u.id).sort(), [ADA, BOB].sort())
  const a = state.clients.find((c: any) => c.id === CLIENT_A)
  t.same(
    a.sessions.map((s: any) => [s.id, s.status, s.on_client]),
    [
      [SESS_A, 'removed', false],
      [created.json.session.id, 'active', true],
    ],
  )
  t.equal(state.clients.length, 3)
})

t.test('sessions: bad input', async (t) => {
  const { call } = mockWith()
  clerkError(t, await call('POST', '/__mock/sessions', { body: {} }), 400, 'control_input_invalid', 'body: missing parameter "user_id"')
  clerkError(t, await call('POST', '/__mock/sessions', { body: { user_id: 'user_nobody' } }), 400, 'control_input_invalid', 'user_id: No user was found with id user_nobody', {
    meta: { param_name: 'user_id' },
  })
  clerkError(t, await call('POST', '/__mock/sessions', { body: { user_id: ADA, client_id: 'client_nope' } }), 400, 'control_input_invalid', 'client_id: No client was found with id client_nope', {
    meta: { param_name: 'client_id' },
  })
  clerkError(t, await call('POST', '/__mock/sessions', { body: { user_id: ADA, extra: 1 } }), 400, 'control_input_invalid', /unknown parameter "extra"/)
  clerkError(t, await call('GET', '/__mock/clients/client_nope/token'), 404, 'resource_not_found', 'No client was found with id client_nope')
  t.equal((await call('GET', '/__mock/state')).json.clients.length, 2, 'nothing created')
})

t.test('reset: state, clock, journal and faults back to the seed', async (t) => {
  const { mock, call } = mockWith()
  await call('POST', `/v1/client/sessions/${SESS_A}/end`)
  await call('POST', '/__mock/clock', { body: { advance: '1d' } })
  await call('POST', '/__mock/faults', { body: { path: '/v1/environment', status: 500 } })
  clerkError(t, await call('GET', '/v1/environment'), 500, 'internal_clerk_error')
  t.equal(mock.requests.length, 2, 'the end and the faulted environment')
  const reset = await call('POST', '/__mock/reset')
  t.same(reset.json, { reset: true, now: T0, frozen: true })
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.status, 'active')
  t.same((await call('GET', '/__mock/faults')).json, { faults: [] })
  t.same(
    mock.requests.map((r) => [r.method, r.path, r.status]),
    [['GET', `/v1/client/sessions/${SESS_A}`, 200]],
    'only the request after the reset',
  )
  t.equal((await call('GET', '/v1/environment')).status, 200, 'the fault is gone')

  // mock.reset() in code does the same.
  mock.fail({ path: '/v1/client', status: 503 })
  clerkError(t, await call('GET', '/v1/client'), 503, 'service_unavailable')
  mock.reset()
  t.same(mock.requests, [])
  const after = await call('GET', '/v1/client')
  t.equal(after.status, 200, 'the fault armed in code is gone too')
  t.same(after.json, { response: null, client: null })
})

t.test('journal: every Frontend API request, oldest first, with client and session', async (t) => {
  const { mock, call } = mockWith()
  await call('GET', `/v1/client/sessions/${SESS_A}?_clerk_js_version=6.40.0`)
  const created = await call('POST', '/v1/client')
  const token = (created.headers['set-cookie'] as string).split(';')[0].slice('__client='.length)
  await call('GET', '/v1/client', { headers: { cookie: `__client=${token}` } })
  await call('POST', `/v1/client/sessions/${SESS_A}?_method=DELETE`)
  await call('GET', '/nowhere')
  await call('GET', '/__mock/state')
  await call('POST', '/__mock/clock', { body: { advance: '1m' } })
  await call('GET', `/v1/me/sessions?_clerk_session_id=${SESS_A}`)

  const http = (await call('GET', '/__mock/requests')).json.requests
  t.same(http, mock.requests, 'the same journal in code and over HTTP')
  t.same(
    http.map((r: any) => [r.method, r.path, r.status, r.time, r.client_id, r.session_id, r.fault]),
    [
      ['GET', `/v1/client/sessions/${SESS_A}`, 200, T0, CLIENT_A, SESS_A, false],
      ['POST', '/v1/client', 200, T0, created.json.response.id, null, false],
      ['GET', '/v1/client', 200, T0, created.json.response.id, null, false],
      // No route answers DELETE there (405), so nothing names the session.
      ['DELETE', `/v1/client/sessions/${SESS_A}`, 405, T0, null, null, false],
      ['GET', '/nowhere', 404, T0, null, null, false],
      ['GET', '/v1/me/sessions', 200, T0 + 60_000, CLIENT_A, SESS_A, false],
    ],
  )
  t.same(http[0].query, { _clerk_js_version: '6.40.0' })
  t.same(http[3].query, { _method: 'DELETE' })

  // A copy: changing it changes nothing.
  mock.requests.pop()
  t.equal(mock.requests.length, 6)
  t.same((await call('DELETE', '/__mock/requests')).json, { requests: [] })
  t.same(mock.requests, [])
})

t.test('journal: bounded to the last 1000 requests', async (t) => {
  const { mock, call } = mockWith()
  for (let i = 0; i < 1005; i++) await call('GET', `/v1/client?n=${i}`)
  const requests = mock.requests
  t.equal(requests.length, 1000)
  t.equal(requests[0].query.n, '5')
  t.equal(requests[999].query.n, '1004')
})

t.test('faults: status, Clerk body, Retry-After, times, method and path patterns', async (t) => {
  const { mock, call } = mockWith()
  const armed = await call('POST', '/__mock/faults', { body: { method: 'get', path: '/v1/client', status: 429, times: 2 } })
  t.same(armed.json.fault, { id: armed.json.fault.id, method: 'GET', path: '/v1/client', status: 429, times_left: 2, delay_ms: 0, retry_after: 1 })
  t.equal((await call('POST', '/v1/client')).status, 200, 'other verbs pass')
  const limited = await call('GET', '/v1/client')
  clerkError(t, limited, 429, 'too_many_requests', 'Too many requests, retry later', { message: 'Too many requests' })
  t.equal(limited.headers['retry-after'], '1')
  clerkError(t, await call('GET', '/v1/client'), 429, 'too_many_requests')
  const through = await call('GET', '/v1/client')
  t.equal(through.status, 200, 'two times, then gone')
  t.same(through.json, { response: null, client: null })
  t.same((await call('GET', '/__mock/faults')).json, { faults: [] })

  await call('POST', '/__mock/faults', { body: { path: '/v1/client/sessions/*', status: '503', retry_after: '30' } })
  const down = await call('POST', `/v1/client/sessions/${SESS_A}/touch`)
  clerkError(t, down, 503, 'service_unavailable', 'Service unavailable')
  t.equal(down.headers['retry-after'], '30')
  // No times: until cleared.
  clerkError(t, await call('GET', `/v1/client/sessions/${SESS_A}`), 503, 'service_unavailable')
  t.same((await call('GET', '/v1/client')).json, { response: null, client: null }, 'outside the prefix')
  const control = await call('GET', '/__mock/state')
  t.equal(control.status, 200, 'never the control API')
  t.equal(control.json.now, T0)
  t.equal((await call('OPTIONS', `/v1/client/sessions/${SESS_A}`, { headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } })).status, 204, 'not preflights')
  t.same((await call('DELETE', '/__mock/faults')).json, { faults: [] })
  const cleared = await call('GET', `/v1/client/sessions/${SESS_A}`)
  t.equal(cleared.status, 200)
  t.equal(cleared.json.response.last_active_at, T0, 'the faulted touch never reached the session')

  const environment = (await call('GET', '/v1/environment')).json
  t.type(environment.auth_config, 'object', 'the environment, before any fault')
  const custom = mock.fail({ path: '/v1/environment', status: 422, code: 'form_param_nil', message: 'is missing', longMessage: 'x is missing' })
  const res = await call('GET', '/v1/environment')
  clerkError(t, res, 422, 'form_param_nil', 'x is missing', { message: 'is missing' })
  t.same(res.json.errors[0], { code: 'form_param_nil', message: 'is missing', long_message: 'x is missing' })
  t.equal(res.headers['retry-after'], undefined)
  custom.clear()
  const back = await call('GET', '/v1/environment')
  t.equal(back.status, 200, 'cleared: the environment again')
  t.same(back.json, environment)

  t.same(
    mock.requests.filter((r) => r.fault).map((r) => [r.method, r.path, r.status]),
    [
      ['GET', '/v1/client', 429],
      ['GET', '/v1/client', 429],
      ['POST', `/v1/client/sessions/${SESS_A}/touch`, 503],
      ['GET', `/v1/client/sessions/${SESS_A}`, 503],
      ['GET', '/v1/environment', 422],
    ],
    'the journal marks the faulted answers',
  )
})

t.test('faults: delays, with or without a status', async (t) => {
  const { mock, call } = mockWith()
  mock.fail({ path: '/v1/client', delayMs: 150, times: 1 })
  let started = performance.now()
  t.equal((await call('GET', '/v1/client')).status, 200)
  t.ok(performance.now() - started >= 140, 'delayed, then through')
  mock.fail({ method: 'GET', path: '/v1/client', delayMs: 100, status: 500, times: 1 })
  started = performance.now()
  clerkError(t, await call('GET', '/v1/client'), 500, 'internal_clerk_error', undefined, { message: 'Oops, an unexpected error occurred' })
  t.ok(performance.now() - started >= 90)
})

t.test('faults: a delayed request does not hold up stop()', async (t) => {
  const mock = await startClerkMock({ fixtures: {} })
  mock.fail({ path: '/v1/client', delayMs: 60_000, times: 1 })
  const pending = fetch(`${mock.url}/v1/client`).then((res) => res.status, (e: Error) => e)
  // The fault is used up the moment the request reaches the mock, which then waits out the delay.
  // (A fixed sleep here raced a slow first fetch: the mock stopped before the request arrived.)
  const armed = async () => (await mock.inject({ method: 'GET', url: '/__mock/faults' })).json().faults.length
  const deadline = performance.now() + 10_000
  while ((await armed()) > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  t.equal(await armed(), 0, 'the request reached the mock and is being delayed')
  const started = performance.now()
  await mock.stop()
  t.ok(performance.now() - started < 5_000, 'stop() did not wait for the delay')
  t.type(await pending, Error, 'the delayed request is cut off, not answered')
})

t.test('faults: bad input', async (t) => {
  const { mock, call } = mockWith()
  for (const body of [
    {},
    { path: 'v1/client', status: 429 },
    { path: '/v1/*/x', status: 429 },
    { path: '/__mock/reset', status: 500 },
    { path: '/v1/client', status: 200 },
    { path: '/v1/client', status: 'lots' },
    { path: '/v1/client', status: 429, times: 0 },
    { path: '/v1/client', status: 429, method: 'BREW' },
    { path: '/v1/client', delay_ms: -5 },
    { path: '/v1/client', delay_ms: 10_000_000 },
    { path: '/v1/client' },
    { path: '/v1/client', status: 429, retry_after: -1 },
    { path: '/v1/client', status: 429, colour: 'red' },
  ]) {
    clerkError(t, await call('POST', '/__mock/faults', { body }), 400, 'control_input_invalid')
  }
  t.throws(() => mock.fail({ path: '/v1/client' }), { status: 400, code: 'control_input_invalid' })
  t.same(mock.requests, [])
  t.same((await call('GET', '/__mock/faults')).json, { faults: [] })
  clerkError(t, await call('DELETE', '/__mock/faults/fault_99'), 404, 'resource_not_found', 'No fault was found with id fault_99')
})

t.test('sign-in helper: a session on the browser client, cookie set, redirect', async (t) => {
  const { call } = mockWith()
  const first = await call('GET', `/__mock/sign-in?user_id=${ADA}&redirect_url=${encodeURIComponent('http://localhost:3000/dashboard?x=1')}`)
  t.equal(first.status, 302)
  t.equal(first.headers.location, 'http://localhost:3000/dashboard?x=1')
  const cookie = String(first.headers['set-cookie']).split(';')[0]
  t.match(String(first.headers['set-cookie']), /HttpOnly/)
  const client = (await call('GET', '/v1/client', { headers: { cookie } })).json.response
  t.equal(client.sessions.length, 1)
  t.equal(client.sessions[0].user_id, ADA)
  t.equal(client.last_active_session_id, client.sessions[0].id)

  // The same browser signs a second user in: same client, two sessions.
  const second = await call('GET', `/__mock/sign-in?user_id=${BOB}&redirect_url=/somewhere`, { headers: { cookie } })
  t.equal(second.headers.location, '/somewhere')
  const after = (await call('GET', '/v1/client', { headers: { cookie } })).json.response
  t.equal(after.id, client.id)
  t.same(after.sessions.map((s: any) => s.user_id), [ADA, BOB])

  // A cookie from another mock (or a reset) is no obstacle: a new client.
  const stranger = await call('GET', `/__mock/sign-in?user_id=${ADA}&redirect_url=/`, { headers: { cookie: '__client=not.a.token' } })
  t.equal(stranger.status, 302)
  const strangerCookie = String(stranger.headers['set-cookie']).split(';')[0]
  t.not(strangerCookie, cookie)
  const strangerClient = (await call('GET', '/v1/client', { headers: { cookie: strangerCookie } })).json.response
  t.not(strangerClient.id, client.id, 'a new client')
  t.same(strangerClient.sessions.map((s: any) => s.user_id), [ADA])

  // Without redirect_url: the session as JSON (handy from fetch).
  const json = await call('GET', `/__mock/sign-in?user_id=${ADA}`)
  t.equal(json.status, 200)
  t.equal(json.json.session.user_id, ADA)
  t.type(json.json.client_token, 'string')
})

t.test('sign-in helper: bad input', async (t) => {
  const { call } = mockWith()
  clerkError(t, await call('GET', '/__mock/sign-in'), 400, 'control_input_invalid', 'querystring: missing parameter "user_id"')
  clerkError(t, await call('GET', '/__mock/sign-in?user_id=user_nobody&redirect_url=/'), 400, 'control_input_invalid', 'user_id: No user was found with id user_nobody', {
    meta: { param_name: 'user_id' },
  })
  clerkError(t, await call('GET', `/__mock/sign-in?user_id=${ADA}&redirect_url=javascript:alert(1)`), 400, 'control_input_invalid', /^redirect_url must use http or https/, {
    meta: { param_name: 'redirect_url' },
  })
  clerkError(t, await call('GET', `/__mock/sign-in?user_id=${ADA}&redirect_url=//evil`), 400, 'control_input_invalid', /^redirect_url must be an absolute http\(s\) URL/, {
    meta: { param_name: 'redirect_url' },
  })
  t.equal((await call('GET', '/__mock/state')).json.clients.length, 2)
})

t.test('controlApi: false makes /__mock an unknown route', async (t) => {
  const { call } = mockWith(undefined, { controlApi: false })
  clerkError(t, await call('POST', '/__mock/reset'), 404, 'resource_not_found', 'No route matches POST /__mock/reset.')
  clerkError(t, await call('GET', '/__mock/state'), 404, 'resource_not_found', 'No route matches GET /__mock/state.')
  t.same((await call('GET', '/v1/client')).json, { response: null, client: null })
})

t.test('the control API never needs /v1 and is CORS-enabled for browser tests', async (t) => {
  const { call } = mockWith()
  const res = await call('GET', '/__mock/clock', { headers: { origin: 'http://localhost:3000' } })
  t.equal(res.headers['access-control-allow-origin'], 'http://localhost:3000')
})

t.test('mock.fail: a field of the wrong type is the documented 400 ClerkError, never a TypeError', async (t) => {
  const { ClerkError } = await import('../src/core/errors.js')
  const { mock } = mockWith()
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  const bad: [string, unknown][] = [
    ['method', { method: 5, path: '/x', status: 500 }],
    ['method', { method: {}, path: '/x', status: 500 }],
    ['method', { method: ['GET'], path: '/x', status: 500 }],
    ['method', { method: Symbol('GET'), path: '/x', status: 500 }],
    ['path', { path: 5, status: 500 }],
    ['path', { path: cycle, status: 500 }],
    ['status', { path: '/x', status: '500' }],
    ['status', { path: '/x', status: 500n }],
    ['times', { path: '/x', status: 500, times: '1' }],
    ['times', { path: '/x', status: 500, times: 1n }],
    ['delay_ms', { path: '/x', delayMs: cycle }],
    ['retry_after', { path: '/x', status: 429, retryAfter: 1n }],
    ['code', { path: '/x', status: 500, code: 5 }],
    ['message', { path: '/x', status: 500, message: {} }],
    ['long_message', { path: '/x', status: 500, longMessage: false }],
  ]
  for (const [param, spec] of bad) {
    let thrown: unknown
    try {
      mock.fail(spec as any)
    } catch (e) {
      thrown = e
    }
    t.ok(thrown instanceof ClerkError, `${param}: a ClerkError`, { thrown: String(thrown) })
    const e = thrown as InstanceType<typeof ClerkError>
    t.equal(e?.status, 400)
    t.equal(e?.code, 'control_input_invalid')
    t.same(e?.meta, { param_name: param })
  }
  t.same(mock.requests, [])
  // `method: null` means "any verb", as `times: null` means "until cleared".
  let nullMethod: unknown
  try {
    nullMethod = mock.fail({ method: null as any, path: '/x', status: 500 }).method
  } catch (e) {
    nullMethod = e
  }
  t.equal(nullMethod, '*', 'null method is the default, as before')
})

t.test('a browser can read Retry-After on an injected 429 (CORS exposes it)', async (t) => {
  const { mock, call } = mockWith()
  mock.fail({ method: 'GET', path: '/v1/client', status: 429, retryAfter: 7, times: 1 })
  const res = await call('GET', '/v1/client', { headers: { origin: 'http://localhost:3000' } })
  t.equal(res.status, 429)
  t.equal(res.headers['retry-after'], '7')
  t.equal(res.headers['access-control-allow-origin'], 'http://localhost:3000')
  const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/\s*,\s*/)
  t.ok(exposed.includes('retry-after'), 'Retry-After is exposed', { exposed })
  t.ok(exposed.includes('authorization'), 'Authorization still is')
})

t.test('an advance past the last representable date is a 400 and leaves the clock where it was', async (t) => {
  const { call } = mockWith()
  t.equal((await call('POST', '/__mock/clock', { body: { advance: 8e15 } })).status, 200)
  const before = (await call('GET', '/__mock/clock')).json.now
  clerkError(t, await call('POST', '/__mock/clock', { body: { advance: 8e15 } }), 400, 'control_input_invalid', /would move the clock past the last date JavaScript can represent/, {
    meta: { param_name: 'advance' },
  })
  // set then advance is checked as a whole.
  clerkError(t, await call('POST', '/__mock/clock', { body: { set: 8.6399e15, advance: '10000d' } }), 400, 'control_input_invalid', /past the last date/)
  t.equal((await call('GET', '/__mock/clock')).json.now, before)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.id, SESS_A, 'and the mock still answers')
})
