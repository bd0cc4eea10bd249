/** Shared test helpers: build mocks from small inline fixtures and call them through inject(). */
import { createClerkMock, type ClerkMockOptions } from '../../src/index.js'
import type { Fixture } from '../../src/fixtures/schema.js'

export const T0 = Date.parse('2030-01-01T00:00:00Z')
export const MIN = 60_000
export const HOUR = 60 * MIN
export const DAY = 24 * HOUR

export const ADA = 'user_ada000000000000000000000000'
export const BOB = 'user_bob000000000000000000000000'
export const CLIENT_A = 'client_a0000000000000000000000000'
export const CLIENT_B = 'client_b0000000000000000000000000'
export const SESS_A = 'sess_a0000000000000000000000000'
export const SESS_B = 'sess_b0000000000000000000000000'

/** Ada signed in on client A, Bob on client B; the clock frozen at T0. */
export function twoClients(extra: Partial<Fixture> = {}): Fixture {
  return {
    clock: new Date(T0).toISOString(),
    users: [
      { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com' },
      { id: BOB, first_name: 'Bob', last_name: 'Builder', email_address: 'bob@example.com' },
    ],
    clients: [
      { id: CLIENT_A, sessions: [{ id: SESS_A, user_id: ADA }] },
      { id: CLIENT_B, sessions: [{ id: SESS_B, user_id: BOB }] },
    ],
    ...extra,
  }
}

/** `call(method, url, { body, headers })` over an `inject()`: an object body is sent as JSON, a string as a form; the answer's JSON parsed when it is JSON. */
export function injectCaller(inject: (options: { method: 'GET'; url: string; headers: Record<string, string>; payload?: string }) => Promise<{ statusCode: number; headers: Record<string, unknown>; body: string; json(): any }>) {
  return async (method: string, url: string, init: { body?: string | object; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...init.headers }
    let payload: string | undefined
    if (typeof init.body === 'object') {
      payload = JSON.stringify(init.body)
      headers['content-type'] ??= 'application/json'
    } else if (typeof init.body === 'string') {
      payload = init.body
      headers['content-type'] ??= 'application/x-www-form-urlencoded'
    }
    const res = await inject({ method: method as 'GET', url, headers, payload })
    let json: any = null
    try {
      json = res.json()
    } catch {
      // not JSON; the test decides whether that is a failure
    }
    return { status: res.statusCode, json, headers: res.headers, raw: res }
  }
}

export function mockWith(fixtures: Fixture = twoClients(), options: ClerkMockOptions = {}) {
  const mock = createClerkMock({ fixtures, ...options })
  return { mock, call: injectCaller((o) => mock.inject(o)) }
}
