/** Bad input of every kind gets a Clerk-format error, never a 500, and leaves the state as it was. */
import t from 'tap'
import { SESS_A, mockWith } from './helpers/mock.js'
import { assertClerkError } from './helpers/clerk-error.js'

t.test('unknown routes and wrong verbs', async (t) => {
  const { call } = mockWith()
  assertClerkError(t, await call('GET', '/nope'), 404, 'resource_not_found', 'No route matches GET /nope.', { message: 'Resource not found' })
  assertClerkError(t, await call('GET', '/v1/unknown/thing'), 404, 'resource_not_found', 'No route matches GET /v1/unknown/thing.')
  assertClerkError(t, await call('GET', `/v1/client/sessions/${SESS_A}/end`), 405, 'method_not_allowed', /answers POST\.$/, { meta: { allowed: ['POST'] } })
  assertClerkError(t, await call('DELETE', `/v1/client/sessions/${SESS_A}`), 405, 'method_not_allowed', /answers GET\.$/, { meta: { allowed: ['GET'] } })
  assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_A}?_method=BREW`), 422, 'form_param_value_invalid', /^_method must be one of .*, got 'BREW'\.$/, {
    meta: { param_name: '_method' },
  })
  assertClerkError(t, await call('GET', '/v1/client/sessions/%E0%A4%A'), 404, 'resource_not_found', /malformed URL/)
})

t.test('bodies: malformed, unknown fields, wrong values, content types, sizes', async (t) => {
  const { call } = mockWith()
  const touch = `/v1/client/sessions/${SESS_A}/touch`
  const json = { 'content-type': 'application/json' }
  const invalid = /^The request body is invalid\. Please consult the API documentation for more information\./
  assertClerkError(t, await call('POST', touch, { body: '{"intent":', headers: json }), 400, 'request_body_invalid', /not valid JSON/, { message: 'Request body invalid' })
  assertClerkError(t, await call('POST', touch, { body: '[1,2]', headers: json }), 400, 'request_body_invalid', /expected an object of form parameters/)
  assertClerkError(t, await call('POST', touch, { body: '"str"', headers: json }), 400, 'request_body_invalid', /expected an object of form parameters/)
  assertClerkError(t, await call('POST', touch, { body: 'colour=blue' }), 422, 'form_param_unknown', 'colour is not a valid parameter for this request.', {
    message: 'is unknown',
    meta: { param_name: 'colour' },
  })
  assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_A}/end`, { body: { why: 'because' } }), 422, 'form_param_unknown', 'why is not a valid parameter for this request.', {
    meta: { param_name: 'why' },
  })
  assertClerkError(t, await call('POST', touch, { body: 'intent=sleep' }), 422, 'form_param_value_invalid', '"sleep" does not match one of the allowed values for parameter intent', {
    message: 'is invalid',
    meta: { param_name: 'intent' },
  })
  assertClerkError(t, await call('POST', touch, { body: { intent: 42 } }), 422, 'form_param_value_invalid', /^intent is invalid/, { meta: { param_name: 'intent' } })
  assertClerkError(
    t,
    await call('POST', touch, { body: 'x', headers: { 'content-type': 'text/plain' } }),
    415,
    'unsupported_content_type',
    'Content-Type text/plain is unsupported. You should use application/x-www-form-urlencoded or application/json instead.',
    { message: 'Content-Type is unsupported' },
  )
  assertClerkError(t, await call('POST', touch, { body: 'x', headers: { 'content-type': 'application/xml' } }), 415, 'unsupported_content_type', /^Content-Type application\/xml is unsupported/)
  assertClerkError(t, await call('POST', touch, { body: 'a='.padEnd(200_000, 'x') }), 413, 'request_body_too_large', 'The request body exceeds the maximum allowed size of 65536 bytes.')
  const deep = '['.repeat(5000) + ']'.repeat(5000)
  assertClerkError(t, await call('POST', touch, { body: deep, headers: json }), 400, 'request_body_invalid', invalid)
  // Prototype poisoning is refused.
  assertClerkError(t, await call('POST', touch, { body: '{"__proto__":{"x":1}}', headers: json }), 400, 'request_body_invalid', invalid)
  // empty bodies are normal, with or without a content type
  for (const init of [{ body: '', headers: json }, { body: '' }, {}]) {
    const res = await call('POST', touch, init)
    t.equal(res.status, 200, `empty body ${JSON.stringify(init)}`)
    t.equal(res.json.response.id, SESS_A)
  }
  const state = await call('GET', `/v1/client/sessions/${SESS_A}`)
  t.equal(state.json.response.status, 'active', 'state intact after the bad requests')
})

t.test('clerk-js query parameters are accepted; both API version forms at once are 400', async (t) => {
  const { call } = mockWith()
  const q = '__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0&_clerk_session_id=x&_clerk_retry_attempt=1&rotating_token_nonce=n&debug=1&expired_token=e'
  const ok = await call('GET', `/v1/client/sessions/${SESS_A}?${q}`)
  t.equal(ok.status, 200)
  t.equal(ok.json.response.id, SESS_A)
  const both = /^Invalid Clerk API version: send the version either as the Clerk-API-Version header or as the __clerk_api_version query parameter, not both$/
  assertClerkError(t, await call('GET', `/v1/client?${q}`, { headers: { 'clerk-api-version': '2099-01-01' } }), 400, 'api_version_invalid', both, { message: 'invalid API version' })
  assertClerkError(t, await call('GET', `/v1/client?__clerk_api_version=1`, { headers: { 'clerk-api-version': '1' } }), 400, 'api_version_invalid', both)
  const unknown = await call('GET', `/v1/client`, { headers: { 'clerk-api-version': '2099-12-31' } })
  t.equal(unknown.status, 200, 'unknown versions are never rejected')
  t.same(unknown.json, { response: null, client: null })
})

t.test('_method turns a POST into the real verb', async (t) => {
  const { call } = mockWith()
  // DELETE /v1/client/sessions, for an anonymous caller: no client to sign out.
  assertClerkError(t, await call('POST', `/v1/client/sessions?_method=DELETE`), 404, 'resource_not_found', 'This request is expecting a client and did not find one', {
    message: 'Client not found',
  })
  const put = await call('POST', `/v1/client?_method=PUT`)
  t.equal(put.status, 200)
  t.match(put.json.response.id, /^client_/, 'PUT /v1/client created a client')
  // A verb the path does not answer, through the override, is the 405 of that verb.
  assertClerkError(t, await call('POST', `/v1/client/sessions/${SESS_A}?_method=PATCH`), 405, 'method_not_allowed', /^PATCH is not allowed/, { meta: { allowed: ['GET'] } })
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

t.test('a trailing slash reaches the same route', async (t) => {
  const { call } = mockWith()
  const slash = await call('GET', '/v1/client/')
  t.equal(slash.status, 200, 'GET /v1/client/ answers like GET /v1/client')
  t.same(slash.json, (await call('GET', '/v1/client')).json)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}/`)).json.response.id, SESS_A)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}/?_clerk_js_version=5`)).json.response.id, SESS_A)
  assertClerkError(t, await call('PUT', `/v1/client/sessions/${SESS_A}/end/`), 405, 'method_not_allowed', /answers POST\.$/, { meta: { allowed: ['POST'] } })
  // DELETE /v1/client/ reaches DELETE /v1/client (an anonymous caller has no client to delete).
  assertClerkError(t, await call('DELETE', '/v1/client/'), 404, 'resource_not_found', 'This request is expecting a client and did not find one')
  // Doubled slashes are no route at all: a 404, not a 405.
  for (const [method, url] of [
    ['GET', '//v1/client'],
    ['GET', '/v1/client//'],
    ['POST', `/v1/client/sessions/${SESS_A}/touch//`],
  ]) {
    assertClerkError(t, await call(method, url), 404, 'resource_not_found', `No route matches ${method} ${url}.`)
  }
})

t.test('every path answers a verb it does not serve with 405 method_not_allowed naming the verbs it does', async (t) => {
  const { call } = mockWith()
  const s = `/v1/client/sessions/${SESS_A}`
  // [verb, path, the verbs that path answers]
  const cases: [string, string, string[]][] = [
    ['GET', `${s}/end`, ['POST']],
    ['PUT', `${s}/end/`, ['POST']],
    ['GET', `${s}/remove`, ['POST']],
    ['PUT', `${s}/touch`, ['POST']],
    ['GET', `${s}/tokens`, ['POST']],
    ['GET', `${s}/tokens/supabase`, ['POST']],
    ['DELETE', s, ['GET']],
    ['PATCH', s, ['GET']],
    ['GET', '/v1/client/sessions', ['DELETE']],
    ['PUT', '/v1/client/sessions', ['DELETE']],
    ['PATCH', '/v1/client', ['GET', 'PUT', 'POST', 'DELETE']],
    ['POST', '/v1/me/sessions', ['GET']],
    ['DELETE', '/v1/me/sessions/active', ['GET']],
    ['GET', `/v1/me/sessions/${SESS_A}/revoke`, ['POST']],
    ['POST', '/v1/environment', ['GET', 'PATCH']],
    ['DELETE', '/v1/environment', ['GET', 'PATCH']],
    ['GET', '/v1/dev_browser', ['POST']],
    ['DELETE', '/v1/jwks', ['GET']],
    ['POST', '/.well-known/jwks.json', ['GET']],
    ['GET', '/__mock/reset', ['POST']],
    ['PUT', '/__mock/clock', ['GET', 'POST']],
    ['POST', '/__mock/state', ['GET']],
  ]
  let checked = 0
  for (const [method, url, allowed] of cases) {
    const res = await call(method, url)
    const path = url
    assertClerkError(t, res, 405, 'method_not_allowed', `${method} is not allowed on ${path}; it answers ${allowed.join(', ')}.`, {
      message: 'Method not allowed',
      meta: { allowed },
    })
    t.notOk(res.json?.errors?.[0]?.meta?.allowed?.includes(method), `${method} ${url}: the 405 does not list ${method}`)
    checked++
  }
  t.equal(checked, cases.length, 'every case ran')
  // The same pairs through the _method override (how clerk-js sends them) are the same 405s.
  const overridden = await call('POST', `${s}/end?_method=PUT`)
  assertClerkError(t, overridden, 405, 'method_not_allowed', /^PUT is not allowed/, { meta: { allowed: ['POST'] } })
})

t.test('the not-found handler answers 404, not 405, when the path answers the request verb', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { installErrorHandling } = await import('../src/http/errors.js')
  const app = Fastify()
  // The 405 patterns claim GET and POST for every path, but no route exists: the router and the
  // patterns disagree, as they did for `/v1/client/` before trailing slashes were ignored.
  installErrorHandling(app, () => ['GET', 'POST'])
  t.teardown(() => app.close())
  assertClerkError(t, await app.inject({ method: 'GET', url: '/v1/anything' }), 404, 'resource_not_found', 'No route matches GET /v1/anything.')
  assertClerkError(t, await app.inject({ method: 'DELETE', url: '/v1/anything' }), 405, 'method_not_allowed', 'DELETE is not allowed on /v1/anything; it answers GET, POST.', {
    meta: { allowed: ['GET', 'POST'] },
  })
})

t.test('long path ids: up to 256 characters reach the route; longer ones are a clear 404, not a malformed URL', async (t) => {
  const { call } = mockWith()
  for (const length of [101, 200, 256]) {
    const id = 'sess_' + 'x'.repeat(length - 5)
    // Any length up to the limit reaches the session lookup.
    assertClerkError(t, await call('GET', `/v1/client/sessions/${id}`), 404, 'resource_not_found', `No session was found with id ${id}`, { message: 'Session not found' })
  }
  const tooLong = 'sess_' + 'x'.repeat(300)
  for (const [method, url] of [
    ['GET', `/v1/client/sessions/${tooLong}`],
    ['POST', `/v1/client/sessions/${tooLong}/touch`],
    ['GET', `/__mock/clients/${'client_' + 'x'.repeat(300)}/token`],
  ]) {
    const text = assertClerkError(t, await call(method, url), 404, 'resource_not_found', /a path segment is longer than 256 characters, and no id is that long\.$/).long_message
    t.notMatch(text, /malformed/i, `${method}: not called a malformed URL`)
    t.ok(text.length < 300, 'the message does not echo the whole id')
  }
  // A URL that cannot be decoded is still reported as malformed.
  assertClerkError(t, await call('GET', '/v1/client/sessions/%E0%A4%A'), 404, 'resource_not_found', /^No route matches GET \(malformed URL: /)
})
