/**
 * A bounded soak: a long run of realistic traffic through inject(), where every cycle creates a
 * client and sessions, exercises them (reads, touch, tokens, end, remove, bad input, unknown routes)
 * and destroys the client again. Every answer is checked; at the end the state is back to the seed,
 * the journal is at its bound, and memory after a full GC has not grown beyond a stated limit.
 * SOAK_REQUESTS=… changes the length. `npm test` runs the default 20,000 (about 7 s alone, 12 s
 * inside the suite), enough for every answer check and for gross leaks; `npm run soak` (CI runs it
 * after `npm test`) runs the full 100,000, the length the memory bounds below were measured at and
 * the one that catches a slow leak (about 35 s on a 2-core machine; 200,000 passes too).
 */
import t from 'tap'
import { createClerkMock } from '../../src/index.js'
import { MockClock } from '../../src/core/clock.js'
import { DEFAULT_SETTINGS } from '../../src/core/lifecycle.js'
import { ANONYMOUS, Store } from '../../src/core/store.js'
import { InstanceKey } from '../../src/core/tokens.js'
import { ADA, BOB, SESS_A, twoClients } from '../helpers/mock.js'
import { MB, settledMemory } from '../helpers/robustness.js'

const REQUESTS = Number(process.env.SOAK_REQUESTS || 20_000)
// Measured over 100,000 requests: +0.5 to +1.5 MB. The removed sessions that destroyed clients used to
// leave behind (one per cycle, about 30 bytes per request) made it +3 MB; the bound catches that.
const HEAP_LIMIT_MB = 2.5
const RSS_LIMIT_MB = 64

// Longer than tap's 30 s default per file: the soak alone takes most of that on a loaded 2-core machine.
t.setTimeout(240_000)

t.test('regression: destroying a client forgets its removed and revoked sessions too (the soak found them piling up)', async (t) => {
  const store = new Store(new MockClock('2030-01-01T00:00:00Z'), DEFAULT_SETTINGS, new InstanceKey())
  store.addUser({ id: ADA, firstName: null, lastName: null, username: null, emailAddresses: [], primaryEmailAddressId: null, phoneNumbers: [], primaryPhoneNumberId: null, totpSecret: null, backupCodes: [], mfaEnabledAt: null, imageUrl: null, publicMetadata: {}, privateMetadata: {}, unsafeMetadata: {}, externalId: null, passwordHash: null, passwordUpdatedAt: null, createdAt: 0, updatedAt: 0 })
  const { client, session: kept } = store.createSession(ADA)
  const removed = store.createSession(ADA, client.id).session
  const revoked = store.createSession(ADA, client.id).session
  store.remove(ANONYMOUS, removed.id)
  store.revoke(null, revoked.id)
  const ids = [kept.id, removed.id, revoked.id]
  t.equal(store.snapshot().clients[0].sessions.length, 3, 'removed and revoked sessions are kept while their client lives (for /__mock/state)')
  store.destroyClient(client)
  t.same(ids.map((id) => store.clientIdOfSession(id)), [null, null, null], `none of ${ids.join(', ')} is left`)
  t.same(store.snapshot().clients, [])
})

t.test(`soak: ${REQUESTS.toLocaleString('en')} requests, heap growth < ${HEAP_LIMIT_MB} MB and RSS growth < ${RSS_LIMIT_MB} MB after GC`, { timeout: 240_000 }, async (t) => {
  // Ada is a member of org_1, which each cycle's touch selects (touch checks membership).
  const mock = createClerkMock({ fixtures: twoClients({ organizations: [{ id: 'org_1', name: 'Org 1', members: [{ user_id: ADA }] }] }) })
  let sent = 0
  const wrong: string[] = []

  const send = async (method: string, url: string, expect: number, headers: Record<string, string> = {}, payload?: string) => {
    const res = await mock.inject({ method: method as 'GET', url, headers, payload })
    sent++
    if (res.statusCode !== expect && wrong.length < 10) wrong.push(`${method} ${url} → ${res.statusCode} (expected ${expect}): ${res.body.slice(0, 200)}`)
    return res
  }
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const json = { 'content-type': 'application/json' }

  /** One client's life: about 16 requests. `native` clients carry their token in Authorization, browsers in the cookie. */
  async function cycle(i: number) {
    const native = i % 2 === 1
    const created = await send('POST', native ? '/v1/client?_is_native=1' : '/v1/client', 200, native ? { authorization: '' } : {})
    const token = native ? String(created.headers.authorization) : String(created.headers['set-cookie']).split(';')[0].slice('__client='.length)
    const clientId = created.json().response.id as string
    const as = (extra: Record<string, string> = {}) => (native ? { authorization: token, ...extra } : { cookie: `__client=${token}`, ...extra })
    const q = native ? '?_is_native=1' : ''
    const s1 = mock.createSession({ userId: ADA, clientId }).session.id
    const s2 = mock.createSession({ userId: BOB, clientId }).session.id

    await send('GET', `/v1/client${q}`, 200, as())
    await send('GET', `/v1/client/sessions/${s1}${q}`, 200, as())
    await send('POST', `/v1/client/sessions/${s1}/touch${q}`, 200, as(form), 'intent=focus&active_organization_id=org_1')
    // RSA signing is the one costly operation; every eighth cycle mints a token.
    if (i % 8 === 0) await send('POST', `/v1/client/sessions/${s1}/tokens${q}`, 200, as())
    await send('POST', `/v1/client/sessions/${s1}/end`, 200)
    await send('POST', `/v1/client/sessions/${s1}/touch${q}`, 400, as())
    await send('POST', `/v1/client/sessions/${s2}/remove${q}`, 200, as())
    await send('GET', `/v1/client/sessions/${s2}`, 404)
    await send('POST', `/v1/client/sessions/${s1}/touch`, 400, json, '{"intent":')
    await send('GET', `/v1/unknown/${i}`, 404)
    await send('GET', '/v1/environment', 200)
    await send('GET', `/v1/me/sessions?_clerk_session_id=${SESS_A}`, 200)
    await send('GET', `/v1/client/sessions/${SESS_A}?_clerk_js_version=6.40.0&__clerk_api_version=2025-11-10`, 200)
    await send('POST', `/v1/client${q ? `${q}&` : '?'}_method=DELETE`, 200, as())
    // The token is stale now: a signed-out browser (cookie cleared) or a native client without a client.
    await send('GET', `/v1/client${q}`, 200, as())
    await send('GET', `/v1/client/sessions/${s1}${q}`, 401, as())
  }

  const started = performance.now()
  let i = 0
  const warmUntil = Math.floor(REQUESTS * 0.1)
  while (sent < warmUntil) await cycle(i++)
  const base = settledMemory()
  const samples: string[] = []
  let nextSample = sent + REQUESTS / 10
  while (sent < REQUESTS) {
    await cycle(i++)
    if (i % 500 === 0) mock.clock.advance('1m')
    if (sent >= nextSample) {
      const m = settledMemory()
      samples.push(`${Math.round(sent / 1000)}k: heap +${((m.heapUsed - base.heapUsed) / MB).toFixed(1)} MB, rss +${((m.rss - base.rss) / MB).toFixed(1)} MB`)
      nextSample += REQUESTS / 10
    }
  }
  const seconds = (performance.now() - started) / 1000
  const end = settledMemory()

  t.same(wrong, [], 'every answer as expected')
  const state = (await mock.inject({ method: 'GET', url: '/__mock/state' })).json()
  t.equal(state.clients.length, 2, `${i} clients created and destroyed; only the seed's two remain`)
  t.same(
    state.clients.map((c: any) => c.sessions.length),
    [1, 1],
    'and only the seed sessions',
  )
  t.equal(mock.requests.length, 1000, 'the journal stays at its bound')
  const heapGrowth = (end.heapUsed - base.heapUsed) / MB
  const rssGrowth = (end.rss - base.rss) / MB
  t.ok(heapGrowth < HEAP_LIMIT_MB, `heap grew ${heapGrowth.toFixed(1)} MB (< ${HEAP_LIMIT_MB} MB)`)
  t.ok(rssGrowth < RSS_LIMIT_MB, `rss grew ${rssGrowth.toFixed(1)} MB (< ${RSS_LIMIT_MB} MB)`)
  t.pass(`${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s); ${samples.join('; ')}`)
})
