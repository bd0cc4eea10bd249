/**
 * Webhooks (src/core/webhooks): signing checked by the real `svix` and `@clerk/backend` packages,
 * envelope and payloads against Clerk's webhooks description, delivery order, asynchrony, Svix's
 * retry schedule on the mock clock, replay, the journal bound and clear(). A real receiver on
 * 127.0.0.1 takes every delivery.
 */
import t, { type Test } from 'tap'
import { verifyWebhook } from '@clerk/backend/webhooks'
import { Webhook } from 'svix'
import { MockClock } from '../src/core/clock.js'
import { ClerkError } from '../src/core/errors.js'
import { MockCore } from '../src/core/mock-core.js'
import { loadSeed } from '../src/fixtures/load.js'
import {
  ATTEMPT_TIMEOUT_MS,
  deletedUserData,
  EMITTED_EVENT_TYPES,
  EVENT_TYPES,
  generateSecret,
  RETRY_SCHEDULE_MS,
  sessionEventData,
  sign,
  WebhookConfigError,
  Webhooks,
  type WebhookEndpointSpec,
} from '../src/core/webhooks/index.js'
import { ADA, SESS_A, T0, twoClients } from './helpers/mock.js'
import { deadUrl, startReceiver, type Received, type Receiver } from './helpers/webhook-receiver.js'
import { explain, skipWithoutWebhooksSpec, WebhooksSpec } from './helpers/webhooks-spec.js'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const WALL = { now: () => new MockClock('system').now() }

function setup(t: Test, endpoints: WebhookEndpointSpec[], opts: { limit?: number; clock?: MockClock } = {}) {
  const clock = opts.clock ?? new MockClock(T0)
  const hooks = new Webhooks({ clock, wallClock: WALL, instanceId: 'ins_test', endpoints, limit: opts.limit })
  t.teardown(() => hooks.close())
  return { clock, hooks }
}

async function receiver(t: Test): Promise<Receiver> {
  const r = await startReceiver()
  t.teardown(() => r.close())
  return r
}

/** Polls (real time) until `done()` or 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10))
}

const userData = (id: string) => ({ id, object: 'user' }) as any
const headersOf = (r: Received) => ({ 'svix-id': String(r.headers['svix-id']), 'svix-timestamp': String(r.headers['svix-timestamp']), 'svix-signature': String(r.headers['svix-signature']) })

/** Both verifiers an app would use, on one received request; resolves to what each returned. */
async function verifyBoth(r: Received, secret: string, url = 'http://127.0.0.1/api/webhooks') {
  const svix = new Webhook(secret).verify(r.body, headersOf(r))
  const clerk = await verifyWebhook(new Request(url, { method: 'POST', headers: headersOf(r), body: r.body }), { signingSecret: secret })
  return { svix, clerk }
}

t.test('every delivery verifies with svix and with @clerk/backend verifyWebhook; a wrong secret does not', async (t) => {
  const r = await receiver(t)
  const { hooks } = setup(t, [{ url: r.url, secret: SECRET }])
  hooks.emit('user.created', userData(ADA), { client_ip: '203.0.113.9', user_agent: 'test-agent/1' })
  hooks.emit('user.updated', userData(ADA))
  await hooks.settled()
  t.equal(r.received.length, 2)
  for (const got of r.received) {
    t.equal(got.method, 'POST')
    t.equal(got.path, '/api/webhooks')
    t.match(got.headers['content-type'], /^application\/json/)
    t.match(got.headers['svix-id'], /^msg_[0-9A-Za-z]{27}$/)
    t.match(got.headers['svix-signature'], /^v1,[A-Za-z0-9+/]{43}=$/)
    const { svix, clerk } = await verifyBoth(got, SECRET)
    t.same(svix, JSON.parse(got.body), 'svix returns the body')
    t.same(clerk, JSON.parse(got.body), 'verifyWebhook returns the event')
    t.throws(() => new Webhook(generateSecret()).verify(got.body, headersOf(got)), 'another secret fails svix')
    await t.rejects(verifyWebhook(new Request('http://x/', { method: 'POST', headers: headersOf(got), body: got.body + ' ' }), { signingSecret: SECRET }), /Unable to verify/, 'a changed body fails')
  }
  const first = JSON.parse(r.received[0].body)
  t.same(first.event_attributes, { http_request: { client_ip: '203.0.113.9', user_agent: 'test-agent/1' } })
  t.same(JSON.parse(r.received[1].body).event_attributes, { http_request: { client_ip: '', user_agent: '' } }, 'no request: empty strings')
  t.not(r.received[0].headers['svix-id'], r.received[1].headers['svix-id'], 'a message id per event')
})

t.test('withRequest names the cause of the events emitted inside it, across awaits', async (t) => {
  const r = await receiver(t)
  const { hooks } = setup(t, [{ url: r.url }])
  await hooks.withRequest({ client_ip: '198.51.100.7', user_agent: 'app/2' }, async () => {
    await new Promise((resolve) => setImmediate(resolve))
    hooks.emit('user.created', userData(ADA))
  })
  hooks.emit('user.updated', userData(ADA))
  await hooks.settled()
  t.same(r.received.map((x) => JSON.parse(x.body).event_attributes.http_request), [{ client_ip: '198.51.100.7', user_agent: 'app/2' }, { client_ip: '', user_agent: '' }])
})

t.test('svix-timestamp is real time in seconds (receivers refuse one 5 minutes off theirs); the envelope timestamp is mock time in ms', async (t) => {
  const r = await receiver(t)
  const { hooks } = setup(t, [{ url: r.url, secret: SECRET }])
  const before = Math.floor(WALL.now() / 1000)
  hooks.emit('user.created', userData(ADA))
  await hooks.settled()
  const got = r.received[0]
  const ts = Number(got.headers['svix-timestamp'])
  t.ok(ts >= before && ts <= Math.floor(WALL.now() / 1000), `${ts} is now in seconds`)
  const event = JSON.parse(got.body)
  t.equal(event.timestamp, T0, 'the mock clock (2030), in milliseconds as Clerk sends it')
  t.equal(event.object, 'event')
  t.equal(event.type, 'user.created')
  t.equal(event.instance_id, 'ins_test')
  // Signed with the mock clock's 2030 instead, svix would refuse it: what the wall-clock choice guards.
  const id = String(got.headers['svix-id'])
  const mockTs = Math.floor(T0 / 1000)
  t.throws(() => new Webhook(SECRET).verify(got.body, { 'svix-id': id, 'svix-timestamp': String(mockTs), 'svix-signature': sign(SECRET, id, mockTs, got.body) }), /timestamp too new/i)
})

t.test('payloads are valid against Clerk webhooks description', { skip: skipWithoutWebhooksSpec() }, async (t) => {
  const spec = new WebhooksSpec()
  t.same([...EVENT_TYPES].sort(), spec.eventTypes.sort(), 'EVENT_TYPES is the description’s list')
  const core = new MockCore(loadSeed(twoClients()))
  const user = core.bapiUserJson(core.user(ADA))
  const session = core.bapiSessionJson(core.anySession(SESS_A).session)
  const r = await receiver(t)
  const { hooks } = setup(t, [{ url: r.url }])
  hooks.emit('user.created', user)
  hooks.emit('user.updated', user)
  hooks.emit('user.deleted', deletedUserData(user))
  hooks.emit('user.deleted', deletedUserData({ ...user, external_id: 'ext_1' }))
  for (const type of EMITTED_EVENT_TYPES.filter((x) => x.startsWith('session.'))) {
    hooks.emit(type, sessionEventData({ ...session, status: type === 'session.created' ? 'active' : (type.slice(8) as any) }, user))
  }
  await hooks.settled()
  t.equal(r.received.length, 4 + 5)
  const envelope = spec.schema('WebhookEventPayload')
  for (const got of r.received) {
    const event = JSON.parse(got.body)
    t.ok(envelope(event), `${event.type} envelope: ${explain(envelope.errors)}`)
    if (event.type.startsWith('user.')) {
      const whole = spec.event(event.type)
      t.ok(whole(event), `${event.type} body: ${explain(whole.errors)}`)
      continue
    }
    // Clerk's SessionEventPayload is allOf [Session, { user }], but Session forbids properties it
    // does not list, `user` among them: read strictly, no body (Clerk's own example neither) passes.
    // So the session is checked against Session and its user against User.
    const { user: u, ...rest } = event.data
    const asSession = spec.schema('Session')
    const ok = asSession(rest)
    // Session.status lists no 'pending', though the description has session.pending: that one enum error only.
    const errors = (asSession.errors ?? []).filter((e) => !(event.type === 'session.pending' && e.instancePath === '/status' && e.keyword === 'enum'))
    t.ok(ok || errors.length === 0, `${event.type} session: ${explain(errors)}`)
    const asUser = spec.schema('User')
    t.ok(asUser(u), `${event.type} user: ${explain(asUser.errors)}`)
    t.equal(rest.status, event.type === 'session.created' ? 'active' : event.type.slice(8))
  }
  const deleted = r.received.filter((x) => JSON.parse(x.body).type === 'user.deleted').map((x) => JSON.parse(x.body).data)
  t.same(deleted, [{ object: 'user', id: ADA, deleted: true }, { object: 'user', id: ADA, deleted: true, external_id: 'ext_1' }])
  t.notOk('tasks' in JSON.parse(r.received[4].body).data, 'no tasks: the webhook Session forbids them')
})

t.test('in order per endpoint, one request at a time, and emit never waits for the receiver', async (t) => {
  const slow = await receiver(t)
  const hanging = await receiver(t)
  const { hooks } = setup(t, [{ url: slow.url }, { url: hanging.url }])
  slow.answer(...Array.from({ length: 6 }, () => ({ status: 200, delayMs: 20 })))
  hanging.answer({ status: 200, hang: true })
  const ids = Array.from({ length: 6 }, (_, i) => `user_${i}`)
  for (const id of ids) hooks.emit('user.updated', userData(id))
  t.equal(slow.received.length, 0, 'nothing sent while the emitting operation runs')
  await slow.waitFor(6)
  t.same(slow.received.map((x) => JSON.parse(x.body).data.id), ids, 'the order they were emitted')
  t.same(slow.received.map((x) => x.concurrent), [1, 1, 1, 1, 1, 1], 'never two at once')
  await hanging.waitFor(1)
  t.equal(hanging.received.length, 1, 'the second waits behind the hanging first')
  const succeeded = () => hooks.deliveries().filter((d) => d.url === slow.url && d.status === 'succeeded').length
  await until(() => succeeded() === 6)
  t.equal(succeeded(), 6, 'the slow endpoint is not held up by the hanging one')
  t.equal(hooks.deliveries().filter((d) => d.url === hanging.url && d.attempts.length === 0).length, 6, 'the hanging one has none answered')
})

t.test("retries on Svix's schedule, measured on the mock clock; then failed", async (t) => {
  const r = await receiver(t)
  const { clock, hooks } = setup(t, [{ url: r.url, secret: SECRET }])
  r.answer(...Array.from({ length: 8 }, () => 500))
  hooks.emit('session.created', userData(ADA))
  await hooks.settled()
  t.same(RETRY_SCHEDULE_MS, [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
  for (let i = 1; i < RETRY_SCHEDULE_MS.length; i++) {
    const [d] = hooks.deliveries()
    t.equal(d.status, 'pending')
    t.equal(d.attempts.length, i)
    t.equal(d.next_attempt_at! - d.attempts[i - 1].time, RETRY_SCHEDULE_MS[i], `retry ${i} after ${RETRY_SCHEDULE_MS[i]} ms`)
    clock.advance(RETRY_SCHEDULE_MS[i] - 1)
    await hooks.settled()
    t.equal(hooks.deliveries()[0].attempts.length, i, 'not a millisecond early')
    clock.advance(1)
    await hooks.settled()
  }
  const [d] = hooks.deliveries()
  t.equal(d.attempts.length, 8, 'eight attempts in all')
  t.equal(d.status, 'failed')
  t.equal(d.next_attempt_at, null)
  t.same(d.attempts.map((a) => a.status), Array(8).fill(500))
  clock.advance('30d')
  await hooks.settled()
  t.equal(r.received.length, 8, 'nothing after the last')
  t.same(new Set(r.received.map((x) => x.headers['svix-id'])).size, 1, 'every attempt carries the same svix-id')
  for (const got of r.received) await verifyBoth(got, SECRET) // each attempt is signed afresh and verifies
})

t.test('a retry that succeeds; network errors, 3xx and abort-message', async (t) => {
  const r = await receiver(t)
  const dead = await deadUrl()
  const { clock, hooks } = setup(t, [{ url: r.url }, { url: dead }])
  r.answer({ status: 503, body: 'x'.repeat(5000) }, { status: 302, headers: { location: '/elsewhere' } }, 200)
  hooks.emit('user.created', userData(ADA))
  await hooks.settled()
  clock.advance('5s')
  await hooks.settled()
  clock.advance('5m')
  await hooks.settled()
  const [ok, refused] = hooks.deliveries()
  t.same(ok.attempts.map((a) => a.status), [503, 302, 200], 'a 3xx is a failure, not followed')
  t.equal(ok.status, 'succeeded')
  t.equal(ok.next_attempt_at, null)
  t.equal(ok.attempts[0].response, 'x'.repeat(1024), 'the first 1024 characters of the answer')
  t.equal(r.received.length, 3)
  t.equal(refused.attempts.length, 3, 'a network error is retried too')
  t.same(refused.attempts.map((a) => a.status), [null, null, null])
  t.match(refused.attempts[0].error, /ECONNREFUSED/)
  t.equal(refused.status, 'pending')

  r.answer({ status: 410, headers: { 'webhook-delivery': 'abort-message' }, body: 'gone' })
  hooks.emit('user.updated', userData(ADA))
  await hooks.settled()
  const stopped = hooks.deliveries().find((d) => d.type === 'user.updated' && d.url === r.url)!
  t.equal(stopped.status, 'failed', 'webhook-delivery: abort-message ends the retries')
  t.equal(stopped.attempts[0].response, 'gone', 'the answer body is kept')
  t.ok(ATTEMPT_TIMEOUT_MS === 15_000)
})

t.test('a running clock retries by itself (a real timer), without anyone moving it', { timeout: 30_000 }, async (t) => {
  const r = await receiver(t)
  const { clock, hooks } = setup(t, [{ url: r.url }], { clock: new MockClock('system') })
  t.equal(clock.frozen, false)
  r.answer(500)
  hooks.emit('user.created', userData(ADA))
  await r.waitFor(2)
  t.equal(r.received.length, 2, 'the 5 s retry came on its own')
})

t.test('replay sends one delivery again: same svix-id, a fresh signature; unknown ids are a 404', async (t) => {
  const r = await receiver(t)
  const { clock, hooks } = setup(t, [{ url: r.url, secret: SECRET }])
  hooks.emit('session.ended', userData(ADA))
  await hooks.settled()
  const [d] = hooks.deliveries()
  clock.advance('1h')
  r.answer(500)
  const replayed = hooks.replay(d.id)
  t.equal(replayed.status, 'pending')
  await hooks.settled()
  t.equal(r.received.length, 2)
  t.equal(r.received[1].headers['svix-id'], r.received[0].headers['svix-id'])
  t.equal(r.received[1].body, r.received[0].body, 'the same event')
  await verifyBoth(r.received[1], SECRET)
  const after = hooks.deliveries()[0]
  t.same(after.attempts.map((a) => [a.trigger, a.status]), [['scheduled', 200], ['replay', 500]])
  t.equal(after.attempts[1].time, T0 + 3_600_000, 'at the mock time of the replay')
  t.equal(after.status, 'failed', 'a failed replay is not retried')
  clock.advance('1d')
  await hooks.settled()
  t.equal(r.received.length, 2)
  hooks.replay(d.id)
  await hooks.settled()
  t.equal(hooks.deliveries()[0].status, 'succeeded')
  const err = t.throws(() => hooks.replay('whd_nope')) as ClerkError
  t.ok(err instanceof ClerkError)
  t.equal(err.status, 404)
  t.equal(err.code, 'resource_not_found')
  t.match(err.longMessage, /No webhook delivery was found with id whd_nope/)
})

t.test('the journal keeps the last `limit` deliveries; dropped ones cannot be replayed', async (t) => {
  const r = await receiver(t)
  const { hooks } = setup(t, [{ url: r.url }], { limit: 3 })
  for (let i = 0; i < 8; i++) hooks.emit('user.updated', userData(`user_${i}`))
  const all = hooks.deliveries()
  t.equal(all.length, 3)
  t.same(all.map((d) => d.event && (d.event as any).data.id), ['user_5', 'user_6', 'user_7'], 'the newest, oldest first')
  await hooks.settled()
  t.equal(r.received.length, 8, 'dropped from the journal, still delivered')
  t.throws(() => hooks.replay('whd_x'))
  t.throws(() => new Webhooks({ clock: new MockClock(T0), wallClock: WALL, instanceId: 'ins_x', limit: 0 }), /positive integer/)
})

t.test('clear() drops pending retries and the journal; close() sends nothing more', async (t) => {
  const r = await receiver(t)
  const { clock, hooks } = setup(t, [{ url: r.url }])
  r.answer(500)
  hooks.emit('user.created', userData(ADA))
  await hooks.settled()
  t.equal(hooks.deliveries()[0].status, 'pending')
  hooks.clear()
  t.same(hooks.deliveries(), [])
  clock.advance('1h')
  await hooks.settled()
  t.equal(r.received.length, 1, 'the retry is gone')
  hooks.emit('user.updated', userData(ADA))
  await hooks.settled()
  t.equal(r.received.length, 2, 'endpoints stay after clear()')
  hooks.close()
  t.equal(hooks.emit('user.updated', userData(ADA)), null)
  await hooks.settled()
  t.equal(r.received.length, 2)
})

t.test('clear() during an attempt: the abandoned attempt is neither recorded nor retried', async (t) => {
  const r = await receiver(t)
  const { clock, hooks } = setup(t, [{ url: r.url }])
  r.answer({ status: 200, hang: true })
  hooks.emit('user.created', userData(ADA))
  await r.waitFor(1)
  hooks.clear()
  await hooks.settled()
  clock.advance('1d')
  await hooks.settled()
  t.equal(r.received.length, 1, 'no retry of the aborted attempt')
  t.same(hooks.deliveries(), [])
})

t.test('event filters: exact names, resource wildcards, all by default', async (t) => {
  const a = await receiver(t)
  const b = await receiver(t)
  const c = await receiver(t)
  const { hooks } = setup(t, [{ url: a.url, events: ['session.*'] }, { url: b.url, events: ['user.created', 'session.ended'] }, { url: c.url }])
  t.equal(hooks.wants('organization.created'), true, 'the unfiltered endpoint wants anything')
  for (const type of ['user.created', 'user.updated', 'session.created', 'session.ended'] as const) hooks.emit(type, userData(ADA))
  await hooks.settled()
  const types = (rcv: Receiver) => rcv.received.map((x) => JSON.parse(x.body).type)
  t.same(types(a), ['session.created', 'session.ended'])
  t.same(types(b), ['user.created', 'session.ended'])
  t.same(types(c), ['user.created', 'user.updated', 'session.created', 'session.ended'])
  t.equal(new Set([...a.received, ...b.received, ...c.received].filter((x) => JSON.parse(x.body).type === 'session.ended').map((x) => x.headers['svix-id'])).size, 1, 'one message, one svix-id for every endpoint')
  const only = setup(t, [{ url: a.url, events: ['user.deleted'] }]).hooks
  t.equal(only.wants('user.created'), false)
  t.equal(only.emit('user.created', userData(ADA)), null, 'nobody wants it: nothing queued')
  t.same(only.deliveries(), [])
})

t.test('endpoint configuration: secrets made when absent, bad input is a clear error', async (t) => {
  const { hooks } = setup(t, [{ url: 'https://app.example.com/api/webhooks' }, { url: 'http://127.0.0.1:3000/hook', secret: SECRET, events: ['session.*'] }])
  const [made, given] = hooks.endpointsJson()
  t.match(made.secret, /^whsec_[A-Za-z0-9+/]{32}$/)
  t.not(made.secret, setup(t, [{ url: 'https://app.example.com/' }]).hooks.endpointsJson()[0].secret, 'a new secret per endpoint')
  t.match(made.id, /^ep_[0-9A-Za-z]{27}$/)
  t.same(given, { id: given.id, url: 'http://127.0.0.1:3000/hook', secret: SECRET, events: ['session.*'] })
  t.equal(made.events, null)
  const bad: [unknown, RegExp][] = [
    [[{ url: 'not a url' }], /webhooks\[0\]\.url: "not a url" is not an absolute URL/],
    [[{ url: 'ftp://x/' }], /webhooks\[0\]\.url: "ftp:\/\/x\/" must be http: or https:/],
    [[{}], /webhooks\[0\]\.url: must be the URL/],
    [[{ url: 'http://x/', secret: 'shh' }], /webhooks\[0\]\.secret: must be a Svix signing secret starting with "whsec_"/],
    [[{ url: 'http://x/', secret: 'whsec_c2hvcnQ=' }], /webhooks\[0\]\.secret: .*base64 of 24 to 64 bytes .*got 5 bytes/],
    [[{ url: 'http://x/', events: ['user.create'] }], /webhooks\[0\]\.events\[0\]: "user.create" is not a Clerk event type/],
    [[{ url: 'http://x/', events: ['sesion.*'] }], /webhooks\[0\]\.events\[0\]: "sesion.\*" matches no Clerk event type/],
    [[{ url: 'http://x/', events: 'user.created' }], /webhooks\[0\]\.events: must be a list/],
    [[{ url: 'http://x/', event: ['user.created'] }], /webhooks\[0\]\.event: is not an endpoint field/],
    [[{ url: 'http://x/' }, 'http://y/'], /webhooks\[1\]: must be an object/],
    [{ url: 'http://x/' }, /webhooks: must be a list of endpoints/],
  ]
  for (const [endpoints, message] of bad) {
    const err = t.throws(() => new Webhooks({ clock: new MockClock(T0), wallClock: WALL, instanceId: 'ins_x', endpoints: endpoints as any }), message, JSON.stringify(endpoints))
    if (Array.isArray(endpoints) && err) t.ok(err instanceof WebhookConfigError, 'a WebhookConfigError')
  }
})

// ---- wired into the mock: every face's transitions, the handle, the control API, fixtures, CLI ----

import { startClerkMock, createClerkMock, type ClerkMock } from '../src/index.js'
import { main } from '../src/cli.js'
import { FixtureError } from '../src/fixtures/load.js'
import { BOB, CLIENT_B, SESS_B } from './helpers/mock.js'

const BAPI = (mock: ClerkMock) => ({ authorization: `Bearer ${mock.secretKey}`, 'content-type': 'application/json' })

async function mockWithReceiver(t: Test, extra: { events?: string[]; fixtures?: object } = {}) {
  const r = await receiver(t)
  const mock = await startClerkMock({ fixtures: (extra.fixtures as any) ?? twoClients(), webhooks: [{ url: r.url, secret: SECRET, events: extra.events }] })
  t.teardown(() => mock.stop())
  const events = async () => {
    await mock.webhooks.settled()
    const out: any[] = []
    for (const got of r.received) out.push((await verifyBoth(got, SECRET)).clerk)
    return out
  }
  return { r, mock, events }
}

t.test('every face emits: handle, control API, Frontend API, Backend API, ticket sign-in; each verifies', async (t) => {
  const { r, mock, events } = await mockWithReceiver(t)
  const post = (path: string, body?: object, headers: Record<string, string> = {}) =>
    fetch(mock.url + path, { method: 'POST', headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined })

  const created = mock.createSession({ userId: ADA }) // handle
  const viaControl = await post('/__mock/sessions', { user_id: BOB }).then((x) => x.json() as any) // control API
  t.equal((await post(`/v1/client/sessions/${created.session.id}/end`)).status, 200) // FAPI end
  t.equal((await post(`/v1/client/sessions/${viaControl.session.id}/remove`)).status, 200) // FAPI remove
  t.equal((await post(`/bapi/v1/sessions/${SESS_A}/revoke`, undefined, BAPI(mock))).status, 200) // BAPI revoke
  const user = await post('/bapi/v1/users', { email_address: ['grace@example.com'], first_name: 'Grace' }, BAPI(mock)).then((x) => x.json() as any)
  const patch = await fetch(`${mock.apiUrl}/v1/users/${user.id}`, { method: 'PATCH', headers: BAPI(mock), body: JSON.stringify({ last_name: 'Hopper' }) })
  t.equal(patch.status, 200)
  t.equal((await fetch(`${mock.apiUrl}/v1/users/${user.id}/metadata`, { method: 'PATCH', headers: BAPI(mock), body: JSON.stringify({ public_metadata: { plan: 'pro' } }) })).status, 200)
  const ticket = await post('/bapi/v1/sign_in_tokens', { user_id: user.id }, BAPI(mock)).then((x) => x.json() as any)
  const signIn = await fetch(`${mock.url}/v1/client/sign_ins?_is_native=1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `strategy=ticket&ticket=${ticket.token}` })
  t.equal(signIn.status, 200, 'ticket sign-in')
  t.equal((await fetch(`${mock.apiUrl}/v1/users/${user.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${mock.secretKey}` } })).status, 200)

  const got = await events()
  t.same(
    got.map((e: any) => `${e.type} ${e.data.id === user.id || e.data.user_id === user.id ? 'grace' : e.data.id ?? ''}`.trim()),
    [
      `session.created ${created.session.id}`,
      `session.created ${viaControl.session.id}`,
      `session.ended ${created.session.id}`,
      `session.removed ${viaControl.session.id}`,
      `session.revoked ${SESS_A}`,
      'user.created grace',
      'user.updated grace',
      'user.updated grace',
      'session.created grace',
      'session.revoked grace',
      'user.deleted grace',
    ],
  )
  const byType = (type: string) => got.filter((e: any) => e.type === type)
  t.equal(byType('user.updated')[0].data.last_name, 'Hopper', 'the user as it was after that change')
  t.same(byType('user.updated')[1].data.public_metadata, { plan: 'pro' })
  t.equal(byType('session.ended')[0].data.status, 'ended')
  t.equal(byType('session.revoked')[0].data.user.id, ADA, 'session events carry the user')
  t.same(got.at(-1).data, { object: 'user', id: user.id, deleted: true })
  t.equal(got[0].timestamp, T0)
  t.equal(got[0].instance_id, mock.jwks.keys[0].kid, "the instance's ins_ id")
  t.equal(r.received.length, 11)
})

t.test('client-wide sign-outs: DELETE /v1/client/sessions removes each, DELETE /v1/client ends each signed-in one', async (t) => {
  const { mock, events } = await mockWithReceiver(t, { events: ['session.*'] })
  mock.createSession({ userId: BOB, clientId: CLIENT_B })
  const cookie = (id: string) => ({ cookie: `__client=${mock.clientToken(id)}` })
  t.equal((await fetch(`${mock.url}/v1/client/sessions`, { method: 'DELETE', headers: cookie(CLIENT_B) })).status, 200)
  const ended = mock.createSession({ userId: ADA })
  t.equal((await fetch(`${mock.url}/v1/client/sessions/${ended.session.id}/end`, { method: 'POST' })).status, 200)
  const live = mock.createSession({ userId: ADA, clientId: ended.client.id })
  const token = mock.clientToken(ended.client.id)
  t.equal((await fetch(`${mock.url}/v1/client`, { method: 'DELETE', headers: { cookie: `__client=${token}` } })).status, 200)
  const got = (await events()).map((e: any) => `${e.type} ${e.data.id}`)
  t.same(got.slice(0, 3).sort(), [`session.created ${got[0].split(' ')[1]}`, `session.removed ${SESS_B}`, `session.removed ${got[0].split(' ')[1]}`].sort())
  t.same(got.slice(3), [`session.created ${ended.session.id}`, `session.ended ${ended.session.id}`, `session.created ${live.session.id}`, `session.ended ${live.session.id}`], 'only the signed-in one ends with the client')
})

t.test('no event for a session that expires or is abandoned by time; filters apply', async (t) => {
  const { mock, events } = await mockWithReceiver(t, { events: ['session.ended', 'session.removed'] })
  mock.createSession({ userId: ADA })
  mock.clock.advance('40d')
  const state = await fetch(`${mock.url}/__mock/state`).then((x) => x.json() as any)
  t.ok(state.clients.flatMap((c: any) => c.sessions).every((s: any) => s.status === 'expired' || s.status === 'abandoned'), 'every session expired by time')
  t.same(await events(), [], 'nothing sent: not the created (filtered out) nor the expiry')
})

t.test('the handle: endpoints with secrets, deliveries, a clock move runs a due retry, reset() clears, stop() ends', async (t) => {
  const r = await receiver(t)
  const mock = await startClerkMock({ fixtures: twoClients(), webhooks: [{ url: r.url }, { url: r.url + '?second', events: ['user.*'] }] })
  t.teardown(() => mock.stop())
  const [a, b] = mock.webhooks.endpoints
  t.match(a.secret, /^whsec_/)
  t.not(a.secret, b.secret)
  t.same(b.events, ['user.*'])
  r.answer(500)
  mock.createSession({ userId: ADA })
  await mock.webhooks.settled()
  t.equal(mock.webhooks.deliveries.length, 1)
  t.equal(mock.webhooks.deliveries[0].status, 'pending')
  mock.clock.advance('5s') // no settled(): the move itself makes the retry due
  await r.waitFor(2)
  await mock.webhooks.settled()
  t.equal(mock.webhooks.deliveries[0].status, 'succeeded')
  await verifyBoth(r.received[1], a.secret)
  const replayed = mock.webhooks.replay(mock.webhooks.deliveries[0].id)
  t.equal(replayed.status, 'pending')
  await mock.webhooks.settled()
  t.equal(r.received.length, 3)

  r.answer(500)
  mock.createSession({ userId: BOB })
  await mock.webhooks.settled()
  t.equal(mock.webhooks.deliveries.at(-1)!.status, 'pending')
  mock.reset()
  t.same(mock.webhooks.deliveries, [], 'reset empties the journal')
  mock.clock.advance('1h')
  await mock.webhooks.settled()
  t.equal(r.received.length, 4, 'and drops the pending retry')
  t.same(mock.webhooks.endpoints, [a, b], 'endpoints and secrets survive reset')
  mock.createSession({ userId: ADA })
  await mock.webhooks.settled()
  t.equal(r.received.length, 5)
  const last = mock.webhooks.deliveries.at(-1)!
  await mock.stop()
  // A stopped mock sends nothing, though its handle can still be driven in-process.
  mock.createSession({ userId: BOB })
  await mock.webhooks.settled()
  t.equal(r.received.length, 5, 'nothing after stop()')
  t.throws(() => mock.webhooks.replay(last.id), /This mock has been stopped/)
  t.equal(mock.webhooks.deliveries.at(-1)!.id, last.id, 'the journal stays readable')
})

t.test('control API: GET /__mock/webhooks (?settled=true waits), POST /__mock/webhooks/ID/replay, control rules', async (t) => {
  const { r, mock } = await mockWithReceiver(t)
  r.answer({ status: 200, delayMs: 100 })
  mock.createSession({ userId: ADA })
  const listed = await fetch(`${mock.url}/__mock/webhooks?settled=true`).then((x) => x.json() as any)
  t.equal(listed.deliveries.length, 1)
  t.equal(listed.deliveries[0].status, 'succeeded', 'answered after the delivery settled')
  t.same(listed.endpoints, mock.webhooks.endpoints)
  t.equal(listed.deliveries[0].event.type, 'session.created')
  t.same(Object.keys(listed.deliveries[0]).sort(), ['attempts', 'created_at', 'endpoint_id', 'event', 'id', 'next_attempt_at', 'status', 'svix_id', 'type', 'url'])
  const id = listed.deliveries[0].id
  const replay = await fetch(`${mock.url}/__mock/webhooks/${id}/replay`, { method: 'POST' })
  t.equal(replay.status, 200)
  t.equal(((await replay.json()) as any).delivery.id, id)
  const withBody = await fetch(`${mock.url}/__mock/webhooks/${id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(withBody.status, 200, '{} is no parameters')
  await mock.webhooks.settled()
  t.equal(r.received.length, 3)
  const unknown = await fetch(`${mock.url}/__mock/webhooks/whd_nope/replay`, { method: 'POST' })
  t.equal(unknown.status, 404)
  t.equal(((await unknown.json()) as any).errors[0].code, 'resource_not_found')
  const form = await fetch(`${mock.url}/__mock/webhooks/${id}/replay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' })
  t.equal(form.status, 415, 'JSON bodies only, as every control mutation')
  const extra = await fetch(`${mock.url}/__mock/webhooks/${id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' })
  t.equal(extra.status, 400)
  t.equal(((await extra.json()) as any).errors[0].code, 'control_input_invalid')
  const badQuery = await fetch(`${mock.url}/__mock/webhooks?wait=1`)
  t.equal(badQuery.status, 400)
  t.equal((await fetch(`${mock.url}/__mock/reset`, { method: 'POST' })).status, 200)
  t.same(((await fetch(`${mock.url}/__mock/webhooks`).then((x) => x.json())) as any).deliveries, [], 'POST /__mock/reset clears the journal')
})

t.test('fixtures: a webhooks key; the option replaces it; bad entries name their JSON path', async (t) => {
  const r = await receiver(t)
  const fixtures = twoClients({ webhooks: [{ url: r.url, secret: SECRET, events: ['session.created'] }] } as any)
  const fromFixture = createClerkMock({ fixtures })
  t.same(fromFixture.webhooks.endpoints.map((e) => [e.url, e.secret, e.events]), [[r.url, SECRET, ['session.created']]])
  fromFixture.createSession({ userId: ADA })
  await fromFixture.webhooks.settled()
  t.equal(r.received.length, 1)
  await verifyBoth(r.received[0], SECRET)
  await fromFixture.stop()
  const replaced = createClerkMock({ fixtures, webhooks: [] })
  t.same(replaced.webhooks.endpoints, [], 'the option wins')
  const bad: [object, RegExp][] = [
    [{ webhooks: [{ url: 'nope' }] }, /\(fixtures object\): \$\.webhooks\[0\]\.url: "nope" is not an absolute URL/],
    [{ webhooks: [{ url: 'http://x/', events: ['user.create'] }] }, /\$\.webhooks\[0\]\.events\[0\]: "user\.create" is not a Clerk event type/],
    [{ webhooks: [{ url: 'http://x/', secret: 'nope' }] }, /\$\.webhooks\[0\]\.secret/],
    [{ webhooks: [{ url: 'http://x/', extra: 1 }] }, /\$\.webhooks\[0\]/],
  ]
  for (const [extra, message] of bad) {
    const err = t.throws(() => createClerkMock({ fixtures: twoClients(extra as any) }), message)
    t.ok(err instanceof FixtureError, 'a FixtureError')
  }
  t.throws(() => createClerkMock({ fixtures: twoClients(), webhooks: [{ url: 'ftp://x/' }] }), /webhooks\[0\]\.url: "ftp:\/\/x\/" must be http: or https:/, 'the option: named as the option')
})

/** Runs the CLI in-process until its first stdout line, then stops it. */
async function cliStart(args: string[]) {
  let out = ''
  let err = ''
  let stop!: () => void
  const stopSignal = new Promise<void>((resolve) => (stop = resolve))
  let line!: (l: string) => void
  const first = new Promise<string>((resolve) => (line = resolve))
  const done = main(['--port', '0', ...args], {
    stdout: { write: (c: string) => ((out += c), out.includes('\n') && line(out.split('\n')[0])) },
    stderr: { write: (c: string) => (err += c) },
    env: {},
    stopSignal,
  })
  return { first: Promise.race([first, done.then((code) => `exit ${code}: ${err}`)]), done, stop, out: () => out, err: () => err }
}

t.test('CLI: --webhook (repeatable) and --webhook-secret; shown in --json and the start lines; bad flags are usage errors', async (t) => {
  const r = await receiver(t)
  const run = await cliStart(['--json', '--clock', '2030-01-01T00:00:00Z', '--webhook', r.url, '--webhook', r.url + '?2', '--webhook-secret', SECRET])
  const info = JSON.parse(await run.first)
  t.same(info.webhooks, [{ url: r.url, secret: SECRET, events: null }, { url: r.url + '?2', secret: SECRET, events: null }])
  const made0 = await fetch(`${info.url}/__mock/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' }) })
  t.equal(made0.status, 200)
  await fetch(`${info.url}/__mock/webhooks?settled=true`)
  t.equal(r.received.length, 2, 'one event, two endpoints')
  for (const got of r.received) await verifyBoth(got, SECRET)
  run.stop()
  t.equal(await run.done, 0)
  t.match(run.out(), `Webhook: ${r.url} (every event), signing secret ${SECRET}\n`)

  const made = await cliStart(['--json', '--webhook', r.url])
  const made1 = JSON.parse(await made.first)
  t.match(made1.webhooks[0].secret, /^whsec_[A-Za-z0-9+/]{32}$/, 'a secret is made and printed')
  made.stop()
  await made.done
  const plain = await cliStart(['--json'])
  t.notOk('webhooks' in JSON.parse(await plain.first), 'no endpoints: no key (the line keeps its shape)')
  plain.stop()
  await plain.done

  for (const [args, message] of [
    [['--webhook', 'nope'], /--webhook: "nope" is not an absolute URL/],
    [['--webhook', 'ftp://x/'], /--webhook: "ftp:\/\/x\/" must be http: or https:/],
    [['--webhook', r.url, '--webhook-secret', 'abc'], /--webhook-secret: must be a Svix signing secret/],
    [['--webhook-secret', SECRET], /--webhook-secret is the secret of --webhook endpoints/],
  ] as [string[], RegExp][]) {
    const bad = await cliStart(args)
    t.equal(await bad.done, 2, args.join(' '))
    t.match(bad.err(), message)
  }
})

t.test('CLI -- command: CLERK_WEBHOOK_SIGNING_SECRET is the endpoint secret', async (t) => {
  const r = await receiver(t)
  const check = `process.exit(process.env.CLERK_WEBHOOK_SIGNING_SECRET === ${JSON.stringify(SECRET)} ? 0 : 3)`
  const code = await main(['--port', '0', '--quiet', '--webhook', r.url, '--webhook-secret', SECRET, '--', process.execPath, '-e', check], {
    stdout: { write: () => true },
    stderr: { write: () => true },
    env: {},
  })
  t.equal(code, 0, 'the command saw the secret')
})

// Mutations watched failing here: the core not emitting sms.created; smsEventData without created_at_ms (the description requires it).
t.test('email.created and sms.created: each code the mock records, valid against the description, signed; users with phone numbers and TOTP too', { skip: skipWithoutWebhooksSpec() }, async (t) => {
  const fixtures = twoClients()
  fixtures.users![0] = { ...fixtures.users![0], password: 'ada-password', phone_number: '+15555550100', totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DP', backup_codes: ['b-1'] }
  const { mock, events } = await mockWithReceiver(t, { fixtures, events: ['email.created', 'sms.created', 'user.created'] })
  const form = (path: string, body: string) => fetch(mock.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }).then((x) => x.json() as any)
  const byEmail = await form('/v1/client/sign_ins', 'strategy=email_code&identifier=ada%40example.com')
  const byPhone = await form('/v1/client/sign_ins', 'strategy=phone_code&identifier=%2B15555550100')
  t.equal(byEmail.response.status, 'needs_first_factor')
  t.equal(byPhone.response.status, 'needs_first_factor')
  mock.createUser({ emailAddress: 'grace@example.com', phoneNumber: '+15555550111' })
  const got = await events()
  t.same(got.map((e: any) => e.type), ['email.created', 'sms.created', 'user.created'])
  const [email, sms] = got
  const [m1, m2] = mock.messages
  t.match(email.data, { object: 'email', id: m1.id, to_email_address: 'ada@example.com', user_id: ADA, email_address_id: m1.identification_id, data: { otp_code: '424242' }, delivered_by_clerk: false, slug: 'verification_code' })
  t.match(sms.data, { object: 'sms_message', id: m2.id, to_phone_number: '+15555550100', user_id: ADA, phone_number_id: m2.identification_id, data: { otp_code: '424242' }, created_at_ms: T0 })
  const spec = new WebhooksSpec()
  for (const event of got) {
    const whole = spec.event(event.type)
    t.ok(whole(event), `${event.type} body: ${explain(whole.errors)}`)
  }
  // A user with a phone number, TOTP and backup codes, as user.* events carry it (the Backend API's user).
  const asUser = spec.schema('User')
  const ada = await fetch(`${mock.apiUrl}/v1/users/${ADA}`, { headers: BAPI(mock) }).then((x) => x.json() as any)
  t.match(ada, { totp_enabled: true, backup_code_enabled: true, two_factor_enabled: true, phone_numbers: [{ phone_number: '+15555550100' }] })
  t.ok(asUser(ada), `a user with a phone number: ${explain(asUser.errors)}`)
})
