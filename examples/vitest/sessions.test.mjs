// A vitest suite against an in-process mock. Run: npx vitest run --root examples/vitest
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startClerkMock } from 'clerk-fapi-mock'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' // a user of the shipped default fixture

describe('sessions against the Clerk mock', () => {
  let mock
  beforeAll(async () => {
    mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
  })
  afterAll(() => mock.stop())
  beforeEach(() => mock.reset())

  it('shows a signed-in browser its client, and nothing once the session is removed', async () => {
    const { session, clientToken } = mock.createSession({ userId: ADA })
    const cookie = { cookie: `__client=${clientToken}` }

    const before = await (await fetch(`${mock.url}/v1/client`, { headers: cookie })).json()
    expect(before.response.sessions).toMatchObject([{ id: session.id, status: 'active', user: { id: ADA } }])

    await fetch(`${mock.url}/v1/client/sessions/${session.id}/remove`, { method: 'POST', headers: cookie })
    const after = await (await fetch(`${mock.url}/v1/client`, { headers: cookie })).json()
    expect(after.response.sessions).toEqual([])
  })

  it('abandons a session after 30 days (the default), even though it expired first', async () => {
    const { session } = mock.createSession({ userId: ADA })
    mock.clock.advance('30d')
    const state = await (await fetch(`${mock.url}/__mock/state`)).json()
    const stored = state.clients.flatMap((c) => c.sessions).find((s) => s.id === session.id)
    // expire_at (7 days) comes first, and a session stays in the state it reached first.
    expect(stored.status).toBe('expired')
    expect(stored.abandon_at - stored.created_at).toBe(30 * 24 * 3600 * 1000)
  })

  it('lets a test make Clerk slow', async () => {
    mock.fail({ path: '/v1/environment', delayMs: 200, times: 1 })
    const started = performance.now()
    await fetch(`${mock.url}/v1/environment`)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })
})
