/** REFERENCE §4, rule by rule, through the HTTP surface; each time rule on both sides of its boundary. */
import { verify } from 'node:crypto'
import t, { type Test } from 'tap'
import type { ClerkMock } from '../src/index.js'
import { ADA, BOB, CLIENT_A, CLIENT_B, DAY, HOUR, MIN, SESS_A, SESS_B, T0, mockWith, twoClients } from './helpers/mock.js'
import { assertClerkError } from './helpers/clerk-error.js'

const path = (id: string, action = '') => `/v1/client/sessions/${id}${action ? '/' + action : ''}`
const cookieOf = (mock: ClerkMock, clientId: string) => ({ cookie: `__client=${mock.clientToken(clientId)}` })
const b64json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString())

/**
 * A served `last_active_token`: `{object: 'token', jwt}` whose RS256 signature verifies with
 * `mock.publicKeyPem` (node:crypto, no SDK) and whose sid/sub name the session and its user. Returns the claims.
 */
function tokenClaims(t: Test, mock: ClerkMock, token: any, want: { sid: string; sub: string }): Record<string, any> {
  t.same(Object.keys(token ?? {}).sort(), ['jwt', 'object'], `${want.sid}: last_active_token is {object, jwt}`)
  t.equal(token?.object, 'token')
  const [h, p, s] = String(token?.jwt).split('.')
  t.same(b64json(h), { alg: 'RS256', kid: mock.jwks.keys[0].kid, typ: 'JWT' }, 'JWT header')
  t.ok(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), mock.publicKeyPem, Buffer.from(s, 'base64url')), `${want.sid}: signature verifies with mock.publicKeyPem`)
  const claims = b64json(p)
  t.equal(claims.sid, want.sid, 'sid claim')
  t.equal(claims.sub, want.sub, 'sub claim')
  t.equal(claims.exp, claims.iat + 60, 'exp = iat + the token lifetime')
  return claims
}

t.test('creation: times anchored at creation', async (t) => {
  const { mock, call } = mockWith()
  const { session, client } = mock.createSession({ userId: ADA })
  t.equal(session.status, 'active')
  t.equal(session.created_at, T0)
  t.equal(session.last_active_at, T0)
  t.equal(session.expire_at, T0 + 7 * DAY)
  t.equal(session.abandon_at, T0 + 30 * DAY)
  t.equal(client.last_active_session_id, session.id)
  t.match(session.id, /^sess_[0-9A-Za-z]{27}$/)
  t.match(client.id, /^client_[0-9A-Za-z]{27}$/)
  const res = await call('GET', path(session.id))
  t.equal(res.status, 200)
  t.equal(res.json.response.id, session.id)
  t.equal(res.json.client.id, client.id)
})

t.test('settings change the lifetimes', async (t) => {
  const { mock } = mockWith(twoClients({ settings: { session_lifetime: '1h', abandon_after: '2h' } }))
  const { session } = mock.createSession({ userId: ADA })
  t.equal(session.expire_at, T0 + HOUR)
  t.equal(session.abandon_at, T0 + 2 * HOUR)
})

t.test('expire_at: active one ms before, expired exactly at it', async (t) => {
  const { mock, call } = mockWith()
  mock.clock.advance(7 * DAY - 1)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'active')
  mock.clock.advance(1)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'expired')
  // however the clock moved: a jump far past both boundaries is still "expired" (it came first)
  mock.clock.advance(100 * DAY)
  const res = await call('GET', path(SESS_A))
  t.equal(res.json.response.status, 'expired')
  t.same(res.json.client.sessions.map((s: any) => s.id), [SESS_A], 'expired sessions stay on the client')
})

t.test('abandon_at: abandoned when it comes first', async (t) => {
  const { mock, call } = mockWith(twoClients({ settings: { session_lifetime: '60d', abandon_after: '30d' } }))
  mock.clock.advance(30 * DAY - 1)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'active')
  mock.clock.advance(1)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'abandoned')
  // An abandoned session cannot be touched back to life.
  assertClerkError(t, await call('POST', path(SESS_A, 'touch')), 400, 'invalid_action_for_session', `Unable to touch session ${SESS_A}`)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'abandoned')
})

t.test('inactivity timeout moves abandon_at with activity (chosen)', async (t) => {
  const { mock, call } = mockWith(twoClients({ settings: { inactivity_timeout: '1h' } }))
  t.equal((await call('GET', path(SESS_A))).json.response.abandon_at, T0 + HOUR)
  mock.clock.advance(HOUR - 1)
  const touched = await call('POST', path(SESS_A, 'touch'))
  t.equal(touched.json.response.abandon_at, T0 + 2 * HOUR - 1)
  t.equal(touched.json.response.expire_at, T0 + 7 * DAY, 'expire_at unmoved')
  mock.clock.advance(HOUR - 1)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'active')
  mock.clock.advance(1)
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'abandoned')
})

t.test("touch marks activity, makes the session its client's last active one, and never moves expire_at", async (t) => {
  // Ada is a member of org_123: touch checks membership (test/organizations.test.ts has the refusal).
  const { mock, call } = mockWith(twoClients({ organizations: [{ id: 'org_123', name: 'Org 123', members: [{ user_id: ADA }] }] }))
  // A second session on client A, signed in after SESS_A: it is the last active one until the touch.
  const other = mock.createSession({ userId: BOB, clientId: CLIENT_A })
  mock.clock.advance(3 * HOUR)
  const before = await call('GET', '/v1/client', { headers: cookieOf(mock, CLIENT_A) })
  t.equal(before.json.response.last_active_session_id, other.session.id, 'before the touch the other session is the last active one')
  t.equal(before.json.response.updated_at, T0)
  const res = await call('POST', path(SESS_A, 'touch'), { body: 'active_organization_id=org_123&intent=select_org' })
  t.equal(res.status, 200)
  t.equal(res.json.response.last_active_at, T0 + 3 * HOUR)
  t.equal(res.json.response.updated_at, T0 + 3 * HOUR)
  t.equal(res.json.response.expire_at, T0 + 7 * DAY)
  t.equal(res.json.response.abandon_at, T0 + 30 * DAY)
  t.equal(res.json.response.last_active_organization_id, 'org_123')
  t.equal(res.json.client.last_active_session_id, SESS_A, 'the touched session is now the last active one')
  t.equal(res.json.client.updated_at, T0 + 3 * HOUR)
  const after = await call('GET', '/v1/client', { headers: cookieOf(mock, CLIENT_A) })
  t.equal(after.json.response.last_active_session_id, SESS_A, 'and stays so for the next read')
  t.same(
    after.json.response.sessions.map((s: any) => [s.id, s.last_active_at]),
    [
      [SESS_A, T0 + 3 * HOUR],
      [other.session.id, T0],
    ],
    "the other session's activity is untouched",
  )
  const cleared = await call('POST', path(SESS_A, 'touch'), { body: { active_organization_id: '' } })
  t.equal(cleared.json.response.last_active_organization_id, null, "'' selects the personal account")
  const kept = await call('POST', path(SESS_A, 'touch'))
  t.equal(kept.json.response.last_active_organization_id, null)
})

t.test('tokens: fresh JWT, last_active_token, activity (chosen)', async (t) => {
  const { mock, call } = mockWith(twoClients({ jwt_templates: [{ name: 'supabase', claims: { role: 'authenticated' } }] }))
  const other = mock.createSession({ userId: BOB, clientId: CLIENT_A })
  mock.clock.advance(MIN)
  // With the page's Origin as azp: a token the mock would not mint by itself when serving the session.
  const res = await call('POST', path(SESS_A, 'tokens'), { headers: { origin: 'http://localhost:3000' } })
  t.equal(res.status, 200)
  const claims = tokenClaims(t, mock, res.json, { sid: SESS_A, sub: ADA })
  t.equal(claims.iat, (T0 + MIN) / 1000)
  t.equal(claims.nbf, claims.iat - 10)
  t.equal(claims.azp, 'http://localhost:3000')
  // A JWT template's token is not the session token: last_active_token stays the minted one.
  const template = await call('POST', path(SESS_A, 'tokens/supabase'))
  t.equal(template.status, 200)
  t.equal(b64json(template.json.jwt.split('.')[1]).role, 'authenticated')
  const after = await call('GET', path(SESS_A))
  t.same(after.json.response.last_active_token, { object: 'token', jwt: res.json.jwt }, 'the minted token is last_active_token')
  t.equal(after.json.response.last_active_at, T0 + MIN)
  t.equal(after.json.client.last_active_session_id, SESS_A, `a mint is activity: SESS_A, not ${other.session.id}, is the last active session`)
  t.equal(after.json.client.updated_at, T0 + MIN)
})

t.test('every session the mock hands out carries a verifiable last_active_token (REFERENCE §10)', async (t) => {
  const { mock, call } = mockWith()
  // A fixture's signed-in session.
  const seeded = await call('GET', '/v1/client', { headers: cookieOf(mock, CLIENT_A) })
  t.equal(tokenClaims(t, mock, seeded.json.response.sessions[0].last_active_token, { sid: SESS_A, sub: ADA }).iat, T0 / 1000)
  // mock.createSession()
  const created = mock.createSession({ userId: BOB })
  tokenClaims(t, mock, created.session.last_active_token, { sid: created.session.id, sub: BOB })
  t.same(created.client.sessions[0].last_active_token, created.session.last_active_token, 'the same token in the client')
  // POST /__mock/sessions
  const control = await call('POST', '/__mock/sessions', { body: { user_id: ADA, client_id: CLIENT_B } })
  t.equal(control.status, 200)
  tokenClaims(t, mock, control.json.session.last_active_token, { sid: control.json.session.id, sub: ADA })
  // The sign-in helper, answering JSON and redirecting a browser.
  const helper = await call('GET', `/__mock/sign-in?user_id=${BOB}`)
  t.equal(helper.status, 200)
  tokenClaims(t, mock, helper.json.session.last_active_token, { sid: helper.json.session.id, sub: BOB })
  const redirect = await call('GET', `/__mock/sign-in?user_id=${ADA}&redirect_url=/`)
  t.equal(redirect.status, 302)
  const browser = await call('GET', '/v1/client', { headers: { cookie: String(redirect.headers['set-cookie']).split(';')[0] } })
  const signedIn = browser.json.response.sessions[0]
  tokenClaims(t, mock, signedIn.last_active_token, { sid: signedIn.id, sub: ADA })
  // The check bites: another instance's key does not verify these tokens.
  const [h, p, s] = signedIn.last_active_token.jwt.split('.')
  t.notOk(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), mockWith().mock.publicKeyPem, Buffer.from(s, 'base64url')), "another mock's key rejects it")
})

t.test('last_active_token is minted again when it would be stale when served; signed-out sessions keep theirs', async (t) => {
  const { mock, call } = mockWith()
  const get = async () => (await call('GET', path(SESS_A))).json.response.last_active_token
  const first = await get()
  const c1 = tokenClaims(t, mock, first, { sid: SESS_A, sub: ADA })
  t.equal(c1.iat, T0 / 1000)
  t.same(await get(), first, 'served again while fresh: the same token')
  // Fresh until the last millisecond before exp; stale exactly at exp.
  mock.clock.set(c1.exp * 1000 - 1)
  t.same(await get(), first, 'one ms before exp: the same token')
  mock.clock.advance(1)
  const second = await get()
  t.not(second.jwt, first.jwt, 'at exp: a new token')
  const c2 = tokenClaims(t, mock, second, { sid: SESS_A, sub: ADA })
  t.ok(c2.exp > c1.exp, `the new exp ${c2.exp} is later than ${c1.exp}`)
  t.ok(c2.exp * 1000 > mock.clock.now(), 'and in the future')
  // A touch in a later second moves client.updated_at (clerk-js's __client_uat) past the token's iat: minted again.
  mock.clock.advance(1500)
  const touched = await call('POST', path(SESS_A, 'touch'))
  const third = touched.json.response.last_active_token
  t.not(third.jwt, second.jwt, 'after a touch in a later second: a new token')
  const c3 = tokenClaims(t, mock, third, { sid: SESS_A, sub: ADA })
  const clientUat = Math.floor(touched.json.client.updated_at / 1000)
  t.ok(c3.iat >= clientUat, `iat ${c3.iat} >= floor(client.updated_at / 1000) = ${clientUat}`)
  t.ok(c2.iat < clientUat, 'the previous token would have been older than the client')
  // A touch in the same second leaves a token whose iat is that second alone.
  mock.clock.advance(200)
  const sameSecond = await call('POST', path(SESS_A, 'touch'))
  t.equal(Math.floor(sameSecond.json.client.updated_at / 1000), c3.iat)
  t.same(sameSecond.json.response.last_active_token, third, 'a touch within the same second: the same token')
  // Signed out: the last token stays, however stale.
  const ended = await call('POST', path(SESS_A, 'end'))
  t.same(ended.json.response.last_active_token, third, 'the ended session shows its last token')
  mock.clock.advance(10 * MIN)
  t.same(await get(), third, 'an ended session is not minted again past exp')
  // A session signed out before anything served it has none.
  const bobs = (await call('POST', path(SESS_B, 'remove'))).json.response
  t.equal(bobs.status, 'removed')
  t.equal(bobs.last_active_token, null, 'never served while signed in: null')
})

// Mutations seen failing (each reverted): the cache ignoring azp ("touch", "GET /v1/client"); pageOrigin
// without the allowed-origin check (the foreign lines); the sign-in, /v1/me/sessions, touch's client and
// GET /v1/client answers without servedTo (their own lines).
t.test("a served last_active_token names the asking page's Origin as azp (an allowed origin; else the default)", async (t) => {
  const APP = 'http://localhost:3000'
  const OTHER = 'http://localhost:5173'
  const THIRD = 'http://app.test:3000'
  const { mock, call } = mockWith(twoClients(), { allowedOrigins: [THIRD] })
  const azpOf = (token: { jwt: string } | null) => b64json(String(token?.jwt).split('.')[1]).azp

  // A ticket sign-in from the app's page (what the Playwright helper does): the client it answers with.
  const ticket = (await call('POST', '/bapi/v1/sign_in_tokens', { body: { user_id: BOB }, headers: { authorization: 'Bearer sk_test_azp' } })).json.token
  const signIn = await call('POST', '/v1/client/sign_ins', { body: `strategy=ticket&ticket=${ticket}`, headers: { ...cookieOf(mock, CLIENT_A), origin: APP } })
  t.equal(signIn.status, 200, 'signed in', { body: signIn.json })
  const azps = (client: any) => client.sessions.map((s: any) => azpOf(s.last_active_token))
  t.same(azps(signIn.json.client), [APP, APP], 'POST /v1/client/sign_ins: every session of the client names the page')
  const bobs = signIn.json.response.created_session_id

  // Each answer names its own page, re-minting tokens served to another page before.
  const fromApp = async (url: string, origin?: string, method = 'GET') =>
    (await call(method, url, { headers: { ...cookieOf(mock, CLIENT_A), ...(origin === undefined ? {} : { origin }) } })).json
  const touched = await fromApp(path(bobs, 'touch'), OTHER, 'POST')
  t.equal(azpOf(touched.response.last_active_token), OTHER, 'touch: the session')
  t.same(azps(touched.client), [OTHER, OTHER], 'touch: its client')
  t.same(azps((await fromApp('/v1/client', THIRD)).response), [THIRD, THIRD], 'GET /v1/client (an origin in allowedOrigins)')
  t.equal(azpOf((await fromApp(`/v1/me/sessions?_clerk_session_id=${SESS_A}`, APP))[0].last_active_token), APP, 'GET /v1/me/sessions')
  t.same(azps((await fromApp('/v1/client', APP)).response), [APP, APP], 'GET /v1/client')

  // Another page: a token minted for it; each page then keeps getting its own, served from the cache.
  const app = (await fromApp(path(SESS_A), APP)).response.last_active_token
  const other = (await fromApp(path(SESS_A), OTHER)).response.last_active_token
  t.not(other.jwt, app.jwt, 'another origin: a new token')
  t.equal(azpOf(other), OTHER, '… naming that origin')
  t.same((await fromApp(path(SESS_A), OTHER)).response.last_active_token, other, 'the same page again: the same token')
  t.same((await fromApp(path(SESS_A))).response.last_active_token, other, 'no Origin (a server, a same-origin GET): the current token as it is')
  // A foreign page's Origin never becomes a claim, in a served token or a minted one.
  mock.clock.advance(2 * MIN)
  t.equal(azpOf((await fromApp(path(SESS_A), 'https://evil.example')).response.last_active_token), undefined, 'a foreign Origin: a stale token minted again without azp')
  const minted = (await call('POST', path(SESS_A, 'tokens'), { headers: { ...cookieOf(mock, CLIENT_A), origin: 'https://evil.example' } })).json
  t.equal(azpOf(minted), undefined, 'POST …/tokens from a foreign Origin: no azp')
  t.equal(azpOf((await call('POST', path(SESS_A, 'tokens'), { headers: { origin: APP } })).json), APP, 'POST …/tokens from the page: its azp')

  // Without a page, the defaultAzp option.
  const withDefault = mockWith(twoClients(), { defaultAzp: 'http://localhost:4000' })
  t.equal(azpOf((await withDefault.call('GET', path(SESS_A))).json.response.last_active_token), 'http://localhost:4000', 'no Origin: defaultAzp')
  t.equal(azpOf((await withDefault.call('GET', path(SESS_A), { headers: { origin: APP } })).json.response.last_active_token), APP, 'a page: its Origin, not defaultAzp')
})

t.test('end keeps the session on its client as ended', async (t) => {
  const { mock, call } = mockWith()
  mock.clock.advance(MIN)
  const res = await call('POST', path(SESS_A, 'end'))
  t.equal(res.status, 200)
  t.equal(res.json.response.status, 'ended')
  t.equal(res.json.response.updated_at, T0 + MIN)
  t.same(res.json.client.sessions.map((s: any) => [s.id, s.status]), [[SESS_A, 'ended']])
  t.equal(res.json.client.last_active_session_id, null, 'last active session cleared (chosen)')
  t.equal((await call('GET', path(SESS_A))).json.response.status, 'ended')
})

t.test('remove drops the session; every later lookup is 404', async (t) => {
  const { call } = mockWith()
  const res = await call('POST', path(SESS_A, 'remove'))
  t.equal(res.status, 200)
  t.equal(res.json.response.status, 'removed')
  t.same(res.json.client.sessions, [])
  t.equal(res.json.client.last_active_session_id, null)
  const lookups = [['GET', ''], ['POST', 'touch'], ['POST', 'end'], ['POST', 'remove'], ['POST', 'tokens']]
  for (const [verb, action] of lookups) {
    assertClerkError(t, await call(verb, path(SESS_A, action)), 404, 'resource_not_found', `No session was found with id ${SESS_A}`, { message: 'Session not found' })
  }
  t.equal(lookups.length, 5)
})

t.test('remove works on ended and expired sessions too', async (t) => {
  const { mock, call } = mockWith()
  t.equal((await call('POST', path(SESS_A, 'end'))).json.response.status, 'ended')
  t.equal((await call('POST', path(SESS_A, 'remove'))).json.response.status, 'removed')
  mock.clock.advance(8 * DAY)
  t.equal((await call('GET', path(SESS_B))).json.response.status, 'expired')
  const expired = await call('POST', path(SESS_B, 'remove'))
  t.equal(expired.json.response.status, 'removed')
  t.same(expired.json.client.sessions, [])
})

t.test('not allowed: touch/end on a session that is not signed in; tokens are signed_out', async (t) => {
  const { mock, call } = mockWith()
  t.equal((await call('POST', path(SESS_A, 'end'))).status, 200)
  for (const action of ['touch', 'end']) {
    assertClerkError(t, await call('POST', path(SESS_A, action)), 400, 'invalid_action_for_session', `Unable to ${action} session ${SESS_A}`, {
      message: 'Invalid action for user session',
    })
  }
  assertClerkError(t, await call('POST', path(SESS_A, 'tokens')), 401, 'signed_out', 'You are signed out', { message: 'Signed out' })
  mock.clock.advance(7 * DAY)
  assertClerkError(t, await call('POST', path(SESS_B, 'end')), 400, 'invalid_action_for_session', `Unable to end session ${SESS_B}`)
  assertClerkError(t, await call('POST', path(SESS_B, 'touch')), 400, 'invalid_action_for_session', `Unable to touch session ${SESS_B}`)
  assertClerkError(t, await call('POST', path(SESS_B, 'tokens')), 401, 'signed_out', 'You are signed out')
  const state = await call('GET', path(SESS_B))
  t.equal(state.json.response.status, 'expired', 'a refused action changes nothing')
})

t.test('revoke drops the session like remove (chosen), across devices of the same user', async (t) => {
  const { mock, call } = mockWith()
  const other = mock.createSession({ userId: ADA })
  const res = await call('POST', `/v1/me/sessions/${other.session.id}/revoke?_clerk_session_id=${SESS_A}`, {
    headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` },
  })
  t.equal(res.status, 200)
  t.equal(res.json.response.status, 'revoked')
  t.equal(res.json.client.id, CLIENT_A, "the answer carries the caller's client")
  assertClerkError(t, await call('GET', path(other.session.id)), 404, 'resource_not_found', `No session was found with id ${other.session.id}`)
  // Another user's session cannot be revoked.
  const foreign = await call('POST', `/v1/me/sessions/${SESS_B}/revoke?_clerk_session_id=${SESS_A}`, {
    headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` },
  })
  assertClerkError(t, foreign, 404, 'resource_not_found', `No session was found with id ${SESS_B}`)
  t.equal((await call('GET', path(SESS_B))).json.response.status, 'active')
})

t.test('/v1/me/sessions lists the user sessions on every client: oldest created_at first, ties in creation order', async (t) => {
  const id = (c: string) => `sess_${c}${'0'.repeat(25)}`
  // Ids sort against creation order (z, m, c created in that order at one instant), and the oldest
  // session is created last: neither the id nor the creation order alone gives the expected list.
  const [Z, M, C, OLD] = [id('z'), id('m'), id('c'), id('o')]
  const { mock, call } = mockWith(
    twoClients({
      clients: [
        {
          id: CLIENT_A,
          sessions: [
            { id: Z, user_id: ADA, created_at: '-1h' },
            { id: M, user_id: ADA, created_at: '-1h' },
            { id: C, user_id: ADA, created_at: '-1h' },
          ],
        },
        {
          id: CLIENT_B,
          sessions: [
            { id: SESS_B, user_id: BOB },
            { id: OLD, user_id: ADA, created_at: '-2h' },
          ],
        },
      ],
    }),
  )
  mock.clock.advance(MIN)
  const late = mock.createSession({ userId: ADA, clientId: CLIENT_B })
  await call('POST', path(late.session.id, 'end'))
  const cookie = cookieOf(mock, CLIENT_A)
  const all = await call('GET', `/v1/me/sessions?_clerk_session_id=${Z}`, { headers: cookie })
  t.equal(all.status, 200)
  t.ok(Array.isArray(all.json), 'a bare array')
  t.same(
    all.json.map((s: any) => [s.id, s.created_at, s.status]),
    [
      [OLD, T0 - 2 * HOUR, 'active'],
      [Z, T0 - HOUR, 'active'],
      [M, T0 - HOUR, 'active'],
      [C, T0 - HOUR, 'active'],
      [late.session.id, T0 + MIN, 'ended'],
    ],
    'every session of the user still on a client, ended ones too, oldest first, ties in creation order',
  )
  const active = await call('GET', `/v1/me/sessions/active`, { headers: cookie })
  t.same(active.json.map((s: any) => s.id), [OLD, Z, M, C], 'signed-in only; the user is that of the last active session of the client')
  assertClerkError(t, await call('GET', `/v1/me/sessions`), 401, 'signed_out', 'You are signed out')
  const bobs = await call('GET', `/v1/me/sessions?_clerk_session_id=${SESS_B}`)
  t.same(bobs.json.map((s: any) => [s.id, s.user_id]), [[SESS_B, BOB]], 'an anonymous caller names the user by _clerk_session_id')
})

t.test('DELETE /v1/client/sessions removes every session and keeps the client', async (t) => {
  const { mock, call } = mockWith()
  mock.createSession({ userId: BOB, clientId: CLIENT_A })
  const token = mock.clientToken(CLIENT_A)
  const res = await call('POST', '/v1/client/sessions?_method=DELETE', { headers: { cookie: `__client=${token}` } })
  t.equal(res.status, 200)
  t.equal(res.json.response.id, CLIENT_A)
  t.same(res.json.response.sessions, [])
  t.equal(res.json.client, null)
  assertClerkError(t, await call('GET', path(SESS_A)), 404, 'resource_not_found', `No session was found with id ${SESS_A}`)
  const client = await call('GET', '/v1/client', { headers: { cookie: `__client=${token}` } })
  t.equal(client.json.response.id, CLIENT_A, 'the client is still there')
})

t.test('DELETE /v1/client ends every session and destroys the client', async (t) => {
  const { mock, call } = mockWith()
  const token = mock.clientToken(CLIENT_A)
  const res = await call('DELETE', '/v1/client', { headers: { cookie: `__client=${token}` } })
  t.equal(res.status, 200)
  t.equal(res.json.client, null)
  t.same(res.json.response.sessions.map((s: any) => [s.id, s.status]), [[SESS_A, 'ended']])
  t.match(String(res.headers['set-cookie']), /__client=;.*Max-Age=0/)
  const after = await call('GET', '/v1/client', { headers: { cookie: `__client=${token}` } })
  t.equal(after.status, 200)
  t.same(after.json, { response: null, client: null }, 'the old token is a signed-out browser')
  assertClerkError(t, await call('GET', path(SESS_A)), 404, 'resource_not_found', `No session was found with id ${SESS_A}`)
  // No client to delete.
  assertClerkError(t, await call('DELETE', '/v1/client'), 404, 'resource_not_found', 'This request is expecting a client and did not find one')
})

t.test("the embedded user's last_active_at is the user's latest activity, the same on each of their sessions", async (t) => {
  const { mock, call } = mockWith()
  const second = mock.createSession({ userId: ADA, clientId: CLIENT_A })
  mock.clock.advance(MIN)
  await call('POST', path(second.session.id, 'touch'))
  const res = await call('GET', '/v1/client', { headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
  const users = res.json.response.sessions.map((s: any) => s.user.last_active_at)
  t.same(users, [T0 + MIN, T0 + MIN])
  t.equal(res.json.response.sessions[0].last_active_at, T0, "the session's own activity is its own")
})
