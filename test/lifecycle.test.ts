/** REFERENCE §4, rule by rule, through the HTTP surface; each time rule on both sides of its boundary. */
import t from 'tap'
import { ADA, BOB, CLIENT_A, CLIENT_B, DAY, HOUR, MIN, SESS_A, SESS_B, T0, mockWith, twoClients } from './helpers/mock.js'

const path = (id: string, action = '') => `/v1/client/sessions/${id}${action ? '/' + action : ''}`

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
  t.equal((await call('POST', path(SESS_A, 'touch'))).status, 400, 'an abandoned session cannot be touched back to life')
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

t.test('touch marks activity and never moves expire_at', async (t) => {
  const { mock, call } = mockWith()
  mock.clock.advance(3 * HOUR)
  const res = await call('POST', path(SESS_A, 'touch'), { body: 'active_organization_id=org_123&intent=select_org' })
  t.equal(res.status, 200)
  t.equal(res.json.response.last_active_at, T0 + 3 * HOUR)
  t.equal(res.json.response.updated_at, T0 + 3 * HOUR)
  t.equal(res.json.response.expire_at, T0 + 7 * DAY)
  t.equal(res.json.response.abandon_at, T0 + 30 * DAY)
  t.equal(res.json.response.last_active_organization_id, 'org_123')
  t.equal(res.json.client.last_active_session_id, SESS_A)
  t.equal(res.json.client.updated_at, T0 + 3 * HOUR)
  const cleared = await call('POST', path(SESS_A, 'touch'), { body: { active_organization_id: '' } })
  t.equal(cleared.json.response.last_active_organization_id, null, "'' selects the personal account")
  const kept = await call('POST', path(SESS_A, 'touch'))
  t.equal(kept.json.response.last_active_organization_id, null)
})

t.test('tokens: fresh JWT, last_active_token, activity (chosen)', async (t) => {
  const { mock, call } = mockWith()
  mock.clock.advance(MIN)
  const res = await call('POST', path(SESS_A, 'tokens'))
  t.equal(res.status, 200)
  t.same(Object.keys(res.json).sort(), ['jwt', 'object'])
  t.equal(res.json.object, 'token')
  const claims = JSON.parse(Buffer.from(res.json.jwt.split('.')[1], 'base64url').toString())
  t.equal(claims.sid, SESS_A)
  t.equal(claims.sub, ADA)
  t.equal(claims.iat, (T0 + MIN) / 1000)
  t.equal(claims.exp, claims.iat + 60)
  t.equal(claims.nbf, claims.iat - 10)
  const after = await call('GET', path(SESS_A))
  t.same(after.json.response.last_active_token, { object: 'token', jwt: res.json.jwt })
  t.equal(after.json.response.last_active_at, T0 + MIN)
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
  for (const [verb, action] of [['GET', ''], ['POST', 'touch'], ['POST', 'end'], ['POST', 'remove'], ['POST', 'tokens']]) {
    const again = await call(verb, path(SESS_A, action))
    t.equal(again.status, 404, `${verb} ${action || 'get'} after remove`)
    t.equal(again.json.errors[0].code, 'resource_not_found')
    t.equal(again.json.errors[0].long_message, `No session was found with id ${SESS_A}`)
  }
})

t.test('remove works on ended and expired sessions too', async (t) => {
  const { mock, call } = mockWith()
  await call('POST', path(SESS_A, 'end'))
  t.equal((await call('POST', path(SESS_A, 'remove'))).json.response.status, 'removed')
  mock.clock.advance(8 * DAY)
  t.equal((await call('POST', path(SESS_B, 'remove'))).json.response.status, 'removed')
})

t.test('not allowed: touch/end on a session that is not signed in; tokens are signed_out', async (t) => {
  const { mock, call } = mockWith()
  await call('POST', path(SESS_A, 'end'))
  for (const action of ['touch', 'end']) {
    const res = await call('POST', path(SESS_A, action))
    t.equal(res.status, 400, `${action} on ended`)
    t.equal(res.json.errors[0].code, 'invalid_action_for_session')
    t.equal(res.json.errors[0].message, 'Invalid action for user session')
    t.equal(res.json.errors[0].long_message, `Unable to ${action} session ${SESS_A}`)
  }
  const token = await call('POST', path(SESS_A, 'tokens'))
  t.equal(token.status, 401)
  t.equal(token.json.errors[0].code, 'signed_out')
  mock.clock.advance(7 * DAY)
  const expiredEnd = await call('POST', path(SESS_B, 'end'))
  t.equal(expiredEnd.status, 400, 'end on expired')
  t.equal((await call('POST', path(SESS_B, 'tokens'))).status, 401, 'tokens on expired')
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
  t.equal((await call('GET', path(other.session.id))).status, 404)
  const foreign = await call('POST', `/v1/me/sessions/${SESS_B}/revoke?_clerk_session_id=${SESS_A}`, {
    headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` },
  })
  t.equal(foreign.status, 404, "another user's session cannot be revoked")
  t.equal((await call('GET', path(SESS_B))).json.response.status, 'active')
})

t.test('/v1/me/sessions lists the user sessions on every client', async (t) => {
  const { mock, call } = mockWith()
  const second = mock.createSession({ userId: ADA })
  mock.clock.advance(MIN)
  const third = mock.createSession({ userId: ADA, clientId: CLIENT_B })
  await call('POST', path(third.session.id, 'end'))
  const cookie = { cookie: `__client=${mock.clientToken(CLIENT_A)}` }
  const all = await call('GET', `/v1/me/sessions?_clerk_session_id=${SESS_A}`, { headers: cookie })
  t.equal(all.status, 200)
  t.ok(Array.isArray(all.json))
  t.same(all.json.map((s: any) => s.id).sort(), [SESS_A, second.session.id, third.session.id].sort())
  const active = await call('GET', `/v1/me/sessions/active`, { headers: cookie })
  t.same(active.json.map((s: any) => s.id).sort(), [SESS_A, second.session.id].sort(), 'defaults to the last active session')
  const anon = await call('GET', `/v1/me/sessions`)
  t.equal(anon.status, 401)
  t.equal(anon.json.errors[0].code, 'signed_out')
  const bobs = await call('GET', `/v1/me/sessions?_clerk_session_id=${SESS_B}`)
  t.same(bobs.json.map((s: any) => s.user_id), [BOB], 'an anonymous caller names the user by _clerk_session_id')
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
  t.equal((await call('GET', path(SESS_A))).status, 404)
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
  t.equal(after.json.response, null, 'the old token is a signed-out browser')
  t.equal((await call('GET', path(SESS_A))).status, 404)
  t.equal((await call('DELETE', '/v1/client')).status, 404, 'no client to delete')
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
