import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startClerkMock } from 'clerk-fapi-mock'

test('a session expires after seven days', async () => {
  const mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
  const { session } = mock.createSession({ userId: 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' })
  mock.clock.advance('7d')
  const res = await fetch(`${mock.url}/v1/client/sessions/${session.id}`)
  assert.equal((await res.json()).response.status, 'expired')
  await mock.stop()
})
