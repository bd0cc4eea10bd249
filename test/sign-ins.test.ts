/**
 * `POST /v1/client/sign_ins` with `strategy=ticket` and `GET /v1/client/sign_ins/{id}` (REFERENCE
 * §14): through inject() against a core whose sign-in tokens the test issues itself, every answer
 * checked against Clerk's OpenAPI file; then the real clerk-js 6.40 in Node signing in with a ticket.
 * Mutations this file was watched failing on are listed at the end.
 */
import t from 'tap'
import { verifyToken } from '@clerk/backend'
import type { Test } from 'tap'
import { MockCore } from '../src/core/mock-core.js'
import { loadSeed } from '../src/fixtures/load.js'
import type { Fixture } from '../src/fixtures/schema.js'
import { buildApp } from '../src/http/app.js'
import { publishableKeyFor } from '../src/index.js'
import { assertClerkError } from './helpers/clerk-error.js'
import { fapiSpec, skipWithoutSpec } from './helpers/fapi-spec.js'
import { loadNodeClerk } from '../src/clerk-js.js'
import type { Clerk } from '@clerk/clerk-js'
import { ADA, BOB, CLIENT_A, CLIENT_B, DAY, SESS_A, T0, injectCaller, twoClients } from './helpers/mock.js'

const SIGN_INS = '/v1/client/sign_ins'

function harness(fixture: Fixture = twoClients(), options: { strictClients?: boolean; clock?: 'system' } = {}) {
  const core = new MockCore(loadSeed(fixture), { clock: options.clock })
  const app = buildApp(core, { strictClients: options.strictClients ?? false, logger: false })
  const call = injectCaller((o) => app.inject(o))
  /** A fresh ticket for a user, as `POST /v1/sign_in_tokens` would issue it. */
  const ticket = (userId = ADA, seconds?: number) => core.signInTokens.create(userId, seconds).token
  const cookie = (clientId: string) => ({ cookie: `__client=${core.clientToken(clientId)}` })
  /** The body clerk-js 6.40 sends for `signIn.create({ strategy: 'ticket', ticket })` in a browser. */
  const form = (tk: string) => `strategy=ticket&ticket=${encodeURIComponent(tk)}&locale=en-US&timezone=Europe%2FLondon`
  const counts = () => {
    const s = core.snapshot()
    return { clients: s.clients.length, sessions: s.clients.reduce((n, c) => n + c.sessions.length, 0) }
  }
  return { core, app, call, ticket, cookie, form, counts }
}

const setCookieOf = (headers: Record<string, unknown>): string[] => {
  const h = headers['set-cookie']
  return h === undefined ? [] : ([] as string[]).concat(h as string | string[])
}

/** The answer is `Client.ClientWrappedSignIn` of Clerk's file (when it is present). */
function conforms(t: Test, method: 'GET' | 'POST', path: string, res: { status: number; json: unknown }) {
  if (skipWithoutSpec()) return
  const declared = fapiSpec().response(path, method, res.status)
  if (!declared.found) return t.fail(declared.gap)
  t.ok(declared.validate(res.json), `${method} ${path} ${res.status} matches ${declared.where}`, { errors: declared.validate.errors?.slice(0, 5) })
}

t.test('a ticket with no credential: a complete attempt, a new client holding the new session, and its cookie', async (t) => {
  const { core, call, ticket, form } = harness()
  const res = await call('POST', `${SIGN_INS}?__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0`, { body: form(ticket()) })
  t.equal(res.status, 200, 'ok', { body: res.json })
  conforms(t, 'POST', SIGN_INS, res)
  const { response: signIn, client } = res.json
  t.match(signIn.id, /^sia_[0-9A-Za-z]{27}$/)
  t.equal(signIn.object, 'sign_in_attempt')
  t.equal(signIn.status, 'complete')
  t.same(signIn.first_factor_verification, { object: 'verification_ticket', status: 'verified', strategy: 'ticket', attempts: null, expire_at: null })
  t.equal(signIn.identifier, 'ada@example.com')
  t.same(signIn.user_data, { first_name: 'Ada', last_name: 'Lovelace', image_url: core.userJson(core.user(ADA)).image_url, has_image: false })
  t.same(signIn.supported_identifiers, ['email_address', 'username'], "the environment's identification strategies")
  t.equal(signIn.abandon_at, T0 + DAY, 'abandoned a day after it began (mock clock)')

  t.not(client.id, CLIENT_A)
  t.not(client.id, CLIENT_B)
  t.equal(client.sign_in, null, 'a complete sign-in is no longer in progress on the client')
  t.equal(client.last_active_session_id, signIn.created_session_id)
  t.equal(client.sessions.length, 1)
  const session = client.sessions[0]
  t.match(session, { id: signIn.created_session_id, status: 'active', user_id: ADA, client_id: client.id })
  t.type(session.last_active_token?.jwt, 'string', 'the new session carries a token (REFERENCE §10)')

  const cookies = setCookieOf(res.headers)
  t.equal(cookies.length, 1)
  t.match(cookies[0], /^__client=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/)
  const token = /^__client=([^;]+)/.exec(cookies[0])![1]
  t.same(core.checkClientToken(decodeURIComponent(token)), { kind: 'client', clientId: client.id }, 'the cookie names the new client')
})

t.test('a signed-in browser (multi-session, the default): the session joins its client, no new cookie', async (t) => {
  const { call, ticket, form, cookie } = harness()
  const res = await call('POST', SIGN_INS, { body: form(ticket(BOB)), headers: cookie(CLIENT_A) })
  t.equal(res.status, 200, 'ok', { body: res.json })
  conforms(t, 'POST', SIGN_INS, res)
  const { response: signIn, client } = res.json
  t.equal(client.id, CLIENT_A)
  t.same(client.sessions.map((s: any) => s.user_id).sort(), [ADA, BOB].sort())
  t.equal(client.last_active_session_id, signIn.created_session_id)
  t.not(signIn.created_session_id, SESS_A)
  t.same(setCookieOf(res.headers), [], 'the browser keeps its cookie')
})

t.test('a native client without a token gets its new client in Authorization', async (t) => {
  const { core, call, ticket, form } = harness()
  const res = await call('POST', `${SIGN_INS}?_is_native=1`, { body: form(ticket()), headers: { authorization: '' } })
  t.equal(res.status, 200, 'ok', { body: res.json })
  const clientId = res.json.client.id
  t.equal(res.headers.authorization, core.clientToken(clientId))
  t.same(setCookieOf(res.headers), [], 'no cookie for a native client')
})

t.test('a dev browser is bound to the client its sign-in created', async (t) => {
  const { call, ticket, form } = harness()
  const dvb = (await call('POST', '/v1/dev_browser')).json.id as string
  const res = await call('POST', `${SIGN_INS}?__clerk_db_jwt=${dvb}`, { body: form(ticket()) })
  t.equal(res.status, 200, 'ok', { body: res.json })
  const after = await call('GET', `/v1/client?__clerk_db_jwt=${dvb}`)
  t.equal(after.json.response.id, res.json.client.id)
  t.equal(after.json.response.last_active_session_id, res.json.response.created_session_id)
})

t.test('JSON bodies work as forms do', async (t) => {
  const { call, ticket } = harness()
  const res = await call('POST', SIGN_INS, { body: { strategy: 'ticket', ticket: ticket(), transfer: false } })
  t.equal(res.status, 200, 'ok', { body: res.json })
  t.equal(res.json.response.status, 'complete')
})

t.test('refused tickets: Clerk codes, and nothing changes', async (t) => {
  const { core, call, ticket, form, counts } = harness()
  const before = counts()
  const expect = async (tk: string, code: string, long: string, what: string) => {
    const res = await call('POST', SIGN_INS, { body: form(tk) })
    assertClerkError(t, res, 400, code, long)
    conforms(t, 'POST', SIGN_INS, res)
    t.same(counts(), before, `${what}: no client, no session`)
  }
  await expect('not-a-ticket', 'ticket_invalid_code', "This ticket is invalid. Make sure you're using a valid ticket generated by Clerk.", 'unknown')

  const used = ticket()
  t.equal((await call('POST', SIGN_INS, { body: form(used) })).status, 200, 'first use')
  const afterUse = counts()
  t.same(afterUse, { clients: before.clients + 1, sessions: before.sessions + 1 })
  before.clients = afterUse.clients
  before.sessions = afterUse.sessions
  await expect(used, 'sign_in_token_already_used_code', 'This sign in token has already been used. Each token can only be used once.', 'used')

  const revoked = core.signInTokens.create(ADA)
  core.signInTokens.revoke(revoked.id)
  await expect(revoked.token, 'sign_in_token_revoked_code', 'This sign in token has been revoked and cannot be used anymore.', 'revoked')

  const soon = ticket(ADA, 60)
  core.clock.advance('60s')
  await expect(soon, 'ticket_expired_code', 'This ticket has expired and cannot be used anymore.', 'expired at exactly expires_in_seconds')
  const justInTime = ticket(ADA, 60)
  core.clock.advance(59_999)
  t.equal((await call('POST', SIGN_INS, { body: form(justInTime) })).status, 200, '1 ms before its expiry a ticket still works')
})

t.test('single-session mode: a signed-in client gets session_exists, and the ticket stays usable', async (t) => {
  const fixture = twoClients({ environment: { auth_config: { single_session_mode: true } } })
  fixture.clients!.push({ id: 'client_ended00000000000000000000', sessions: [{ id: 'sess_ended0000000000000000000000', user_id: BOB, status: 'ended' }] })
  const { call, ticket, form, cookie, counts } = harness(fixture)
  const tk = ticket(BOB)
  const before = counts()
  const refused = await call('POST', SIGN_INS, { body: form(tk), headers: cookie(CLIENT_A) })
  assertClerkError(t, refused, 400, 'session_exists', "You're already signed in.", { message: 'Session already exists' })
  conforms(t, 'POST', SIGN_INS, refused)
  t.same(counts(), before)

  // A client whose sessions all ended is signed out: it may sign in, with the same ticket.
  const ok = await call('POST', SIGN_INS, { body: form(tk), headers: cookie('client_ended00000000000000000000') })
  t.equal(ok.status, 200, 'the ticket was not spent by the refusal', { body: ok.json })
  t.equal(ok.json.client.id, 'client_ended00000000000000000000')
})

t.test('strategies the mock does not model, and a ticket strategy without a ticket: 422s that name the allowed values', async (t) => {
  const { call, counts } = harness()
  const before = counts()
  for (const strategy of ['oauth_google', 'email_link', 'passkey', 'web3_metamask_signature']) {
    const res = await call('POST', SIGN_INS, { body: `strategy=${strategy}&identifier=ada%40example.com` })
    assertClerkError(t, res, 422, 'form_param_value_invalid', `${strategy} does not match the allowed values for parameter strategy. Allowed values: ticket, password, email_code, phone_code, reset_password_email_code, reset_password_phone_code.`, { meta: { param_name: 'strategy' } })
    conforms(t, 'POST', SIGN_INS, res)
  }
  assertClerkError(t, await call('POST', SIGN_INS, { body: 'strategy=ticket' }), 422, 'form_param_missing', 'ticket must be included.', { meta: { param_name: 'ticket' } })
  assertClerkError(t, await call('POST', SIGN_INS, { body: 'strategy=ticket&ticket=' }), 422, 'form_param_missing', 'ticket must be included.')
  assertClerkError(t, await call('POST', SIGN_INS, { body: 'strategy=password&password=x' }), 422, 'form_param_missing', 'identifier must be included.', { meta: { param_name: 'identifier' } })
  assertClerkError(t, await call('POST', SIGN_INS, { body: 'identifier=ada%40example.com&ticket=abc' }), 422, 'form_param_value_invalid', 'ticket is only taken with strategy=ticket.')
  assertClerkError(t, await call('POST', SIGN_INS, { body: 'identifier=ada%40example.com&token=abc' }), 422, 'form_param_value_invalid', /token is a Clerk parameter for a strategy this mock does not model/)
  t.same(counts(), before, 'no client, no session, no attempt client left behind')
})

t.test('garbage: Clerk errors, never a 5xx, nothing changes', async (t) => {
  const { call, counts } = harness()
  const before = counts()
  const cases: [string, { body?: string | object; headers?: Record<string, string> }, number, string][] = [
    ['an unknown field', { body: 'strategy=ticket&ticket=x&nope=1' }, 422, 'form_param_unknown'],
    ['a numeric ticket (JSON)', { body: { strategy: 'ticket', ticket: 42 } }, 422, 'form_param_value_invalid'],
    ['a ticket of 9000 characters', { body: `strategy=ticket&ticket=${'a'.repeat(9000)}` }, 422, 'form_param_value_invalid'],
    ['a JSON array', { body: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'request_body_invalid'],
    ['broken JSON', { body: '{"strategy":', headers: { 'content-type': 'application/json' } }, 400, 'request_body_invalid'],
    ['text/plain', { body: 'strategy=ticket', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_content_type'],
    ['a repeated field', { body: 'strategy=ticket&strategy=ticket&ticket=x' }, 422, 'form_param_value_invalid'],
  ]
  for (const [what, init, status, code] of cases) {
    const res = await call('POST', SIGN_INS, init)
    t.ok(res.status < 500, `${what}: no 5xx`)
    assertClerkError(t, res, status, code)
  }
  assertClerkError(t, await call('POST', `${SIGN_INS}?__clerk_db_jwt=dvb_unknown`, { body: 'strategy=ticket&ticket=x' }), 401, 'dev_browser_unauthenticated')
  assertClerkError(t, await call('POST', `${SIGN_INS}?_is_native=1`, { body: 'strategy=ticket&ticket=x', headers: { authorization: 'Bearer forged' } }), 401, 'authentication_invalid')
  assertClerkError(t, await call('PUT', SIGN_INS, { body: 'strategy=ticket' }), 405, 'method_not_allowed')
  t.same(counts(), before)
})

t.test('GET /v1/client/sign_ins/{id}: the caller\'s own attempt only', async (t) => {
  const { call, ticket, form, cookie } = harness()
  const created = await call('POST', SIGN_INS, { body: form(ticket(BOB)), headers: cookie(CLIENT_A) })
  const id = created.json.response.id as string
  const own = await call('GET', `${SIGN_INS}/${id}`, { headers: cookie(CLIENT_A) })
  t.equal(own.status, 200, 'ok', { body: own.json })
  conforms(t, 'GET', `${SIGN_INS}/{sign_in_id}`, own)
  t.same(own.json.response, created.json.response)
  t.equal(own.json.client.id, CLIENT_A)
  t.equal((await call('GET', `${SIGN_INS}/${id}`)).status, 200, 'an anonymous caller finds it by id, as it finds sessions')

  const other = await call('GET', `${SIGN_INS}/${id}`, { headers: cookie(CLIENT_B) })
  assertClerkError(t, other, 404, 'resource_not_found', `No sign in was found with id ${id}`)
  conforms(t, 'GET', `${SIGN_INS}/{sign_in_id}`, other)
  assertClerkError(t, await call('GET', `${SIGN_INS}/sia_unknown`), 404, 'resource_not_found', 'No sign in was found with id sia_unknown')
  assertClerkError(t, await call('GET', `${SIGN_INS}/${'x'.repeat(300)}`), 404, 'resource_not_found')
})

t.test('GET after a reset, or after the client is gone: not found', async (t) => {
  const { core, call, ticket, form, cookie } = harness()
  const onSeeded = (await call('POST', SIGN_INS, { body: form(ticket(BOB)), headers: cookie(CLIENT_A) })).json.response.id
  const onNew = await call('POST', SIGN_INS, { body: form(ticket()) })
  const newCookie = setCookieOf(onNew.headers)[0].split(';')[0]
  t.equal((await call('POST', '/v1/client?_method=DELETE', { headers: { cookie: newCookie } })).status, 200, 'the new client destroyed')
  assertClerkError(t, await call('GET', `${SIGN_INS}/${onNew.json.response.id}`), 404, 'resource_not_found', `No sign in was found with id ${onNew.json.response.id}`)
  core.reset()
  // CLIENT_A is back with its id, but not the attempt made on it before the reset.
  assertClerkError(t, await call('GET', `${SIGN_INS}/${onSeeded}`, { headers: cookie(CLIENT_A) }), 404, 'resource_not_found')
})

t.test('strict clients: GET without a credential is signed out; POST still creates a client', async (t) => {
  const { call, ticket, form } = harness(twoClients(), { strictClients: true })
  const res = await call('POST', SIGN_INS, { body: form(ticket()) })
  t.equal(res.status, 200, 'a browser with no client may sign in', { body: res.json })
  assertClerkError(t, await call('GET', `${SIGN_INS}/${res.json.response.id}`), 401, 'signed_out')
})

t.test('the real clerk-js in Node signs in with a ticket, and its session token verifies', async (t) => {
  // The real clock: @clerk/backend checks the token's times against it.
  const { core, app } = harness(twoClients(), { clock: 'system' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  const url = `http://127.0.0.1:${port}`
  core.setIssuer(url)
  const clerk = await loadNodeClerk<Clerk>({ publishableKey: publishableKeyFor(`127.0.0.1:${port}`), proxyUrl: url })
  t.equal(clerk.user, null, 'starts signed out')

  const signIn = await clerk.client!.signIn.create({ strategy: 'ticket', ticket: core.signInTokens.create(ADA).token })
  t.equal(signIn.status, 'complete')
  t.match(signIn.createdSessionId, /^sess_/)
  t.equal(signIn.firstFactorVerification.strategy, 'ticket')
  t.equal(signIn.firstFactorVerification.status, 'verified')
  await clerk.setActive({ session: signIn.createdSessionId })
  t.equal(clerk.user?.id, ADA)
  t.equal(clerk.session?.id, signIn.createdSessionId)
  t.equal(clerk.user?.primaryEmailAddress?.emailAddress, 'ada@example.com')
  const jwt = (await clerk.session!.getToken({ skipCache: true }))!
  const claims = await verifyToken(jwt, { jwtKey: core.key.publicKeyPem })
  t.equal(claims.sub, ADA)
  t.equal(claims.sid, signIn.createdSessionId)

  // Clerk's errors reach clerk-js as ClerkAPIResponseErrors with their codes.
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p
      return 'resolved'
    } catch (e: any) {
      return `${e?.status} ${e?.errors?.[0]?.code}`
    }
  }
  t.equal(await codeOf(clerk.client!.signIn.create({ strategy: 'ticket', ticket: 'nope' })), '400 ticket_invalid_code')
  // Ada has no password in this fixture.
  t.equal(await codeOf(clerk.client!.signIn.create({ identifier: 'ada@example.com', password: 'x', strategy: 'password' })), '400 strategy_for_user_invalid')

  // A second ticket on the same clerk-js client adds a session (multi-session mode).
  const second = await clerk.client!.signIn.create({ strategy: 'ticket', ticket: core.signInTokens.create(BOB).token })
  await clerk.setActive({ session: second.createdSessionId })
  t.equal(clerk.user?.id, BOB)
  t.equal(clerk.client!.sessions.length, 2)
})

/*
 * Mutations watched failing here (each reverted):
 *  - no handOutClientToken for a caller without a client: the cookie, native Authorization and dev-browser tests
 *  - no session_exists check: the single-session test; the check moved after redeem(): "the ticket was not spent"
 *  - GET without the ownership check: "another client's" 404
 *  - attempts found by client id instead of client object (survive a reset): the reset test
 *    (later the attempts moved into the core: reset() without signIns.clear() fails the reset test;
 *    get() without the client check fails the destroyed-client line)
 *  - createSession without the caller's client (always a new one): the multi-session and single-session tests
 *  - no strategy check (a password body falls through to "ticket missing"): the 422 strategy tests
 *    (now: the allowed-values list without ticket: the 422 strategy test)
 *  - used and revoked refusals swapped: the refused-ticket codes and texts
 *  - identifier from the username only: the first test; abandon_at 1 ms early: the first test
 *  - abandon_at dropped from the schema: every spec check (Client.SignIn requires it)
 *  - created_session_id null: the inject tests and clerk-js in Node (setActive has no session)
 */
