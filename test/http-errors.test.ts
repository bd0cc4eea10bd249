/** Bad input of every kind gets a Clerk-format error, never a 500, and leaves the state as it was. */
import t, { type Test } from 'tap'
import { SESS_A, mockWith } from './helpers/mock.js'

function assertClerkError(t: Test, res: { status: number; json: any; headers: Record<string, unknown> }, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.match(String(res.headers['content-type']), /^application\/json/)
  t.equal(res.json?.errors?.[0]?.code, code, `code ${code}`)
  t.type(res.json.errors[0].message, 'string')
  t.type(res.json.errors[0].long_message, 'string')
  t.match(res.json.clerk_trace_id, /^[0-9a-f]{32}$/)
}

t.test('unknown routes and wrong verbs', async (t) => {
  const { call } = mockWith()
  assertClerkError(t, await call('GET', '/nope'), 404, 'resource_not_found')
  assertClerkError(t, await call('GET', '/v1/unknown/thing'), 404, 'resource_not_found')
  const wrongVerb = await call('GET', `/v1/client/sessions/${SESS_A}/end`)
  assertClerkError(t, wrongVerb, 405, 'method_not_allowed')
  t.match(wrongVerb.json.errors[0].long_message, /answers POST/)
  assertClerkError(t, await call('DELETE', `/v1/client/sessions/${SESS_A}`), 405, 'method_not_allowed')
  assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_A}?_method=BREW`), 422, 'form_param_value_invalid')
  assertClerkError(t, await call('GET', '/v1/client/sessions/%E0%A4%A'), 404, 'resource_not_found')
})

t.test('bodies: malformed, unknown fields, wrong values, content types, sizes', async (t) => {
  const { call } = mockWith()
  const touch = `/v1/client/sessions/${SESS_A}/touch`
  assertClerkError(t, await call('POST', touch, { body: '{"intent":', headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid')
  assertClerkError(t, await call('POST', touch, { body: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid')
  assertClerkError(t, await call('POST', touch, { body: '"str"', headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid')
  const unknown = await call('POST', touch, { body: 'colour=blue' })
  assertClerkError(t, unknown, 422, 'form_param_unknown')
  t.same(unknown.json.errors[0].meta, { param_name: 'colour' })
  assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_A}/end`, { body: { why: 'because' } }), 422, 'form_param_unknown')
  assertClerkError(t, await call('POST', touch, { body: 'intent=sleep' }), 422, 'form_param_value_invalid')
  assertClerkError(t, await call('POST', touch, { body: { intent: 42 } }), 422, 'form_param_value_invalid')
  const wrongType = await call('POST', touch, { body: 'x', headers: { 'content-type': 'text/plain' } })
  assertClerkError(t, wrongType, 415, 'unsupported_content_type')
  t.match(wrongType.json.errors[0].long_message, /text\/plain/)
  assertClerkError(t, await call('POST', touch, { body: 'x', headers: { 'content-type': 'application/xml' } }), 415, 'unsupported_content_type')
  assertClerkError(t, await call('POST', touch, { body: 'a='.padEnd(200_000, 'x') }), 413, 'request_body_too_large')
  const deep = '['.repeat(5000) + ']'.repeat(5000)
  assertClerkError(t, await call('POST', touch, { body: deep, headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid')
  const proto = await call('POST', touch, { body: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } })
  t.equal(proto.status, 400, 'prototype poisoning is refused')
  t.equal(proto.json.errors[0].code, 'request_body_invalid')
  // empty bodies are normal, with or without a content type
  t.equal((await call('POST', touch, { body: '', headers: { 'content-type': 'application/json' } })).status, 200)
  t.equal((await call('POST', touch, { body: '' })).status, 200)
  t.equal((await call('POST', touch)).status, 200)
  const state = await call('GET', `/v1/client/sessions/${SESS_A}`)
  t.equal(state.json.response.status, 'active', 'state intact after the bad requests')
})

t.test('clerk-js query parameters are accepted; both API version forms at once are 400', async (t) => {
  const { call } = mockWith()
  const q = '__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0&_clerk_session_id=x&_clerk_retry_attempt=1&rotating_token_nonce=n&debug=1&expired_token=e'
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}?${q}`)).status, 200)
  t.equal((await call('GET', `/v1/client?${q}`, { headers: { 'clerk-api-version': '2099-01-01' } })).status, 400)
  assertClerkError(t, await call('GET', `/v1/client?__clerk_api_version=1`, { headers: { 'clerk-api-version': '1' } }), 400, 'api_version_invalid')
  t.equal((await call('GET', `/v1/client`, { headers: { 'clerk-api-version': '2099-12-31' } })).status, 200, 'unknown versions are never rejected')
})

t.test('_method turns a POST into the real verb', async (t) => {
  const { call } = mockWith()
  const res = await call('POST', `/v1/client/sessions?_method=DELETE`)
  // anonymous caller has no client to sign out
  assertClerkError(t, res, 404, 'resource_not_found')
  t.equal((await call('POST', `/v1/client?_method=PUT`)).status, 200)
})

t.test('CORS preflight reflects the origin with credentials', async (t) => {
  const { mock } = mockWith()
  const res = await mock.inject({
    method: 'OPTIONS',
    url: `/v1/client/sessions/${SESS_A}/touch`,
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
  })
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-origin'], 'http://localhost:3000')
  t.equal(res.headers['access-control-allow-credentials'], 'true')
})

t.test('a trailing slash reaches the same route; a 405 never names the request verb as allowed', async (t) => {
  const { call } = mockWith()
  const slash = await call('GET', '/v1/client/')
  t.equal(slash.status, 200, 'GET /v1/client/ answers like GET /v1/client')
  t.same(slash.json, (await call('GET', '/v1/client')).json)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}/`)).json.response.id, SESS_A)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}/?_clerk_js_version=5`)).status, 200)
  const wrongVerb = await call('PUT', `/v1/client/sessions/${SESS_A}/end/`)
  assertClerkError(t, wrongVerb, 405, 'method_not_allowed')
  t.same(wrongVerb.json.errors[0].meta.allowed, ['POST'])
  // Whatever reaches the not-found handler, a 405 never lists the verb it refuses.
  for (const [method, url] of [
    ['GET', '/v1/client/'],
    ['GET', '//v1/client'],
    ['GET', '/v1/client//'],
    ['POST', `/v1/client/sessions/${SESS_A}/touch//`],
    ['DELETE', '/v1/client/'],
  ]) {
    const res = await call(method, url)
    if (res.status === 405) t.notOk(res.json.errors[0].meta.allowed.includes(method), `${method} ${url}: 405 does not allow ${method}`)
  }
})

t.test('the not-found handler answers 404, not 405, when the path answers the request verb', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { installErrorHandling } = await import('../src/http/errors.js')
  const app = Fastify()
  // The 405 patterns claim GET and POST for every path, but no route exists: the router and the
  // patterns disagree, as they did for `/v1/client/` before trailing slashes were ignored.
  installErrorHandling(app, () => ['GET', 'POST'])
  t.teardown(() => app.close())
  const get = await app.inject({ method: 'GET', url: '/v1/anything' })
  t.equal(get.statusCode, 404)
  t.equal(get.json().errors[0].code, 'resource_not_found')
  const del = await app.inject({ method: 'DELETE', url: '/v1/anything' })
  t.equal(del.statusCode, 405)
  t.same(del.json().errors[0].meta.allowed, ['GET', 'POST'])
})

t.test('long path ids: up to 256 characters reach the route; longer ones are a clear 404, not a malformed URL', async (t) => {
  const { call } = mockWith()
  for (const length of [101, 200, 256]) {
    const id = 'sess_' + 'x'.repeat(length - 5)
    const res = await call('GET', `/v1/client/sessions/${id}`)
    assertClerkError(t, res, 404, 'resource_not_found')
    t.equal(res.json.errors[0].long_message, `No session was found with id ${id}`, `${length} characters: the session lookup answers`)
  }
  const tooLong = 'sess_' + 'x'.repeat(300)
  for (const [method, url] of [
    ['GET', `/v1/client/sessions/${tooLong}`],
    ['POST', `/v1/client/sessions/${tooLong}/touch`],
    ['GET', `/__mock/clients/${'client_' + 'x'.repeat(300)}/token`],
  ]) {
    const res = await call(method, url)
    assertClerkError(t, res, 404, 'resource_not_found')
    const text = res.json.errors[0].long_message
    t.notMatch(text, /malformed/i, `${method}: not called a malformed URL`)
    t.match(text, /longer than 256 characters/)
    t.ok(text.length < 300, 'the message does not echo the whole id')
  }
  // A URL that cannot be decoded is still reported as malformed.
  t.match((await call('GET', '/v1/client/sessions/%E0%A4%A')).json.errors[0].long_message, /malformed URL/)
})
