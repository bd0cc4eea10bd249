// The real clerk-js in Node (no DOM) against the mock. loadNodeClerk() installs the native-client
// hooks, keeps clerk-js's BroadcastChannels from holding the process open, and loads clerk-js.
// Run: node --test examples/clerk-js-node/clerk-js-node.test.mjs (it exits when the tests end)
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { loadNodeClerk, startClerkMock } from 'clerk-fapi-mock'

let mock
before(async () => {
  mock = await startClerkMock({ defaultAzp: 'http://localhost:3000' })
})
after(() => mock.stop())

test('clerk-js loads the session a test created, gets a token and ends the session', async () => {
  const { session, clientToken } = mock.createSession({ userId: 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' })
  const clerk = await loadNodeClerk({ publishableKey: mock.publishableKey, proxyUrl: mock.url, clientToken })
  assert.equal(clerk.session?.id, session.id)

  const jwt = await clerk.session.getToken({ skipCache: true })
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())
  assert.equal(claims.sid, session.id)

  await clerk.session.end()
  assert.equal(clerk.session, null)
})
