/**
 * The Backend API's rules through `inject()`: the secret key, BAPI-format errors with exactly
 * `application/json` (never a 500 on bad input), the user filters and their order, metadata merge
 * and replace, what deleting a user does, private metadata and passwords kept out of every
 * Frontend API answer, the journal, and the Frontend API taking `__clerk_testing_token` anywhere.
 *
 * Phone numbers on POST /v1/users, mutations tried (red, then reverted; measured): the numbers not
 * passed to the core (2 failures); the environment rule bypassed, so a phone is taken while phone
 * numbers are off (4, the bad-input test); the list filter back to exact strings, so an unencoded
 * `+` matches nobody (1); no E.164 check (5); a number given twice accepted (5).
 */
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { buildApp } from '../../src/http/app.js'
import { MockCore } from '../../src/core/mock-core.js'
import { loadSeed } from '../../src/fixtures/load.js'
import type { Fixture } from '../../src/fixtures/schema.js'
import { clerkErrorFormatProblems } from '../helpers/clerk-error.js'
import { ADA, BOB, CLIENT_A, CLIENT_B, DAY, SESS_A, SESS_B, T0 } from '../helpers/mock.js'

const KEY = 'sk_test_behaviour'
const FIXTURE: Fixture = {
  clock: new Date(T0).toISOString(),
  users: [
    { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', username: 'ada', external_id: 'ext_ada', created_at: T0 - 2 * DAY },
    { id: BOB, first_name: 'Bob', last_name: 'Builder', email_address: 'bob@example.com', created_at: T0 - DAY },
  ],
  clients: [
    { id: CLIENT_A, sessions: [{ id: SESS_A, user_id: ADA }] },
    { id: CLIENT_B, sessions: [{ id: SESS_B, user_id: BOB }] },
  ],
}

interface Answer {
  status: number
  json: any
  body: string
  headers: Record<string, unknown>
}

function harness(options: { secretKey?: string } = { secretKey: KEY }, fixture: Fixture = FIXTURE) {
  const core = new MockCore(loadSeed(fixture))
  const app = buildApp(core, { strictClients: false, logger: false, ...options })
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const h: Record<string, string> = { authorization: `Bearer ${KEY}`, ...headers }
    if (h.authorization === '') delete h.authorization
    let payload: string | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body)
      h['content-type'] ??= 'application/json'
    }
    const res = await app.inject({ method: method as 'GET', url, headers: h, payload })
    let json: any = null
    try {
      json = JSON.parse(res.body)
    } catch {
      // the assertions below say what was wrong
    }
    return { status: res.statusCode, json, body: res.body, headers: res.headers }
  }
  return { core, app, call }
}

/** A BAPI error: status, code, Clerk's format and exactly `application/json`. */
function bapiError(t: Test, res: Answer, status: number, code: string, param?: string) {
  t.equal(res.status, status, `${status} ${code}: status`)
  t.equal(res.headers['content-type'], 'application/json', `${status} ${code}: Content-Type exactly application/json`)
  t.same(clerkErrorFormatProblems(res.json), [], `${status} ${code}: Clerk error format`)
  t.equal(res.json?.errors?.[0]?.code, code, `${status} ${code}: code`)
  if (param !== undefined) t.equal(res.json?.errors?.[0]?.meta?.param_name, param, `${status} ${code}: meta.param_name`)
}

t.test('the secret key: missing or malformed header, a wrong key, the configured key only; unknown routes too', async (t) => {
  const { app, call } = harness()
  t.teardown(() => app.close())
  bapiError(t, await call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: '' }), 401, 'authorization_header_format_invalid')
  bapiError(t, await call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: `Basic ${KEY}` }), 401, 'authorization_header_format_invalid')
  bapiError(t, await call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: 'Bearer sk_test_other' }), 401, 'clerk_key_invalid')
  bapiError(t, await call('GET', `/bapi/v1/nothing`, undefined, { authorization: '' }), 401, 'authorization_header_format_invalid')
  t.equal((await call('GET', `/bapi/v1/users/${ADA}`)).status, 200, 'the configured key')
  t.equal((await call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: `bearer ${KEY}` })).status, 200, 'the scheme is case-insensitive')

  const open = harness({})
  t.teardown(() => open.app.close())
  t.equal((await open.call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: 'Bearer sk_live_anything' })).status, 200, 'no option: any sk_live_')
  t.equal((await open.call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: 'Bearer sk_test_anything' })).status, 200, 'no option: any sk_test_')
  bapiError(t, await open.call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: 'Bearer pk_test_anything' }), 401, 'clerk_key_invalid')
  bapiError(t, await open.call('GET', `/bapi/v1/users/${ADA}`, undefined, { authorization: 'Bearer sk_test_' }), 401, 'clerk_key_invalid')
  t.equal((await open.call('GET', '/v1/jwks', undefined, { authorization: '' })).status, 200, "the Frontend API's /v1/jwks stays open")
})

t.test('every answer is exactly application/json; unknown routes 404 and wrong verbs 405 in BAPI format', async (t) => {
  const { app, call } = harness()
  t.teardown(() => app.close())
  for (const [method, url] of [['GET', `/bapi/v1/users/${ADA}`], ['GET', '/bapi/v1/users'], ['GET', '/bapi/v1/users/count'], ['GET', '/bapi/v1/jwks'], ['POST', '/bapi/v1/testing_tokens']]) {
    const res = await call(method, url)
    t.equal(res.headers['content-type'], 'application/json', `${method} ${url}`)
  }
  bapiError(t, await call('GET', '/bapi/v1/nothing'), 404, 'resource_not_found')
  bapiError(t, await call('GET', '/bapi'), 404, 'resource_not_found')
  bapiError(t, await call('GET', '/bapi/'), 404, 'resource_not_found')
  const wrongVerb = await call('PUT', '/bapi/v1/users')
  bapiError(t, wrongVerb, 405, 'method_not_allowed')
  t.same(wrongVerb.json.errors[0].meta.allowed.sort(), ['GET', 'POST'])
  bapiError(t, await call('DELETE', `/bapi/v1/sessions/${SESS_A}/revoke`), 405, 'method_not_allowed')
  // The Frontend API keeps its charset (clerk-js reads either).
  t.match(String((await call('GET', '/v1/environment')).headers['content-type']), /^application\/json; charset=utf-8$/)
})

t.test('bad input gets a BAPI error, never a 500: JSON, unknown fields, wrong types, absurd sizes', async (t) => {
  const { app, call } = harness()
  t.teardown(() => app.close())
  bapiError(t, await call('POST', '/bapi/v1/users', '{"email_address": ['), 400, 'request_body_invalid')
  bapiError(t, await call('POST', '/bapi/v1/users', '[]'), 400, 'request_body_invalid')
  bapiError(t, await call('POST', '/bapi/v1/users', 'hello', { 'content-type': 'text/plain' }), 415, 'unsupported_content_type')
  bapiError(t, await call('POST', '/bapi/v1/users', { email: 'x@example.com' }), 422, 'form_param_unknown', 'email')
  bapiError(t, await call('POST', '/bapi/v1/users', { first_name: 5 }), 422, 'form_param_value_invalid', 'first_name')
  bapiError(t, await call('POST', '/bapi/v1/users', { email_address: 'x@example.com' }), 422, 'form_param_value_invalid', 'email_address')
  bapiError(t, await call('POST', '/bapi/v1/users', { email_address: ['not-an-email'] }), 422, 'form_param_format_invalid', 'email_address')
  bapiError(t, await call('POST', '/bapi/v1/users', { email_address: Array.from({ length: 101 }, (_, i) => `u${i}@example.com`) }), 422, 'form_param_value_invalid', 'email_address')
  bapiError(t, await call('POST', '/bapi/v1/users', { password: 'x'.repeat(73) }), 422, 'form_password_size_in_bytes_exceeded', 'password')
  // No fixture user has a phone here, so phone numbers are off (as mock.createUser refuses them then).
  bapiError(t, await call('POST', '/bapi/v1/users', { phone_number: ['+15555550100'] }), 422, 'form_param_format_invalid', 'phone_number')
  bapiError(t, await call('POST', '/bapi/v1/users', { created_at: 'yesterday' }), 422, 'form_param_format_invalid', 'created_at')
  bapiError(t, await call('POST', '/bapi/v1/users', 'x'.repeat(70_000)), 413, 'request_body_too_large')
  bapiError(t, await call('PATCH', `/bapi/v1/users/${ADA}/metadata`, { public_metadata: { big: 'x'.repeat(9000) } }), 422, 'form_param_exceeds_allowed_size', 'public_metadata')
  let deep: Record<string, unknown> = {}
  for (let i = 0; i < 40; i++) deep = { d: deep }
  bapiError(t, await call('PATCH', `/bapi/v1/users/${ADA}/metadata`, { public_metadata: deep }), 422, 'form_param_exceeds_allowed_size', 'public_metadata')
  bapiError(t, await call('PATCH', `/bapi/v1/users/${ADA}/metadata`, { public_metadata: null }), 422, 'form_param_value_invalid', 'public_metadata')
  bapiError(t, await call('GET', '/bapi/v1/users?limit=100000'), 422, 'form_param_value_invalid', 'limit')
  bapiError(t, await call('GET', '/bapi/v1/users?limit=501'), 422, 'form_param_value_invalid', 'limit')
  bapiError(t, await call('GET', '/bapi/v1/users?order_by=-password'), 422, 'form_param_value_invalid', 'order_by')
  bapiError(t, await call('GET', '/bapi/v1/users?organization_id=org_1'), 422, 'form_param_unknown', 'organization_id')
  bapiError(t, await call('GET', `/bapi/v1/users/${'u'.repeat(300)}`), 404, 'resource_not_found')
  bapiError(t, await call('POST', `/bapi/v1/sessions/${SESS_A}/tokens`, { expires_in_seconds: 10 }), 422, 'form_param_value_invalid', 'expires_in_seconds')
  bapiError(t, await call('POST', '/bapi/v1/sign_in_tokens', { user_id: ADA, expires_in_seconds: 1e12 }), 422, 'form_param_value_invalid', 'expires_in_seconds')
  bapiError(t, await call('POST', '/bapi/v1/sign_in_tokens', { user_id: ADA, expires_in_seconds: 'soon' }), 422, 'form_param_value_invalid', 'expires_in_seconds')
  bapiError(t, await call('POST', '/bapi/v1/sessions', {}), 422, 'form_param_missing', 'user_id')

  const before = JSON.stringify((await call('GET', '/bapi/v1/users?limit=500')).json)
  const routes: [string, string][] = [
    ['POST', '/bapi/v1/users'],
    ['PATCH', `/bapi/v1/users/${ADA}`],
    ['PATCH', `/bapi/v1/users/${ADA}/metadata`],
    ['PUT', `/bapi/v1/users/${ADA}/metadata`],
    ['POST', '/bapi/v1/sessions'],
    ['POST', `/bapi/v1/sessions/${SESS_A}/tokens`],
    ['POST', '/bapi/v1/sign_in_tokens'],
    ['POST', '/bapi/v1/clients/verify'],
  ]
  // Any JSON at all (the generator stays off strings that happen to be valid requests, by keys no route takes).
  const junk = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.constantFrom('first_name', 'email_address', 'user_id', 'token', 'public_metadata', 'expires_in_seconds', 'password'), fc.jsonValue({ maxDepth: 3 })))
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), junk, async ([method, url], body) => {
      const res = await call(method, url, JSON.stringify(body))
      if (res.status >= 500) throw new Error(`${method} ${url} ${JSON.stringify(body)} → ${res.status} ${res.body}`)
      if (res.headers['content-type'] !== 'application/json') throw new Error(`${method} ${url}: content type ${String(res.headers['content-type'])}`)
      if (res.status >= 400 && clerkErrorFormatProblems(res.json).length > 0) throw new Error(`${method} ${url}: ${res.body}`)
    }),
    { numRuns: 300, seed: 10_4 },
  )
  t.pass('300 random bodies: no 5xx, every error in Clerk format, every answer exactly application/json')
  t.ok(before.length > 0)
})

t.test('user filters and order: lists, +/- ids, queries, [] spelling, phone numbers, order_by, offset, starting_after', async (t) => {
  const { app, call } = harness()
  t.teardown(() => app.close())
  const ids = async (q: string) => ((await call('GET', `/bapi/v1/users${q}`)).json as { id: string }[]).map((u) => u.id)
  const carol = (await call('POST', '/bapi/v1/users', { email_address: ['carol@example.com'], username: 'carol', first_name: 'Carol' })).json.id
  t.same(await ids(''), [carol, BOB, ADA], 'newest first by default')
  t.same(await ids('?order_by=created_at'), [ADA, BOB, carol], '+ implied')
  t.same(await ids('?order_by=-username'), [carol, ADA, BOB], 'descending by username; Bob has none and comes last')
  t.same(await ids('?order_by=username'), [ADA, carol, BOB], 'ascending, nulls still last')
  t.same(await ids(`?user_id=-${BOB}`), [carol, ADA], 'a - entry excludes')
  t.same(await ids(`?user_id=${ADA}&user_id=${BOB}&user_id=-${BOB}`), [ADA], 'include and exclude together')
  t.same(await ids('?email_address[]=bob@example.com&email_address[]=CAROL@example.com'), [carol, BOB], 'the [] spelling, case-insensitive')
  t.same(await ids('?external_id=ext_ada'), [ADA])
  t.same(await ids('?username=ADA'), [ADA])
  t.same(await ids('?query=example.com&name_query=bui'), [BOB], 'filters AND together')
  t.same(await ids('?email_address_query=CAR'), [carol])
  t.same(await ids('?phone_number=%2B15555550100'), [], 'nobody has a phone number')
  t.same(await ids('?banned=true'), [])
  t.same(await ids('?banned=false'), [carol, BOB, ADA])
  t.same(await ids(`?created_at_before=${T0 - DAY}`), [ADA], 'strictly before')
  t.same(await ids('?limit=1&offset=1'), [BOB])
  t.same(await ids(`?starting_after=${BOB}`), [ADA])
  t.equal((await call('GET', '/bapi/v1/users/count?query=example')).json.total_count, 3)
  t.equal((await call('GET', '/bapi/v1/users/count?email_address=nobody@example.com')).json.total_count, 0)
})

t.test('phone numbers: POST /v1/users takes phone_number[] where the environment has them on; the list filter finds them; a sign-in can use them', async (t) => {
  // A fixture user with a phone turns phone numbers on (src/core/environment.ts), as it does for mock.createUser.
  const { app, call } = harness(undefined, { ...FIXTURE, users: [...FIXTURE.users!, { id: 'user_carol000000000000000000000', email_address: 'carol@example.com', phone_number: '+15555550123' }] })
  t.teardown(() => app.close())
  const res = await call('POST', '/bapi/v1/users', { email_address: ['dan@example.com'], phone_number: ['+15555550100', '+447700900123'], phone_number_identification_status: ['verified', 'verified'] })
  t.equal(res.status, 200, 'created', { body: res.json })
  const dan = res.json
  t.same(dan.phone_numbers.map((p: any) => p.phone_number), ['+15555550100', '+447700900123'])
  t.equal(dan.primary_phone_number_id, dan.phone_numbers[0].id, 'the first is the primary one')
  t.same(dan.phone_numbers.map((p: any) => p.verification?.status), ['verified', 'verified'])
  const ids = async (q: string) => ((await call('GET', `/bapi/v1/users${q}`)).json as { id: string }[]).map((u) => u.id)
  t.same(await ids('?phone_number=%2B447700900123'), [dan.id], 'by any of the numbers')
  t.same(await ids('?phone_number=+15555550100'), [dan.id], 'an unencoded + (a space once decoded) still matches')
  t.same((await ids('?phone_number[]=%2B15555550123&phone_number[]=%2B15555550100')).sort(), [dan.id, 'user_carol000000000000000000000'].sort(), 'the [] spelling, OR within the field')
  t.same(await ids('?phone_number=%2B19999999999'), [])
  t.equal((await call('GET', '/bapi/v1/users/count?phone_number=%2B15555550100')).json.total_count, 1)
  // The number signs in: a sign-in identifier finds the user and offers the phone code.
  const signIn = await call('POST', '/v1/client/sign_ins', 'identifier=%2B447700900123', { authorization: '', 'content-type': 'application/x-www-form-urlencoded' })
  t.equal(signIn.json?.response?.status, 'needs_first_factor')
  t.ok(signIn.json.response.supported_first_factors.some((f: any) => f.strategy === 'phone_code'), 'phone_code offered')

  bapiError(t, await call('POST', '/bapi/v1/users', { phone_number: ['+15555550123'] }), 422, 'form_identifier_exists', 'phone_number')
  bapiError(t, await call('POST', '/bapi/v1/users', { phone_number: ['+15555550177', '+15555550177'] }), 422, 'form_identifier_exists', 'phone_number')
  bapiError(t, await call('POST', '/bapi/v1/users', { phone_number: ['555-0100'] }), 422, 'form_param_format_invalid', 'phone_number')
  bapiError(t, await call('POST', '/bapi/v1/users', { phone_number: ['+15555550177'], phone_number_identification_status: ['verified', 'verified'] }), 422, 'form_param_format_invalid', 'phone_number_identification_status')
  bapiError(t, await call('POST', '/bapi/v1/users', { phone_number: ['+15555550177'], phone_number_identification_status: ['reserved'] }), 422, 'form_param_unknown', 'phone_number_identification_status')
  bapiError(t, await call('PATCH', `/bapi/v1/users/${dan.id}`, { primary_phone_number_id: dan.phone_numbers[1].id }), 422, 'form_param_unknown', 'primary_phone_number_id')
  t.equal((await call('GET', '/bapi/v1/users/count')).json.total_count, 4, 'no refused request made a user')
})

t.test('metadata: PATCH deep-merges (null deletes at any depth, arrays replace), PUT replaces each field given', async (t) => {
  const { app, call } = harness()
  t.teardown(() => app.close())
  await call('PUT', `/bapi/v1/users/${ADA}/metadata`, { public_metadata: { a: { b: 1, c: [1, 2], d: { e: 1, f: 2 } }, g: 1 }, private_metadata: { secret: 1 } })
  const merged = (await call('PATCH', `/bapi/v1/users/${ADA}/metadata`, { public_metadata: { a: { c: [3], d: { e: null } }, g: null, h: 'new' } })).json
  t.same(merged.public_metadata, { a: { b: 1, c: [3], d: { f: 2 } }, h: 'new' })
  t.same(merged.private_metadata, { secret: 1 }, 'a field not sent is untouched')
  const replaced = (await call('PUT', `/bapi/v1/users/${ADA}/metadata`, { public_metadata: { only: true } })).json
  t.same(replaced.public_metadata, { only: true })
  t.same(replaced.private_metadata, { secret: 1 })
  t.equal(replaced.updated_at, T0, 'updated_at on the mock clock')
})

t.test('private metadata and passwords never reach a Frontend API answer; the password is kept as a hash only', async (t) => {
  const { app, core, call } = harness()
  t.teardown(() => app.close())
  const created = await call('POST', '/bapi/v1/users', { email_address: ['dora@example.com'], password: 'hunter2-hunter2', private_metadata: { ssn: 'PRIVATE-VALUE' } })
  t.equal(created.status, 200)
  const id = created.json.id
  t.same(created.json.private_metadata, { ssn: 'PRIVATE-VALUE' }, 'the Backend API shows it')
  t.equal(created.json.password_enabled, true)
  t.equal(created.json.password_last_updated_at, T0)
  t.notOk(created.body.includes('hunter2') || created.body.includes('scrypt$'), 'no password or hash in the answer')
  t.equal((await call('GET', `/bapi/v1/users/${BOB}`)).json.password_enabled, false, 'a user without a password')

  const { clientToken } = core.createSession(id)
  const fapi = await app.inject({ method: 'GET', url: '/v1/client', headers: { cookie: `__client=${clientToken}` } })
  const user = fapi.json().response.sessions[0].user
  t.equal(user.id, id)
  t.notOk('private_metadata' in user, 'no private_metadata key in the FAPI user')
  t.notOk(fapi.body.includes('PRIVATE-VALUE') || fapi.body.includes('hunter2') || fapi.body.includes('scrypt$'))
  t.equal(user.password_enabled, true, 'FAPI shows password_enabled')
  const state = await app.inject({ method: 'GET', url: '/__mock/state' })
  t.notOk(state.body.includes('PRIVATE-VALUE') || state.body.includes('scrypt$'), 'nor does the control API')

  t.equal(core.checkPassword(id, 'hunter2-hunter2'), true, 'the right password')
  t.equal(core.checkPassword(id, 'hunter2'), false, 'a wrong one')
  t.equal(core.checkPassword(BOB, ''), false, 'a user without one')
  await call('PATCH', `/bapi/v1/users/${id}`, { password: 'new-password' })
  t.equal(core.checkPassword(id, 'new-password'), true, 'a PATCH sets a new one')
  t.equal(core.checkPassword(id, 'hunter2-hunter2'), false)
})

t.test('deleting a user: their sessions are revoked and gone, their clients forget them, their sign-in tokens stop working', async (t) => {
  const { app, core, call } = harness()
  t.teardown(() => app.close())
  const ticket = (await call('POST', '/bapi/v1/sign_in_tokens', { user_id: ADA })).json
  const other = core.createSession(ADA, CLIENT_B)
  t.equal(core.client(CLIENT_B).lastActiveSessionId, other.session.id)
  const res = await call('DELETE', `/bapi/v1/users/${ADA}`)
  t.same(res.json, { object: 'user', id: ADA, deleted: true })
  bapiError(t, await call('GET', `/bapi/v1/users/${ADA}`), 404, 'resource_not_found')
  bapiError(t, await call('GET', `/bapi/v1/sessions/${SESS_A}`), 404, 'resource_not_found')
  t.same((await call('GET', `/bapi/v1/sessions?user_id=${ADA}`)).json, [])
  t.equal(core.client(CLIENT_B).lastActiveSessionId, null, "Bob's client forgets Ada's session as its last active one")
  t.same(core.sessionsOf(core.client(CLIENT_B)).map((s) => s.id), [SESS_B], "Bob's own session stays")
  const fapi = await app.inject({ method: 'GET', url: '/v1/client', headers: { cookie: `__client=${core.clientToken(CLIENT_A)}` } })
  t.same(fapi.json().response.sessions, [], "Ada's browser is signed out")
  t.equal(core.signInTokens.redeem(ticket.token), 'unknown', 'the ticket no longer signs anyone in')
  t.equal((await app.inject({ method: 'GET', url: '/__mock/state' })).statusCode, 200, 'the state view survives the dangling references')
  t.equal((await call('POST', '/bapi/v1/users', { email_address: ['ada@example.com'] })).status, 200, 'the address is free again')
})

t.test('sessions: every status the store holds, filters, bare or paginated, newest first; revoke and tokens refuse the signed-out', async (t) => {
  const { app, core, call } = harness()
  t.teardown(() => app.close())
  const second = core.createSession(ADA, CLIENT_A).session.id
  core.endSession({ clientId: null }, SESS_A)
  const third = core.createSession(ADA).session.id
  core.revokeSession(null, third)
  const list = async (q: string) => (await call('GET', `/bapi/v1/sessions${q}`)).json
  t.same((await list(`?user_id=${ADA}`)).map((s: any) => [s.id, s.status]), [[third, 'revoked'], [second, 'active'], [SESS_A, 'ended']])
  t.same((await list(`?user_id=${ADA}&status=ended`)).map((s: any) => s.id), [SESS_A])
  t.same((await list(`?client_id=${CLIENT_A}&status=replaced`)), [])
  const page = await list(`?user_id=${ADA}&paginated=true&limit=1&offset=1`)
  t.same({ ids: page.data.map((s: any) => s.id), total: page.total_count }, { ids: [second], total: 3 })
  t.same((await list('?status=active')).map((s: any) => s.id).sort(), [second, SESS_B].sort(), 'no user or client: every session')
  bapiError(t, await call('POST', `/bapi/v1/sessions/${third}/revoke`), 404, 'resource_not_found')
  bapiError(t, await call('POST', `/bapi/v1/sessions/${SESS_A}/tokens`), 401, 'signed_out')
  core.clock.advance(8 * DAY)
  t.equal((await call('GET', `/bapi/v1/sessions/${second}`)).json.status, 'expired', 'time applies at every read')
})

t.test('sign-in tokens expire on the mock clock; revoked or used ones cannot be revoked', async (t) => {
  const { app, core, call } = harness()
  t.teardown(() => app.close())
  const ticket = (await call('POST', '/bapi/v1/sign_in_tokens', { user_id: ADA, expires_in_seconds: 60 })).json
  core.clock.advance(60_000)
  t.equal(core.signInTokens.redeem(ticket.token), 'expired', 'at expires_in_seconds exactly')
  const used = (await call('POST', '/bapi/v1/sign_in_tokens', { user_id: ADA })).json
  t.not(core.signInTokens.redeem(used.token), 'unknown')
  bapiError(t, await call('POST', `/bapi/v1/sign_in_tokens/${used.id}/revoke`), 400, 'sign_in_token_cannot_be_revoked_code')
  bapiError(t, await call('POST', '/bapi/v1/sign_in_tokens', { user_id: ADA, org_id: 'org_1' }), 422, 'form_param_unknown', 'org_id')
})

t.test('clients/verify: a live client token, a stale one (client gone), a forged one', async (t) => {
  const { app, core, call } = harness()
  t.teardown(() => app.close())
  const token = core.clientToken(CLIENT_A)
  t.equal((await call('POST', '/bapi/v1/clients/verify', { token })).json.id, CLIENT_A)
  t.same((await call('POST', '/bapi/v1/clients/verify', { token })).json.session_ids, [SESS_A])
  core.destroyClient(core.client(CLIENT_A))
  bapiError(t, await call('POST', '/bapi/v1/clients/verify', { token }), 404, 'resource_not_found')
  bapiError(t, await call('POST', '/bapi/v1/clients/verify', { token: token.slice(0, -4) + 'AAAA' }), 400, 'client_token_invalid')
  const nonce = core.handshakes.put(['__session=; Max-Age=0'])
  t.same((await call('GET', `/bapi/v1/clients/handshake_payload?nonce=${nonce}`)).json, { directives: ['__session=; Max-Age=0'] })
  bapiError(t, await call('GET', `/bapi/v1/clients/handshake_payload?nonce=${nonce}`), 404, 'resource_not_found')
})

t.test('the journal records Backend API requests by their full path, with the session they name; never the key', async (t) => {
  const { app, core, call } = harness()
  t.teardown(() => app.close())
  await call('GET', `/bapi/v1/users?email_address=ada@example.com`)
  await call('POST', `/bapi/v1/sessions/${SESS_B}/revoke`)
  await call('GET', '/bapi/v1/users', undefined, { authorization: 'Bearer sk_test_wrong' })
  const entries = core.requests()
  t.match(entries, [
    { method: 'GET', path: '/bapi/v1/users', query: { email_address: 'ada@example.com' }, status: 200, client_id: null },
    { method: 'POST', path: `/bapi/v1/sessions/${SESS_B}/revoke`, status: 200, session_id: SESS_B, client_id: CLIENT_B },
    { method: 'GET', path: '/bapi/v1/users', status: 401 },
  ])
  t.notOk(JSON.stringify(entries).includes('sk_test_'), 'no secret key in the journal')
})

t.test('the Frontend API takes __clerk_testing_token on every route, as @clerk/testing adds it', async (t) => {
  const { app, core } = harness()
  t.teardown(() => app.close())
  const testing = core.createTestingToken().token
  const cookie = `__client=${core.clientToken(CLIENT_A)}`
  const requests: [string, string][] = [
    ['GET', '/v1/environment'],
    ['GET', '/v1/client'],
    ['GET', `/v1/client/sessions/${SESS_A}`],
    ['POST', `/v1/client/sessions/${SESS_A}/touch`],
    ['POST', `/v1/client/sessions/${SESS_A}/tokens`],
    ['GET', '/v1/me/sessions'],
    ['POST', '/v1/dev_browser'],
    ['GET', '/.well-known/jwks.json'],
    ['GET', '/v1/jwks'],
  ]
  for (const [method, path] of requests) {
    const plain = await app.inject({ method: method as 'GET', url: path, headers: { cookie } })
    const withToken = await app.inject({ method: method as 'GET', url: `${path}${path.includes('?') ? '&' : '?'}__clerk_testing_token=${testing}`, headers: { cookie } })
    t.equal(withToken.statusCode, plain.statusCode, `${method} ${path}: ${plain.statusCode} with the token too`)
    t.ok(withToken.statusCode < 400, `${method} ${path}: answered`)
  }
})
