/**
 * The signed-in user on the Frontend API (`/v1/me`), through the real clerk-js (6.40, plain Node):
 * `user.reload()` (what `<UserProfile/>` and every profile change end with), `user.update()`,
 * `user.update({ unsafeMetadata })` / `user.updateMetadata()` (clerk-js 6.40 sends those to
 * `/v1/me/metadata`), each read back through the real `@clerk/backend`; which user a request
 * names (`_clerk_session_id`, else the client's last active session); Clerk's errors; the
 * `user.updated` webhook.
 *
 * Proof that it bites (each mutation in src/http/fapi/me.ts, watched red, then reverted; measured):
 *  1. `GET /v1/me` unregistered (the state before this file): reload fails ("GET is not allowed on
 *     /v1/me", a 405 since PATCH answers the path), 4 tests red (8 failures).
 *  2. `_clerk_session_id` ignored (always the client's last active session): "the session named"
 *     red (Alan answered for Grace's session) and the foreign-session 401 becomes Ada's 200 (5).
 *  3. `PATCH /v1/me` stores nothing (the `core.updateUser` call dropped): update, clearing, the
 *     taken username, the unknown primary address and the webhook (10 s wait for `user.updated`
 *     runs out) all red (11).
 *  4. `/v1/me/metadata` replaces instead of merging (`'replace'`): "deep-merge" red, `layout.density` lost (2).
 *  5. `cleared()` keeps `''` as a name: "an empty last name clears it" red (`''` instead of null) (1).
 *  6. `primary_phone_number_id` no longer refused: the 422 `form_param_unknown` check red (3).
 */
import t from 'tap'
import { createClerkClient } from '@clerk/backend'
import { isClerkAPIResponseError } from '@clerk/shared/error'
import { createClerkMock, startClerkMock, type ClerkMock } from '../src/index.js'
import { rejection } from './helpers/assertions.js'
import { assertClerkError } from './helpers/clerk-error.js'
import { loadNodeClerk, type ClerkInstance } from './helpers/clerk-node.js'
import { injectCaller } from './helpers/mock.js'
import { startReceiver } from './helpers/webhook-receiver.js'

// The shipped fixture: Ada alone on one client, Grace and Alan on another (multi-session).
const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02'
const GRACE = 'user_2aXw9kQpLm3RtYvB7nC4dE5fG6h'
const ALAN = 'user_2bKz8jHqNw4SuXtA6mD3eF7gH9i'
const TWO_USERS = 'client_2dMx6hFoLu6UvYrC4oF1gH9iK1l'
const SESS_GRACE = 'sess_2eNw5gEnKt7VuXqD3pG0hJ8jL2m'
const SESS_ALAN = 'sess_2fOv4fDmJs8WtWpE2qH9iK7kM3n'
const KEY = 'sk_test_me00000000000000000000000000000'

let mock: ClerkMock
const backend = () => createClerkClient({ secretKey: KEY, apiUrl: mock.apiUrl })

t.before(async () => {
  mock = await startClerkMock({ secretKey: KEY })
})
t.teardown(() => mock.stop())
t.beforeEach(() => mock.reset())

async function signedInAda(): Promise<ClerkInstance> {
  const { clientToken } = mock.createSession({ userId: ADA })
  return loadNodeClerk(mock, clientToken)
}

t.test('user.reload() reads /v1/me: a change made on the backend shows up', async (t) => {
  const clerk = await signedInAda()
  t.equal(clerk.user?.firstName, 'Ada')
  await backend().users.updateUser(ADA, { firstName: 'Augusta' })
  t.equal(clerk.user?.firstName, 'Ada', 'clerk-js still holds the user it loaded')
  const reloaded = await clerk.user!.reload()
  t.equal(reloaded.id, ADA)
  t.equal(reloaded.firstName, 'Augusta')
  t.equal(clerk.user?.firstName, 'Augusta', 'the session’s user is the reloaded one')
  t.equal(clerk.user?.primaryEmailAddress?.emailAddress, 'ada@example.com')
})

t.test('user.update({ firstName, lastName, username }) changes the user, as the Backend API reads it', async (t) => {
  const clerk = await signedInAda()
  const updated = await clerk.user!.update({ firstName: 'Augusta', lastName: 'King', username: 'countess' })
  t.equal(updated.firstName, 'Augusta')
  t.equal(updated.fullName, 'Augusta King')
  t.equal(clerk.user?.username, 'countess', 'clerk-js took the answer')
  const stored = await backend().users.getUser(ADA)
  t.same([stored.firstName, stored.lastName, stored.username], ['Augusta', 'King', 'countess'])
})

t.test('an empty last name clears it; a username another user has is Clerk’s form_identifier_exists', async (t) => {
  const clerk = await signedInAda()
  await clerk.user!.update({ lastName: '' })
  t.equal((await backend().users.getUser(ADA)).lastName, null)
  const err = await rejection(clerk.user!.update({ username: 'grace' }))
  t.ok(isClerkAPIResponseError(err), 'a ClerkAPIResponseError')
  t.equal(err.status, 422)
  t.equal(err.errors[0].code, 'form_identifier_exists')
  t.equal(err.errors[0].meta.paramName, 'username')
  t.equal((await backend().users.getUser(ADA)).username, 'ada', 'nothing changed')
})

t.test('update({ unsafeMetadata }) and updateMetadata() deep-merge through /v1/me/metadata', async (t) => {
  const clerk = await signedInAda()
  // clerk-js 6.40 warns that update({ unsafeMetadata }) is deprecated; it works, through /metadata.
  const warn = console.warn
  console.warn = () => {}
  t.teardown(() => void (console.warn = warn))
  await clerk.user!.update({ unsafeMetadata: { theme: 'dark', layout: { density: 'compact' } } })
  t.same((await backend().users.getUser(ADA)).unsafeMetadata, { theme: 'dark', layout: { density: 'compact' } })
  await clerk.user!.updateMetadata({ unsafeMetadata: { layout: { sidebar: true }, theme: null } })
  t.same((await backend().users.getUser(ADA)).unsafeMetadata, { layout: { density: 'compact', sidebar: true } }, 'merged at every level, null deletes')
  t.same(clerk.user?.unsafeMetadata, { layout: { density: 'compact', sidebar: true } })
  const requests = mock.requests.filter((r) => r.path.startsWith('/v1/me'))
  t.ok(requests.some((r) => r.method === 'PATCH' && r.path === '/v1/me/metadata'), 'clerk-js sent the metadata to /v1/me/metadata')
})

t.test('the user is the session _clerk_session_id names, else the client’s last active session’s', async (t) => {
  const call = injectCaller((o) => mock.inject(o))
  const cookie = { cookie: `__client=${mock.clientToken(TWO_USERS)}` }
  t.equal((await call('GET', `/v1/me?_clerk_session_id=${SESS_GRACE}`, { headers: cookie })).json.response.id, GRACE)
  t.equal((await call('GET', `/v1/me?_clerk_session_id=${SESS_ALAN}`, { headers: cookie })).json.response.id, ALAN)
  const client = (await call('GET', '/v1/client', { headers: cookie })).json.response
  const lastActive = client.sessions.find((s: { id: string }) => s.id === client.last_active_session_id).user.id
  const me = (await call('GET', '/v1/me', { headers: cookie })).json
  t.equal(me.response.id, lastActive)
  t.equal(me.client.id, TWO_USERS, 'the answer carries the caller’s client')
  // PATCH acts on the named session's user only.
  await call('PATCH', `/v1/me?_clerk_session_id=${SESS_GRACE}`, { body: 'first_name=Amazing', headers: cookie })
  t.same([(await backend().users.getUser(GRACE)).firstName, (await backend().users.getUser(ALAN)).firstName], ['Amazing', 'Alan'])
})

t.test('signed out, a foreign session, unsafe_metadata on PATCH /v1/me: Clerk’s errors', async (t) => {
  const call = injectCaller((o) => mock.inject(o))
  assertClerkError(t, await call('GET', '/v1/me'), 401, 'signed_out')
  assertClerkError(t, await call('PATCH', '/v1/me', { body: 'first_name=X' }), 401, 'signed_out')
  const ada = { cookie: `__client=${mock.createSession({ userId: ADA }).clientToken}` }
  assertClerkError(t, await call('GET', `/v1/me?_clerk_session_id=${SESS_GRACE}`, { headers: ada }), 401, 'signed_out')
  assertClerkError(t, await call('PATCH', '/v1/me', { body: 'unsafe_metadata=%7B%7D', headers: ada }), 422, 'form_param_unknown')
  assertClerkError(t, await call('PATCH', '/v1/me/metadata', { body: 'unsafe_metadata=%5B1%5D', headers: ada }), 422, 'form_param_format_invalid')
  assertClerkError(t, await call('PATCH', '/v1/me', { body: 'primary_phone_number_id=idn_x', headers: ada }), 422, 'form_param_unknown')
  assertClerkError(t, await call('PATCH', '/v1/me', { body: 'primary_email_address_id=idn_nope', headers: ada }), 422, 'form_param_format_invalid')

  // clerk-js holding a user whose session the backend revoked: reload is refused, not a stale 200.
  const clerk = await signedInAda()
  const user = clerk.user!
  await backend().sessions.revokeSession(clerk.session!.id)
  const err = await rejection(user.reload())
  t.ok(isClerkAPIResponseError(err), 'a ClerkAPIResponseError')
  t.equal(err.status, 401)
})

t.test('user.update() fires user.updated with the new name', async (t) => {
  const receiver = await startReceiver()
  t.teardown(() => receiver.close())
  const hooked = createClerkMock({ webhooks: [{ url: receiver.url, events: ['user.updated'] }] })
  await hooked.start()
  t.teardown(() => hooked.stop())
  const clerk = await loadNodeClerk(hooked, hooked.createSession({ userId: ADA }).clientToken)
  await clerk.user!.update({ firstName: 'Augusta' })
  await hooked.webhooks.settled()
  const events = (await receiver.waitFor(1)).map((r) => JSON.parse(r.body))
  t.same(events.map((e) => [e.type, e.data.id, e.data.first_name]), [['user.updated', ADA, 'Augusta']])
})
