/**
 * The real `@clerk/backend` (3.25, `createClerkClient({ secretKey, apiUrl })`) against a running
 * mock, for every Backend API call the mock serves; `@clerk/testing`'s `clerkSetup()`; and what the
 * Frontend API (and clerk-js) sees of each change at once.
 *
 * Phone numbers, mutations of src/http/bapi/users.ts tried (red, then reverted; measured): the
 * numbers not passed to the core (7 failures, the sign-in included); the environment rule bypassed
 * (1: the refusal while phone numbers are off). Stayed green, rightly: the list filter back to
 * exact strings (@clerk/backend encodes the `+`; test/bapi/behaviour.test.ts has the raw case).
 */
import t from 'tap'
import { claimsOf, rejection } from '../helpers/assertions.js'
import { createClerkClient, verifyToken } from '@clerk/backend'
import { isClerkAPIResponseError } from '@clerk/shared/error'
import { startClerkMock, type ClerkMock } from '../../src/index.js'
import { loadNodeClerk } from '../helpers/clerk-node.js'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02'
const KEY = 'sk_test_sdk0000000000000000000000000000'


let mock: ClerkMock
const clerk = () => createClerkClient({ secretKey: KEY, apiUrl: mock.apiUrl })

t.before(async () => {
  mock = await startClerkMock({ secretKey: KEY, clock: 'system' })
})
t.teardown(() => mock.stop())
t.beforeEach(() => mock.reset())

const fapi = async (path: string, token: string) => {
  const res = await fetch(`${mock.url}${path}`, { headers: { cookie: `__client=${token}` } })
  return (await res.json()) as any
}

t.test('users: create, get, list with filters, count, update, metadata, delete', async (t) => {
  const api = clerk()
  const created = await api.users.createUser({
    emailAddress: ['hedy@example.com', 'h.lamarr@example.com'],
    password: 'frequency-hopping',
    firstName: 'Hedy',
    lastName: 'Lamarr',
    username: 'hedy',
    externalId: 'ext-hedy',
    publicMetadata: { role: 'inventor' },
    privateMetadata: { clearance: 'top' },
    unsafeMetadata: { theme: 'dark' },
    skipPasswordChecks: true,
  })
  t.match(created.id, /^user_[0-9A-Za-z]{27}$/)
  t.equal(created.primaryEmailAddress?.emailAddress, 'hedy@example.com', 'the first address is the primary one')
  t.same(created.emailAddresses.map((e) => e.emailAddress), ['hedy@example.com', 'h.lamarr@example.com'])
  t.equal(created.passwordEnabled, true)
  t.same(created.privateMetadata, { clearance: 'top' })
  t.equal(created.externalId, 'ext-hedy')

  const got = await api.users.getUser(created.id)
  t.equal(typeof got, 'object', 'a User, not the raw JSON string a charset would give')
  t.equal(got.username, 'hedy')

  const byEmail = await api.users.getUserList({ emailAddress: ['H.LAMARR@example.com'] })
  t.same(byEmail.data.map((u) => u.id), [created.id], 'by any address, case-insensitively')
  t.equal(byEmail.totalCount, 1)
  t.same((await api.users.getUserList({ userId: [created.id, ADA], orderBy: '+created_at' })).data.map((u) => u.id).sort(), [ADA, created.id].sort())
  t.same((await api.users.getUserList({ externalId: ['ext-hedy'] })).data.map((u) => u.id), [created.id])
  t.same((await api.users.getUserList({ username: ['hedy'] })).data.map((u) => u.id), [created.id])
  t.same((await api.users.getUserList({ query: 'lama' })).data.map((u) => u.id), [created.id], 'query: a part of a name')
  const all = await api.users.getUserList({ limit: 2, offset: 1 })
  t.equal(all.data.length, 2, 'limit')
  t.equal(all.totalCount, 5, 'totalCount counts every match, not the page')
  t.equal(await api.users.getCount(), 5)
  t.equal(await api.users.getCount({ query: 'hedy' }), 1)

  const updated = await api.users.updateUser(created.id, { firstName: 'Hedwig', username: 'hedwig' })
  t.equal(updated.firstName, 'Hedwig')
  t.equal(updated.username, 'hedwig')
  // updateUser with metadata: @clerk/backend 3.25 sends it to PUT /users/{id}/metadata (replace).
  const replaced = await api.users.updateUser(created.id, { publicMetadata: { rank: 'patent holder' } })
  t.same(replaced.publicMetadata, { rank: 'patent holder' }, 'replaced, not merged')
  const merged = await api.users.updateUserMetadata(created.id, { publicMetadata: { patents: { first: 'US 2292387' } }, privateMetadata: { clearance: null } as any })
  t.same(merged.publicMetadata, { rank: 'patent holder', patents: { first: 'US 2292387' } }, 'deep merge')
  t.same(merged.privateMetadata, {}, 'null deletes')
  const put = await api.users.replaceUserMetadata(created.id, { unsafeMetadata: {} })
  t.same(put.unsafeMetadata, {})
  t.same(put.publicMetadata, merged.publicMetadata, 'a field left out stays')

  const dup = await rejection(api.users.createUser({ emailAddress: ['Hedy@Example.com'] }))
  t.ok(isClerkAPIResponseError(dup))
  t.equal(dup.status, 422)
  t.equal(dup.errors[0].code, 'form_identifier_exists')
  t.equal(dup.errors[0].meta?.paramName, 'email_address')

  // Typed as a User in 3.25; what arrives is its DeletedObject.
  const deleted = (await api.users.deleteUser(created.id)) as unknown as { id: string; deleted: boolean; object: string }
  t.same({ id: deleted.id, deleted: deleted.deleted, object: deleted.object }, { id: created.id, deleted: true, object: 'user' })
  const gone = await rejection(api.users.getUser(created.id))
  t.equal(gone.status, 404)
  t.equal(gone.errors[0].code, 'resource_not_found')
})

t.test('users.createUser({ phoneNumber }): refused while phone numbers are off, taken where they are on; found by getUserList; clerk-js signs in with it', async (t) => {
  // The shipped fixture has no phone numbers, so they are off (the mock.createUser rule).
  const off = await rejection(clerk().users.createUser({ emailAddress: ['off@example.com'], phoneNumber: ['+15555550100'] }))
  t.ok(isClerkAPIResponseError(off))
  t.equal(off.status, 422)
  t.equal(off.errors[0].code, 'form_param_format_invalid')
  t.equal(off.errors[0].meta?.paramName, 'phone_number')
  t.match(off.errors[0].longMessage, /phone numbers are off/)

  // A fixture user with a phone turns them on (sign-in by phone code included).
  const phones = await startClerkMock({ secretKey: KEY, fixtures: { users: [{ id: 'user_grace0000000000000000000000', email_address: 'grace@example.com', phone_number: '+15555550123' }] } })
  t.teardown(() => phones.stop())
  const api = createClerkClient({ secretKey: KEY, apiUrl: phones.apiUrl })
  const hedy = await api.users.createUser({ emailAddress: ['hedy@example.com'], phoneNumber: ['+15555550100', '+447700900123'] })
  t.same(hedy.phoneNumbers.map((p) => p.phoneNumber), ['+15555550100', '+447700900123'])
  t.equal(hedy.primaryPhoneNumber?.phoneNumber, '+15555550100', 'the first is the primary one')
  t.equal(hedy.primaryPhoneNumber?.verification?.status, 'verified')
  const found = await api.users.getUserList({ phoneNumber: ['+447700900123'] })
  t.same(found.data.map((u) => u.id), [hedy.id])
  t.equal(found.totalCount, 1)
  t.equal(await api.users.getCount({ phoneNumber: ['+15555550100', '+15555550123'] }), 2)
  const taken = await rejection(api.users.createUser({ phoneNumber: ['+15555550123'] }))
  t.equal(taken.errors[0].code, 'form_identifier_exists')
  t.equal(taken.errors[0].meta?.paramName, 'phone_number')

  const browser = await loadNodeClerk(phones)
  const signIn = await browser.client!.signIn.create({ identifier: '+447700900123' })
  await signIn.prepareFirstFactor({ strategy: 'phone_code', phoneNumberId: hedy.phoneNumbers[1].id })
  const done = await signIn.attemptFirstFactor({ strategy: 'phone_code', code: '424242' })
  t.equal(done.status, 'complete')
  await browser.setActive({ session: done.createdSessionId })
  t.equal(browser.user?.id, hedy.id, 'signed in as the user the Backend API made')
})

t.test('sessions: create (a new client), list, get, tokens and template tokens, revoke; FAPI and clerk-js see the revoke at once', async (t) => {
  const api = clerk()
  const session = await api.sessions.createSession({ userId: ADA })
  t.equal(session.status, 'active')
  t.equal(session.userId, ADA)
  const client = await api.clients.getClient(session.clientId)
  t.same(client.sessionIds, [session.id], 'on a client of its own')

  const list = await api.sessions.getSessionList({ userId: ADA })
  t.ok(list.data.some((s) => s.id === session.id))
  t.equal(list.data[0].id, session.id, 'newest first')
  t.equal(list.totalCount, list.data.length)
  t.same((await api.sessions.getSessionList({ clientId: session.clientId, status: 'active' })).data.map((s) => s.id), [session.id])
  t.equal((await api.sessions.getSession(session.id)).id, session.id)

  const token = await api.sessions.getToken(session.id)
  const claims = await verifyToken(token.jwt, { secretKey: KEY, apiUrl: mock.apiUrl })
  t.equal(claims.sid, session.id, "verified with the JWKS under the Backend API's URL")
  const long = await api.sessions.getToken(session.id, undefined, 600)
  t.equal(claimsOf(long.jwt).exp - claimsOf(long.jwt).iat, 600, 'expires_in_seconds')
  const tpl = await api.sessions.getToken(session.id, 'supabase')
  t.equal(claimsOf(tpl.jwt).role, 'authenticated', 'the fixture template')
  t.equal((await rejection(api.sessions.getToken(session.id, 'nope'))).status, 404)

  // The browser of that client, through clerk-js and the plain Frontend API.
  const clientToken = mock.clientToken(session.clientId)
  const js = await loadNodeClerk(mock, clientToken)
  t.equal(js.session?.id, session.id, 'clerk-js loads signed in')

  const revoked = await api.sessions.revokeSession(session.id)
  t.equal(revoked.status, 'revoked')
  const seen = await fapi('/v1/client', clientToken)
  t.same(seen.response.sessions, [], "FAPI's next client fetch no longer holds it")
  t.equal(seen.response.last_active_session_id, null)
  await js.client!.reload()
  t.equal(js.client!.sessions.length, 0, "clerk-js's next client fetch shows it gone")
  t.equal((await api.sessions.getSession(session.id)).status, 'revoked', 'the Backend API still sees it, revoked')
  t.equal((await rejection(api.sessions.getToken(session.id))).status, 404, 'no token for a revoked session')
})

t.test('sign-in tokens, testing tokens, clients/verify, handshake payload, JWKS', async (t) => {
  const api = clerk()
  const ticket = await api.signInTokens.createSignInToken({ userId: ADA, expiresInSeconds: 300 })
  t.equal(ticket.status, 'pending')
  t.equal(ticket.userId, ADA)
  t.ok(ticket.token.length >= 32)
  t.match(ticket.url, /\/v1\/tickets\/accept\?ticket=/)
  const revoked = await api.signInTokens.revokeSignInToken(ticket.id)
  t.equal(revoked.status, 'revoked')
  const again = await rejection(api.signInTokens.revokeSignInToken(ticket.id))
  t.equal(again.status, 400)
  t.equal(again.errors[0].code, 'sign_in_token_cannot_be_revoked_code')

  const testing = await api.testingTokens.createTestingToken()
  t.match(testing.token, /^\d+-[A-Za-z0-9_-]+$/)
  // No TestingToken class in @clerk/backend 3.25: the answer arrives as parsed, snake_case.
  const expiresAt = (testing as unknown as { expires_at: number }).expires_at
  t.ok(Number.isInteger(expiresAt) && expiresAt > Date.now() / 1000 && expiresAt < Date.now() / 1000 + 7200, 'expires within two hours, in seconds')

  const { client, clientToken } = mock.createSession({ userId: ADA })
  const verified = await api.clients.verifyClient(clientToken)
  t.equal(verified.id, client.id)
  t.equal((await rejection(api.clients.verifyClient('not-a-token'))).status, 400)

  const unknown = await rejection(api.clients.getHandshakePayload({ nonce: 'nope' }))
  t.equal(unknown.status, 404)

  const jwks = await api.jwks.getJwks()
  t.same(jwks.keys?.map((k) => k.kid), mock.jwks.keys.map((k) => k.kid))
})

t.test('the secret key: only the configured one; errors reach the SDK as Clerk errors', async (t) => {
  const wrong = createClerkClient({ secretKey: 'sk_test_someoneelse', apiUrl: mock.apiUrl })
  const e = await rejection(wrong.users.getUser(ADA))
  t.equal(e.status, 401)
  t.equal(e.errors[0].code, 'clerk_key_invalid')
  t.match(e.clerkTraceId, /^[0-9a-f]{32}$/)

  const open = await startClerkMock()
  t.teardown(() => open.stop())
  const any = createClerkClient({ secretKey: 'sk_live_whatever', apiUrl: open.apiUrl })
  t.equal((await any.users.getUser(ADA)).id, ADA, 'without the option any sk_test_/sk_live_ key works')
  const bogus = await rejection(createClerkClient({ secretKey: 'pk_test_nope', apiUrl: open.apiUrl }).users.getUser(ADA))
  t.equal(bogus.errors[0].code, 'clerk_key_invalid')
})

t.test("@clerk/testing's clerkSetup() gets its testing token from the mock (CLERK_API_URL)", async (t) => {
  const { clerkSetup } = await import('@clerk/testing/playwright')
  const keys = ['CLERK_SECRET_KEY', 'CLERK_PUBLISHABLE_KEY', 'CLERK_API_URL', 'CLERK_TESTING_TOKEN', 'CLERK_FAPI'] as const
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]))
  t.teardown(() => {
    for (const k of keys) if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  })
  for (const k of keys) delete process.env[k]
  process.env.CLERK_SECRET_KEY = KEY
  process.env.CLERK_PUBLISHABLE_KEY = mock.publishableKey
  process.env.CLERK_API_URL = mock.apiUrl
  await mock.inject({ method: 'DELETE', url: '/__mock/requests' })
  await clerkSetup({ dotenv: false })
  t.match(process.env.CLERK_TESTING_TOKEN, /^\d+-/, 'the token came back')
  t.equal(process.env.CLERK_FAPI, new URL(mock.url).host, 'and the Frontend API host from the key')
  t.ok(mock.requests.some((r) => r.method === 'POST' && r.path === '/bapi/v1/testing_tokens' && r.status === 200), 'from the mock, not api.clerk.com')
})
