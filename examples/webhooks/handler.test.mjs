// Testing an app's Clerk webhook handler against the mock: the real route, its real signature check.
// Run: node --test examples/webhooks/handler.test.mjs
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, beforeEach, test } from 'node:test'
import express from 'express'
import { verifyWebhook } from '@clerk/express/webhooks'
import { startClerkMock } from 'clerk-fapi-mock'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' // a user of the shipped default fixture
// Any whsec_ secret: the mock signs with it, the handler reads it as in production.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
process.env.CLERK_WEBHOOK_SIGNING_SECRET = SECRET

// The app's handler, unchanged for the test. The raw body: the signature is over the bytes sent.
const emails = new Map()
let failNext = false
const app = express()
app.post('/api/webhooks', express.raw({ type: 'application/json' }), async (req, res) => {
  let evt
  try {
    evt = await verifyWebhook(req)
  } catch {
    return res.status(400).send('Webhook verification failed')
  }
  if (failNext) {
    failNext = false
    return res.status(503).send('database down')
  }
  if (evt.type === 'user.created') emails.set(evt.data.id, evt.data.email_addresses[0]?.email_address)
  if (evt.type === 'user.deleted') emails.delete(evt.data.id)
  res.send('ok')
})

let server
let mock
before(async () => {
  server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  mock = await startClerkMock({
    clock: '2030-01-01T00:00:00Z',
    webhooks: [{ url: `http://127.0.0.1:${server.address().port}/api/webhooks`, secret: SECRET }],
  })
})
after(async () => {
  await mock.stop()
  server.close()
})
beforeEach(() => {
  mock.reset() // also drops the deliveries and any pending retry
  emails.clear()
})

const bapi = (path, method, body) =>
  fetch(`${mock.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${mock.secretKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })

test('user.created and user.deleted reach the handler and pass its signature check', async () => {
  const user = await (await bapi('/v1/users', 'POST', { email_address: ['hedy@example.com'] })).json()
  await mock.webhooks.settled()
  assert.equal(emails.get(user.id), 'hedy@example.com')

  await bapi(`/v1/users/${user.id}`, 'DELETE')
  await mock.webhooks.settled()
  assert.equal(emails.has(user.id), false)
})

test('session.created and session.ended are accepted', async () => {
  const { session } = mock.createSession({ userId: ADA })
  await fetch(`${mock.url}/v1/client/sessions/${session.id}/end`, { method: 'POST' })
  await mock.webhooks.settled()
  assert.deepEqual(
    mock.webhooks.deliveries.map((d) => [d.type, d.status, d.attempts.map((a) => a.status)]),
    [
      ['session.created', 'succeeded', [200]],
      ['session.ended', 'succeeded', [200]],
    ],
  )
})

test("a failed delivery is retried on Svix's schedule, on the mock clock", async () => {
  failNext = true
  mock.createSession({ userId: ADA })
  await mock.webhooks.settled()
  const [first] = mock.webhooks.deliveries
  assert.equal(first.status, 'pending')
  assert.equal(first.attempts[0].response, 'database down')

  mock.clock.advance('5s') // Svix's first retry
  await mock.webhooks.settled()
  assert.deepEqual(mock.webhooks.deliveries[0].attempts.map((a) => a.status), [503, 200])
})
