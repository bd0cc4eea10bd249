/**
 * Model-based property tests: random sequences of session operations and clock moves, driven through
 * HTTP inject() as anonymous callers, as the owning client (cookie or native header) and as another
 * client, checked at every step against a small reference model of REFERENCE §4/§5 written from the
 * rules (it imports nothing from src/). After every command the whole observable state (each client
 * through its own cookie, each session anonymously, the clock) must equal the model's.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import { ADA, BOB, CLIENT_A, CLIENT_B, DAY, HOUR, MIN, SESS_A, SESS_B, T0, mockWith, twoClients } from '../helpers/mock.js'
import { fcParams } from '../helpers/robustness.js'

// ---- the reference model ---------------------------------------------------------------------

type Stored = 'active' | 'ended' | 'removed' | 'revoked'
type Status = Stored | 'expired' | 'abandoned'

interface Settings {
  lifetime: number
  abandonAfter: number
  /** When set, abandon_at = last activity + this, moved by each touch or token. */
  inactivity: number | null
}

interface MSession {
  id: string
  clientId: string
  userId: string
  stored: Stored
  createdAt: number
  updatedAt: number
  lastActiveAt: number
  expireAt: number
  abandonAt: number
  hasToken: boolean
  /** Its client was destroyed (DELETE /v1/client): the session no longer exists anywhere. */
  gone: boolean
}

interface MClient {
  id: string
  token: string
  sessionIds: string[]
  lastActive: string | null
  updatedAt: number
  destroyed: boolean
}

class Model {
  sessions: MSession[] = []
  clients: MClient[] = []
  constructor(
    public now: number,
    readonly settings: Settings,
  ) {}

  /** §4 "time passes": a signed-in session at or past expire_at is expired, at or past abandon_at abandoned, whichever came first. */
  status(s: MSession): Status {
    if (s.stored !== 'active') return s.stored
    const expired = s.expireAt <= this.now
    const abandoned = s.abandonAt <= this.now
    // Both passed: the earlier boundary wins; on a tie the mock says expired (the maximum lifetime).
    if (expired && abandoned) return s.expireAt <= s.abandonAt ? 'expired' : 'abandoned'
    if (expired) return 'expired'
    if (abandoned) return 'abandoned'
    return 'active'
  }

  signedIn(s: MSession): boolean {
    return this.status(s) === 'active'
  }

  /** Still on its client: not removed, not revoked, client not destroyed. */
  onClient(s: MSession): boolean {
    return !s.gone && (s.stored === 'active' || s.stored === 'ended')
  }

  client(id: string): MClient {
    return this.clients.find((c) => c.id === id)!
  }

  session(id: string): MSession | undefined {
    return this.sessions.find((s) => s.id === id)
  }

  addSession(id: string, client: MClient, userId: string): MSession {
    const s: MSession = {
      id,
      clientId: client.id,
      userId,
      stored: 'active',
      createdAt: this.now,
      updatedAt: this.now,
      lastActiveAt: this.now,
      expireAt: this.now + this.settings.lifetime,
      abandonAt: this.now + (this.settings.inactivity ?? this.settings.abandonAfter),
      hasToken: false,
      gone: false,
    }
    this.sessions.push(s)
    client.sessionIds.push(id)
    client.lastActive = id
    client.updatedAt = this.now
    return s
  }

  /** touch and tokens: activity. */
  activity(s: MSession): void {
    const c = this.client(s.clientId)
    s.lastActiveAt = this.now
    s.updatedAt = this.now
    if (this.settings.inactivity !== null) s.abandonAt = this.now + this.settings.inactivity
    c.lastActive = s.id
    c.updatedAt = this.now
  }

  /** end, remove, revoke; remove and revoke drop the session from its client. */
  setStored(s: MSession, stored: 'ended' | 'removed' | 'revoked'): void {
    const c = this.client(s.clientId)
    s.stored = stored
    s.updatedAt = this.now
    c.updatedAt = this.now
    if (stored !== 'ended') c.sessionIds = c.sessionIds.filter((id) => id !== s.id)
    if (c.lastActive === s.id) c.lastActive = null
  }

  // Views: what the wire shows, reduced to what the rules decide.
  sessionView(s: MSession) {
    return {
      id: s.id,
      status: this.status(s),
      client_id: s.clientId,
      user_id: s.userId,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      last_active_at: s.lastActiveAt,
      expire_at: s.expireAt,
      abandon_at: s.abandonAt,
      has_token: s.hasToken,
    }
  }

  clientView(c: MClient) {
    return {
      id: c.id,
      sessions: c.sessionIds.map((id) => this.sessionView(this.session(id)!)),
      last_active_session_id: c.lastActive,
      updated_at: c.updatedAt,
    }
  }
}

const sessionView = (j: any) => ({
  id: j.id,
  status: j.status,
  client_id: j.client_id,
  user_id: j.user_id,
  created_at: j.created_at,
  updated_at: j.updated_at,
  last_active_at: j.last_active_at,
  expire_at: j.expire_at,
  abandon_at: j.abandon_at,
  has_token: j.last_active_token !== null,
})
const clientView = (j: any) => ({
  id: j.id,
  sessions: j.sessions.map(sessionView),
  last_active_session_id: j.last_active_session_id,
  updated_at: j.updated_at,
})

// ---- the system under test -------------------------------------------------------------------

type Harness = ReturnType<typeof mockWith>
interface Real {
  h: Harness
}

/** Who sends a command: nobody (anonymous curl), the session's own client (cookie or native), or another client. */
type Who = 'anonymous' | 'own-cookie' | 'own-native' | 'other'
type Caller = { kind: 'anonymous' } | { kind: 'client'; client: MClient; via: 'cookie' | 'native' }

function resolveCaller(m: Model, who: Who, target: MSession | undefined, salt: number): Caller {
  if (who === 'anonymous' || m.clients.length === 0) return { kind: 'anonymous' }
  const own = target ? m.client(target.clientId) : m.clients[salt % m.clients.length]
  if (who === 'own-cookie') return { kind: 'client', client: own, via: 'cookie' }
  if (who === 'own-native') return { kind: 'client', client: own, via: 'native' }
  const others = m.clients.filter((c) => c !== own)
  return { kind: 'client', client: others.length > 0 ? others[salt % others.length] : own, via: 'cookie' }
}

const describeCaller = (c: Caller) => (c.kind === 'anonymous' ? 'anonymous' : `${c.client.id}/${c.via}${c.client.destroyed ? '(stale)' : ''}`)

async function send(real: Real, caller: Caller, method: string, path: string, body?: string | object) {
  const headers: Record<string, string> = {}
  let url = path
  if (caller.kind === 'client') {
    if (caller.via === 'cookie') headers.cookie = `__client=${caller.client.token}`
    else {
      url += (url.includes('?') ? '&' : '?') + '_is_native=1'
      headers.authorization = caller.client.token
    }
  }
  return real.h.call(method, url, { headers, body })
}

type Expected = { status: 200 } | { status: number; code: string }

function expectOutcome(res: { status: number; json: any }, expected: Expected, what: string): void {
  if (expected.status === 200) {
    equal(res.status, 200, `${what}: expected 200, got ${res.status} ${JSON.stringify(res.json?.errors?.[0])}`)
    return
  }
  const e = expected as { status: number; code: string }
  equal(res.status, e.status, `${what}: expected ${e.status} ${e.code}, got ${res.status} ${JSON.stringify(res.json?.errors ?? res.json?.response?.status)}`)
  equal(res.json?.errors?.[0]?.code, e.code, `${what}: error code`)
}

/** The whole observable state equals the model's: the clock, every client (through its own cookie), every session (anonymously). */
async function checkState(m: Model, real: Real): Promise<void> {
  equal(real.h.mock.clock.now(), m.now, 'clock')
  for (const c of m.clients) {
    const res = await real.h.call('GET', '/v1/client', { headers: { cookie: `__client=${c.token}` } })
    equal(res.status, 200, `GET /v1/client as ${c.id}`)
    if (c.destroyed) deepStrictEqual(res.json, { response: null, client: null }, `destroyed client ${c.id} reads as no client`)
    else {
      deepStrictEqual(clientView(res.json.response), m.clientView(c), `client ${c.id}`)
      equal(new Set(c.sessionIds).size, c.sessionIds.length, 'no duplicate sessions on a client')
    }
  }
  for (const s of m.sessions) {
    const res = await real.h.call('GET', `/v1/client/sessions/${s.id}`)
    if (m.onClient(s)) {
      equal(res.status, 200, `GET ${s.id} (${m.status(s)})`)
      deepStrictEqual(sessionView(res.json.response), m.sessionView(s), `session ${s.id}`)
    } else {
      equal(res.status, 404, `GET ${s.id} (${s.stored}${s.gone ? ', client destroyed' : ''}) is 404`)
      equal(res.json.errors[0].code, 'resource_not_found')
    }
  }
}

// ---- commands ------------------------------------------------------------------------------------

/** How often each action met each outcome, reported so a reader can see the runs reach every rule. */
const outcomes = new Map<string, number>()

type Cmd = fc.AsyncCommand<Model, Real>
const always = () => true

/** A session the command targets: one of the model's (by index) or, one time in (n + 1), an unknown id. */
function target(m: Model, pick: number): { id: string; s: MSession | undefined } {
  const n = m.sessions.length
  if (pick % (n + 1) === n) return { id: 'sess_unknown00000000000000000000', s: undefined }
  const s = m.sessions[pick % (n + 1)]
  return { id: s.id, s }
}

type Action = 'get' | 'touch' | 'end' | 'remove' | 'tokens' | 'revoke'

class SessionCommand implements Cmd {
  constructor(
    readonly action: Action,
    readonly pick: number,
    readonly who: Who,
    readonly salt: number,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const { id, s } = target(m, this.pick)
    const caller = resolveCaller(m, this.who, s, this.salt)
    const what = `${this.action} ${id} as ${describeCaller(caller)} at T0+${m.now - T0}`
    const expected = this.expect(m, caller, s)
    const res = await this.request(real, caller, id)
    expectOutcome(res, expected, what)
    const key = `${this.action} ${expected.status}`
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
    if (expected.status === 200) {
      this.apply(m, caller, s!)
      if (this.action === 'tokens') {
        equal(res.json.object, 'token', what)
        ok(typeof res.json.jwt === 'string' && res.json.jwt.split('.').length === 3, `${what}: a JWT`)
      } else {
        deepStrictEqual(sessionView(res.json.response), m.sessionView(s!), `${what}: response session`)
        // The envelope's client: the caller's own (revoke) or the session's, after the change.
        const envelopeClient = this.action === 'revoke' && caller.kind === 'client' ? caller.client : m.client(s!.clientId)
        deepStrictEqual(clientView(res.json.client), m.clientView(envelopeClient), `${what}: response client`)
      }
    }
    await checkState(m, real)
  }

  expect(m: Model, caller: Caller, s: MSession | undefined): Expected {
    const notFound = { status: 404, code: 'resource_not_found' }
    const signedOut = { status: 401, code: 'signed_out' }
    // A token for a destroyed client is a signed-out browser (§5, stale token).
    if (caller.kind === 'client' && caller.client.destroyed) return signedOut
    if (this.action === 'revoke') {
      let revoker: string | null = null
      if (caller.kind === 'client') {
        const last = caller.client.lastActive === null ? undefined : m.session(caller.client.lastActive)
        if (!last || !m.onClient(last) || !m.signedIn(last)) return signedOut
        revoker = last.userId
      }
      if (!s || !m.onClient(s) || (revoker !== null && s.userId !== revoker)) return notFound
      return { status: 200 }
    }
    const visible = s !== undefined && m.onClient(s) && (caller.kind === 'anonymous' || caller.client.id === s.clientId)
    if (!visible) return notFound
    if (this.action === 'get' || this.action === 'remove') return { status: 200 }
    if (!m.signedIn(s)) return this.action === 'tokens' ? signedOut : { status: 400, code: 'invalid_action_for_session' }
    return { status: 200 }
  }

  request(real: Real, caller: Caller, id: string) {
    switch (this.action) {
      case 'get':
        return send(real, caller, 'GET', `/v1/client/sessions/${id}`)
      case 'touch':
        // clerk-js sends a form body; other clients send JSON or nothing.
        return send(real, caller, 'POST', `/v1/client/sessions/${id}/touch`, ['intent=focus', { intent: 'select_session' }, undefined][this.salt % 3])
      case 'revoke':
        return send(real, caller, 'POST', `/v1/me/sessions/${id}/revoke`)
      default:
        return send(real, caller, 'POST', `/v1/client/sessions/${id}/${this.action}`)
    }
  }

  apply(m: Model, _caller: Caller, s: MSession): void {
    if (this.action === 'touch') m.activity(s)
    if (this.action === 'tokens') {
      m.activity(s)
      s.hasToken = true
    }
    if (this.action === 'end') m.setStored(s, 'ended')
    if (this.action === 'remove') m.setStored(s, 'removed')
    if (this.action === 'revoke') m.setStored(s, 'revoked')
  }

  toString() {
    return `${this.action}(#${this.pick}, ${this.who}, ${this.salt})`
  }
}

/** mock.createSession: on a new client, or on an existing one (a destroyed client throws 404). */
class CreateCommand implements Cmd {
  constructor(
    readonly user: 0 | 1,
    readonly onClient: number | null,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const userId = [ADA, BOB][this.user]
    const client = this.onClient === null || m.clients.length === 0 ? null : m.clients[this.onClient % m.clients.length]
    if (client?.destroyed) {
      let caught: any
      try {
        real.h.mock.createSession({ userId, clientId: client.id })
      } catch (e) {
        caught = e
      }
      equal(caught?.code, 'resource_not_found', `createSession on destroyed ${client.id} throws resource_not_found`)
      await checkState(m, real)
      return
    }
    const created = real.h.mock.createSession({ userId, clientId: client?.id })
    let c = client
    if (c === null) {
      c = { id: created.client.id, token: created.clientToken, sessionIds: [], lastActive: null, updatedAt: m.now, destroyed: false }
      ok(!m.clients.some((x) => x.id === c!.id), 'a new client id')
      m.clients.push(c)
    } else equal(created.client.id, c.id)
    ok(!m.session(created.session.id), 'a new session id')
    const s = m.addSession(created.session.id, c, userId)
    deepStrictEqual(sessionView(created.session), m.sessionView(s), 'createSession: session')
    deepStrictEqual(clientView(created.client), m.clientView(c), 'createSession: client')
    await checkState(m, real)
  }
  toString() {
    return `create(${this.user === 0 ? 'ada' : 'bob'}, ${this.onClient === null ? 'new client' : `client #${this.onClient}`})`
  }
}

/** DELETE /v1/client/sessions (sign every session out) or DELETE /v1/client (destroy), natively or as clerk-js's POST ?_method=DELETE. */
class ClientCommand implements Cmd {
  constructor(
    readonly action: 'sign-out' | 'destroy',
    readonly pick: number | null,
    readonly via: 'cookie' | 'native',
    readonly override: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const client = this.pick === null || m.clients.length === 0 ? null : m.clients[this.pick % m.clients.length]
    const caller: Caller = client === null ? { kind: 'anonymous' } : { kind: 'client', client, via: this.via }
    const path = this.action === 'destroy' ? '/v1/client' : '/v1/client/sessions'
    const res = this.override ? await send(real, caller, 'POST', `${path}?_method=DELETE`) : await send(real, caller, 'DELETE', path)
    const what = `${this} as ${describeCaller(caller)}`
    if (client === null || client.destroyed) {
      // No client behind the request: nothing to sign out or destroy.
      expectOutcome(res, { status: 404, code: 'resource_not_found' }, what)
    } else if (this.action === 'sign-out') {
      expectOutcome(res, { status: 200 }, what)
      for (const id of [...client.sessionIds]) m.setStored(m.session(id)!, 'removed')
      deepStrictEqual(clientView(res.json.response), m.clientView(client), what)
      equal(res.json.client, null)
    } else {
      expectOutcome(res, { status: 200 }, what)
      // Every signed-in session ends, then the client and its sessions are gone.
      const before = client.sessionIds.map((id) => m.session(id)!)
      for (const s of before) {
        if (m.signedIn(s)) {
          s.stored = 'ended'
          s.updatedAt = m.now
        }
      }
      deepStrictEqual(
        res.json.response.sessions.map((j: any) => [j.id, j.status]),
        before.map((s) => [s.id, m.status(s)]),
        `${what}: the client as it was, signed-in sessions ended`,
      )
      equal(res.json.client, null)
      client.destroyed = true
      for (const s of m.sessions) if (s.clientId === client.id) s.gone = true
    }
    await checkState(m, real)
  }
  toString() {
    return `${this.action}(${this.pick === null ? 'anonymous' : `client #${this.pick}`}, ${this.via}${this.override ? ', POST ?_method=DELETE' : ''})`
  }
}

/** Clock moves: a plain advance, exactly onto (or 1 ms either side of) a session's boundary, or a jump to any instant (also backwards). */
class ClockCommand implements Cmd {
  constructor(
    readonly move: { kind: 'advance'; ms: number } | { kind: 'boundary'; pick: number; which: 'expire' | 'abandon'; delta: -1 | 0 | 1 } | { kind: 'set'; offset: number },
    readonly viaHttp: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    let to: number
    if (this.move.kind === 'advance') to = m.now + this.move.ms
    else if (this.move.kind === 'set') to = T0 + this.move.offset
    else {
      if (m.sessions.length === 0) return
      const s = m.sessions[this.move.pick % m.sessions.length]
      to = (this.move.which === 'expire' ? s.expireAt : s.abandonAt) + this.move.delta
    }
    if (this.viaHttp) {
      const body = to >= m.now && this.move.kind !== 'set' ? { advance: to - m.now } : { set: to }
      const res = await real.h.call('POST', '/__mock/clock', { body })
      equal(res.status, 200, `POST /__mock/clock ${JSON.stringify(body)}`)
      equal(res.json.now, to)
    } else if (to >= m.now && this.move.kind !== 'set') real.h.mock.clock.advance(to - m.now)
    else real.h.mock.clock.set(to)
    m.now = to
    await checkState(m, real)
  }
  toString() {
    const m = this.move
    const how = this.viaHttp ? ' via /__mock/clock' : ''
    if (m.kind === 'advance') return `advance(${m.ms})${how}`
    if (m.kind === 'set') return `set(T0+${m.offset})${how}`
    return `toBoundary(#${m.pick} ${m.which}${m.delta === 0 ? '' : m.delta > 0 ? '+1ms' : '-1ms'})${how}`
  }
}

const who = fc.constantFrom<Who>('anonymous', 'own-cookie', 'own-native', 'other')
const pick = fc.nat({ max: 50 })
const salt = fc.nat({ max: 1000 })

const commands = [
  fc.tuple(fc.constantFrom<Action>('get', 'touch', 'end', 'remove', 'tokens', 'revoke'), pick, who, salt).map(([a, p, w, x]) => new SessionCommand(a, p, w, x)),
  // touch, tokens and end again: they are the ones time makes interesting
  fc.tuple(fc.constantFrom<Action>('touch', 'tokens', 'end'), pick, who, salt).map(([a, p, w, x]) => new SessionCommand(a, p, w, x)),
  fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.option(fc.nat({ max: 20 }), { freq: 2 })).map(([u, c]) => new CreateCommand(u, c)),
  fc
    .tuple(fc.constantFrom<'sign-out' | 'destroy'>('sign-out', 'destroy'), fc.option(fc.nat({ max: 20 }), { freq: 8 }), fc.constantFrom<'cookie' | 'native'>('cookie', 'native'), fc.boolean())
    .map(([a, p, v, o]) => new ClientCommand(a, p, v, o)),
  fc
    .tuple(fc.oneof(fc.constantFrom(1, MIN, HOUR, DAY, 7 * DAY), fc.integer({ min: 0, max: 10 * DAY })), fc.boolean())
    .map(([ms, http]) => new ClockCommand({ kind: 'advance', ms }, http)),
  fc
    .tuple(pick, fc.constantFrom<'expire' | 'abandon'>('expire', 'abandon'), fc.constantFrom<-1 | 0 | 1>(-1, 0, 1), fc.boolean())
    .map(([p, which, delta, http]) => new ClockCommand({ kind: 'boundary', pick: p, which, delta }, http)),
  fc.tuple(fc.integer({ min: -DAY, max: 40 * DAY }), fc.boolean()).map(([offset, http]) => new ClockCommand({ kind: 'set', offset }, http)),
]

// ---- properties --------------------------------------------------------------------------------

interface Variant {
  name: string
  settings: Settings
  fixtureSettings: Record<string, string | null>
  seed: number
}

const variants: Variant[] = [
  {
    name: 'default settings (7d lifetime, abandoned after 30d, no inactivity timeout)',
    settings: { lifetime: 7 * DAY, abandonAfter: 30 * DAY, inactivity: null },
    fixtureSettings: {},
    seed: 0x5e55_1001,
  },
  {
    name: 'abandon_at before expire_at (lifetime 3d, abandoned after 2d)',
    settings: { lifetime: 3 * DAY, abandonAfter: 2 * DAY, inactivity: null },
    fixtureSettings: { session_lifetime: '3d', abandon_after: '2d' },
    seed: 0x5e55_1002,
  },
  {
    name: 'inactivity timeout 1h moves abandon_at (lifetime 1d)',
    settings: { lifetime: DAY, abandonAfter: 30 * DAY, inactivity: HOUR },
    fixtureSettings: { session_lifetime: '1d', inactivity_timeout: '1h' },
    seed: 0x5e55_1003,
  },
]

for (const variant of variants) {
  t.test(`model-based: ${variant.name}`, async (t) => {
    const h = mockWith(twoClients({ settings: variant.fixtureSettings }))
    const { seed, numRuns } = fcParams(variant.seed, 60)
    let steps = 0
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'large' }), async (cmds) => {
        h.mock.reset()
        const m = new Model(T0, variant.settings)
        // The seed: Ada on client A, Bob on client B, both created at T0.
        for (const [clientId, sessId, userId] of [
          [CLIENT_A, SESS_A, ADA],
          [CLIENT_B, SESS_B, BOB],
        ]) {
          const c: MClient = { id: clientId, token: h.mock.clientToken(clientId), sessionIds: [], lastActive: null, updatedAt: T0, destroyed: false }
          m.clients.push(c)
          m.addSession(sessId, c, userId)
        }
        const real: Real = { h }
        await checkState(m, real)
        await fc.asyncModelRun(() => ({ model: m, real }), cmds)
        steps += [...cmds].length
      }),
      { seed, numRuns, verbose: 1 },
    )
    t.pass(`${numRuns} runs, ${steps} commands, every step matched the model (seed ${seed})`)
    t.comment(`outcomes: ${[...outcomes].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`)
    outcomes.clear()
  })
}
