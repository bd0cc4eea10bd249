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
