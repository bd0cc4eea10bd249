// A node:test suite against an in-process mock: one mock for the file, reset before each test.
// Run: node --test examples/node-test/sessions.test.mjs
import assert from 'node:assert/strict'
import { after, before, beforeEach, test } from 'node:test'
import { startClerkMock } from 'clerk-fapi-mock'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' // a user of the shipped default fixture

let mock
before(async () => {
  // A frozen clock makes every timestamp in the answers predictable.
  mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
})
after(() => mock.stop())
beforeEach(() => mock.reset())

/** What a browser does: send the client token as the __client cookie. */
const asBrowser = (clientToken) => ({ headers: { cookie: `__client=${clientToken}` } })

test('a new session lasts seven days, then it is expired', async () => {
  const { session, clientToken } = mock.createSession({ userId: ADA })
  const read = async () => (await (await fetch(`${mock.url}/v1/client/sessions/${session.id}`, asBrowser(clientToken))).json()).response

  assert.equal((await read()).status, 'active')
  mock.clock.advance('7d')
  assert.equal((await read()).status, 'expired')
})

test('ending a session keeps it on the client, with status ended', async () => {
  const { session, clientToken } = mock.createSession({ userId: ADA })
  const res = await fetch(`${mock.url}/v1/client/sessions/${session.id}/end`, { method: 'POST', ...asBrowser(clientToken) })
  const { response, client } = await res.json()
  assert.equal(response.status, 'ended')
  assert.deepEqual(
    client.sessions.map((s) => [s.id, s.status]),
    [[session.id, 'ended']],
  )
})

test('a rate-limited request is answered 429 with Retry-After, and the journal shows it', async () => {
  mock.fail({ method: 'GET', path: '/v1/client', status: 429, times: 1, retryAfter: 2 })

  const first = await fetch(`${mock.url}/v1/client`)
  assert.equal(first.status, 429)
  assert.equal(first.headers.get('retry-after'), '2')
  assert.equal((await first.json()).errors[0].code, 'too_many_requests')
  assert.equal((await fetch(`${mock.url}/v1/client`)).status, 200, 'times: 1, so the retry goes through')

  assert.deepEqual(
    mock.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
    ['GET /v1/client 429', 'GET /v1/client 200'],
  )
})
