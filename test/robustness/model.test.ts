/**
 * Model-based property tests: random sequences of session operations, token mints, sign-outs,
 * clock moves and resets, driven through HTTP inject() as anonymous callers, as the owning client
 * (cookie or native header) and as another client, checked at every step against a small reference
 * model of REFERENCE §4/§5/§6/§10 written from the rules (it imports nothing from src/).
 *
 * After every command the whole state must equal the model's: every client with every session it
 * ever had (`GET /__mock/state`), the clock, and in turn one client through its own credential
 * (`GET /v1/client`) and one session by id (anonymously, or through its client in strict mode).
 * Each command's own answer is compared in full too; `last_active_token`s are decoded and compared
 * claim by claim with the token the model says was served (re-minted only when stale, §10).
 *
 * Commands pick their targets at run time from the model ("the i-th signed-in session, modulo how
 * many there are"), mostly live and signed-in ones, so that most commands succeed; the share of
 * successful Frontend API commands is printed and must stay at 40% or more.
 *
 * Mutations tried, each in a scratch git worktree (never in the real src/), with the counterexample
 * fast-check shrank to ("red" = the property failed, with the default seeds and run counts):
 *   lifecycle.ts statusAt `expireAt <= now` → `<` .................. red  toBoundary(expire)
 *   lifecycle.ts markActive drops `client.lastActiveSessionId = …` ... red  tokens(on-client session)
 *   lifecycle.ts markActive also moves expire_at (touch extends) ..... red  advance(1), touch
 *   lifecycle.ts markActive leaves abandon_at under inactivity ...... red  touch (inactivity variant)
 *   lifecycle.ts transition keeps last_active_session_id ............ red  sign-out
 *   lifecycle.ts isSignedIn without 'pending' ....................... red  the seed state itself
 *   store.ts userSessions sorted newest first ....................... red  me/sessions
 *   store.ts userSessions ties in reverse creation order ............ red  create(ada on A), me/sessions
 *   store.ts userSessions without the seq tie-break ................. GREEN: equivalent mutant (the
 *     user's sessions are iterated in insertion order and Array#sort is stable; nothing can tell)
 *   store.ts /active lists signed-out sessions too .................. red  me/sessions/active
 *   store.ts sessionsOf keeps removed sessions ...................... red  sign-out
 *   store.ts session() lets another client see a session ............ red  get as other client
 *   store.ts session() finds removed/revoked sessions ............... red  sign-out, touch, tokens
 *   store.ts destroyClient leaves the client's updated_at ........... red  set(+7d), destroy
 *   mock-core.ts lastActiveToken without the iat < client_uat rule .. red  advance(1000), touch
 *   mock-core.ts lastActiveToken still serves a token at its exp .... red  advance(60000)
 *   mock-core.ts lastActiveToken re-mints on every serve ............ red  advance(1000)
 *   mock-core.ts lastActiveToken re-mints signed-out sessions too ... red  the seed state itself
 *   mock-core.ts a token mint is not activity ....................... red  toBoundary(expire-1ms), tokens
 *   mock-core.ts sts claim always 'active' .......................... red  the seed state (pending)
 *   mock-core.ts reset() leaves the clock where it is ............... red  the first reset
 *   tokens.ts exp = iat + lifetime + 1 .............................. red  the seed state itself
 *   identity.ts strictClients ignored ............................... red  tokens as anonymous (strict)
 *   identity.ts a stale __client cookie is not cleared .............. red  create, reset, then a read
 *   identity.ts native token only on 200 answers .................... red  set(+7d), touch natively
 */
import { createPublicKey, verify } from 'node:crypto'
import { deepStrictEqual, equal, ok } from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import { ADA, BOB, CLIENT_A, CLIENT_B, DAY, HOUR, MIN, SESS_A, SESS_B, T0, mockWith } from '../helpers/mock.js'
import { fcParams } from '../helpers/robustness.js'

const SESS_P = 'sess_p0000000000000000000000000'
const SESS_E = 'sess_e0000000000000000000000000'
const UNKNOWN = 'sess_unknown00000000000000000000'
const SECOND = 1000

// ---- the seed every variant starts from (and every reset returns to) -----------------------------

type Stored = 'active' | 'pending' | 'ended' | 'removed' | 'revoked'
type Status = Stored | 'expired' | 'abandoned'

interface SeedSessionSpec {
  id: string
  userId: string
  status: 'active' | 'pending' | 'ended'
  /** Offset of last_active_at from T0 (ms, <= 0); the fixture omits it when 0. */
  lastActive: number
}

/**
 * Ada on client A and Bob on client B (both active, created at T0); on A also an ended session of
 * Bob's from two hours before (it never had a token); on B a pending session of Ada's from half an
 * hour before (pending = signed in, with the choose-organization task). So each user has sessions on
 * two devices, created at different times, and each client has a session of each user.
 */
const SEED: { clientId: string; sessions: SeedSessionSpec[] }[] = [
  {
    clientId: CLIENT_A,
    sessions: [
      { id: SESS_A, userId: ADA, status: 'active', lastActive: 0 },
      { id: SESS_E, userId: BOB, status: 'ended', lastActive: -2 * HOUR },
    ],
  },
  {
    clientId: CLIENT_B,
    sessions: [
      { id: SESS_B, userId: BOB, status: 'active', lastActive: 0 },
      { id: SESS_P, userId: ADA, status: 'pending', lastActive: -30 * MIN },
    ],
  },
]
const SEEDED_CLIENTS = new Set(SEED.map((c) => c.clientId))
const SEEDED_SESSIONS = new Set(SEED.flatMap((c) => c.sessions.map((s) => s.id)))

function fixture(settings: Record<string, string | null>) {
  const offset = (ms: number) => `-${-ms / MIN}m`
  return {
    clock: new Date(T0).toISOString(),
    settings,
    users: [
      { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com' },
      { id: BOB, first_name: 'Bob', last_name: 'Builder', email_address: 'bob@example.com' },
    ],
    clients: SEED.map((c) => ({
      id: c.clientId,
      sessions: c.sessions.map((s) => ({
        id: s.id,
        user_id: s.userId,
        status: s.status,
        ...(s.lastActive === 0 ? {} : { last_active_at: offset(s.lastActive) }),
      })),
    })),
  }
}

// ---- the reference model ---------------------------------------------------------------------

interface Settings {
  lifetime: number
  abandonAfter: number
  /** When set, abandon_at = last activity + this, moved by each touch or token. */
  inactivity: number | null
  /** Session JWT lifetime (ms, whole seconds). */
  tokenLifetime: number
  /** Anonymous requests are 401 signed_out on the session routes (§5). */
  strict: boolean
}

/** The claims of a session JWT the rules decide. */
interface MToken {
  sid: string
  sub: string
  iat: number
  nbf: number
  exp: number
  sts: string
}

interface MSession {
  id: string
  clientId: string
  userId: string
  stored: Stored
  /** Creation order since the last reset: breaks created_at ties in /v1/me/sessions. */
  seq: number
  createdAt: number
  updatedAt: number
  lastActiveAt: number
  expireAt: number
  abandonAt: number
  token: MToken | null
  tasks: { key: string }[] | null
  /** No longer in the mock at all: its client was destroyed, or a reset dropped it. */
  gone: boolean
}

interface MClient {
  id: string
  token: string
  lastActive: string | null
  createdAt: number
  updatedAt: number
  /** Destroyed (DELETE /v1/client) or dropped by a reset: its token is stale. */
  destroyed: boolean
}

class Model {
  sessions: MSession[] = []
  clients: MClient[] = []
  now = T0
  #seq = 0
  constructor(readonly settings: Settings) {}

  /** §4 "time passes": a signed-in session at or past expire_at is expired, at or past abandon_at abandoned, whichever came first. */
  status(s: MSession): Status {
    if (s.stored !== 'active' && s.stored !== 'pending') return s.stored
    const expired = s.expireAt <= this.now
    const abandoned = s.abandonAt <= this.now
    // Both passed: the earlier boundary wins; on a tie the mock says expired (the maximum lifetime).
    if (expired && abandoned) return s.expireAt <= s.abandonAt ? 'expired' : 'abandoned'
    if (expired) return 'expired'
    if (abandoned) return 'abandoned'
    return s.stored
  }

  /** Active and pending count as signed in. */
  signedIn(s: MSession): boolean {
    const status = this.status(s)
    return status === 'active' || status === 'pending'
  }

  /** Still on its client: not removed, not revoked, not gone. */
  onClient(s: MSession): boolean {
    return !s.gone && s.stored !== 'removed' && s.stored !== 'revoked'
  }

  live(c: MClient): boolean {
    return !c.destroyed
  }

  client(id: string): MClient {
    return this.clients.find((c) => c.id === id)!
  }

  session(id: string): MSession | undefined {
    return this.sessions.find((s) => s.id === id)
  }

  /** The sessions still on a client, in creation order. */
  sessionsOf(c: MClient): MSession[] {
    return this.sessions.filter((s) => s.clientId === c.id && this.onClient(s))
  }

  /** Every session the mock still holds for a client (removed and revoked too), in creation order. */
  everSessionsOf(c: MClient): MSession[] {
    return this.sessions.filter((s) => s.clientId === c.id && !s.gone)
  }

  /** Back to the seed (§9 reset): clock, seeded records; everything created since is gone and its client tokens stale. */
  reset(tokenOf: (clientId: string) => string): void {
    this.now = T0
    this.#seq = 0
    const s = this.settings
    const fresh: MSession[] = []
    for (const c of this.clients) if (!SEEDED_CLIENTS.has(c.id)) c.destroyed = true
    for (const old of this.sessions) old.gone = true
    const clients: MClient[] = []
    for (const { clientId, sessions } of SEED) {
      const old = this.clients.find((c) => c.id === clientId)
      // A seeded client keeps its id, so the token a test already holds stays valid.
      const c: MClient = { id: clientId, token: old?.token ?? tokenOf(clientId), lastActive: null, createdAt: T0, updatedAt: T0, destroyed: false }
      clients.push(c)
      let best: MSession | null = null
      for (const spec of sessions) {
        const lastActiveAt = T0 + spec.lastActive
        const createdAt = Math.min(lastActiveAt, T0)
        const session: MSession = {
          id: spec.id,
          clientId,
          userId: spec.userId,
          stored: spec.status,
          seq: this.#seq++,
          createdAt,
          updatedAt: Math.max(createdAt, lastActiveAt),
          lastActiveAt,
          expireAt: createdAt + s.lifetime,
          abandonAt: s.inactivity === null ? createdAt + s.abandonAfter : lastActiveAt + s.inactivity,
          token: null,
          tasks: spec.status === 'pending' ? [{ key: 'choose-organization' }] : null,
          gone: false,
        }
        fresh.push(session)
        // The seeded client's last active session: its most recently active signed-in one (the later on a tie).
        if (this.signedIn(session) && (best === null || session.lastActiveAt >= best.lastActiveAt)) best = session
        c.updatedAt = Math.max(c.updatedAt, session.updatedAt)
      }
      c.lastActive = best?.id ?? null
    }
    // Seeded clients first (the mock lists clients in creation order), then the stale ones.
    this.clients = [...clients, ...this.clients.filter((c) => !SEEDED_CLIENTS.has(c.id))]
    // Records of the seeded ids from before the reset are replaced, never kept beside the fresh ones.
    this.sessions = [...fresh, ...this.sessions.filter((x) => !SEEDED_SESSIONS.has(x.id))]
  }

  addClient(id: string, token: string): MClient {
    const c: MClient = { id, token, lastActive: null, createdAt: this.now, updatedAt: this.now, destroyed: false }
    this.clients.push(c)
    return c
  }

  addSession(id: string, client: MClient, userId: string): MSession {
    const s: MSession = {
      id,
      clientId: client.id,
      userId,
      stored: 'active',
      seq: this.#seq++,
      createdAt: this.now,
      updatedAt: this.now,
      lastActiveAt: this.now,
      expireAt: this.now + this.settings.lifetime,
      abandonAt: this.now + (this.settings.inactivity ?? this.settings.abandonAfter),
      token: null,
      tasks: null,
      gone: false,
    }
    this.sessions.push(s)
    client.lastActive = id
    client.updatedAt = this.now
    return s
  }

  /** A fresh session JWT at the current instant (§6). */
  mint(s: MSession): MToken {
    const iat = Math.floor(this.now / SECOND)
    return { sid: s.id, sub: s.userId, iat, nbf: iat - 10, exp: iat + this.settings.tokenLifetime / SECOND, sts: this.status(s) }
  }

  /**
   * §10: serving a signed-in session re-mints its last_active_token when it has none, when it has
   * expired on the mock clock, or when it was issued before the client's updated_at second. A
   * signed-out session keeps its last token.
   */
  serve(s: MSession): MToken | null {
    if (this.signedIn(s)) {
      const uat = Math.floor(this.client(s.clientId).updatedAt / SECOND)
      const tok = s.token
      if (tok === null || tok.exp * SECOND <= this.now || tok.iat < uat) s.token = this.mint(s)
    }
    return s.token
  }

  /** touch and tokens: activity. Never moves expire_at. */
  activity(s: MSession): void {
    const c = this.client(s.clientId)
    s.lastActiveAt = this.now
    s.updatedAt = this.now
    if (this.settings.inactivity !== null) s.abandonAt = this.now + this.settings.inactivity
    c.lastActive = s.id
    c.updatedAt = this.now
  }

  /** end, remove, revoke; remove and revoke take the session off its client. */
  setStored(s: MSession, stored: 'ended' | 'removed' | 'revoked'): void {
    const c = this.client(s.clientId)
    s.stored = stored
    s.updatedAt = this.now
    c.updatedAt = this.now
    if (c.lastActive === s.id) c.lastActive = null
  }

  /** The signed-in user behind a caller for /v1/me/…: `_clerk_session_id`, else the client's last active session. */
  signedInUser(caller: Caller, sid: string | undefined): string | null {
    if (caller.kind === 'client' && caller.client.destroyed) return null
    if (caller.kind === 'anonymous' && this.settings.strict) return null
    const id = sid ?? (caller.kind === 'client' ? (caller.client.lastActive ?? undefined) : undefined)
    if (id === undefined) return null
    const s = this.session(id)
    if (!s || !this.onClient(s) || (caller.kind === 'client' && s.clientId !== caller.client.id) || !this.signedIn(s)) return null
    return s.userId
  }

  /** A user's sessions still on a client, across devices: oldest created_at first, ties in creation order. */
  userSessions(userId: string, signedInOnly: boolean): MSession[] {
    return this.sessions
      .filter((s) => s.userId === userId && this.onClient(s) && (!signedInOnly || this.signedIn(s)))
      .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
  }

  // Views: what the wire shows, reduced to what the rules decide. Viewing a session serves it.
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
      tasks: s.tasks,
      token: this.serve(s),
    }
  }

  clientView(c: MClient, sessions = this.sessionsOf(c)) {
    return {
      id: c.id,
      sessions: sessions.map((s) => this.sessionView(s)),
      last_active_session_id: c.lastActive,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    }
  }

  /** GET /__mock/state: every live client with every session it ever had, marked on_client. */
  stateView() {
    return {
      now: this.now,
      clients: this.clients.filter((c) => this.live(c)).map((c) => ({
        ...this.clientView(c, []),
        sessions: this.everSessionsOf(c).map((s) => ({ ...this.sessionView(s), on_client: this.onClient(s) })),
      })),
    }
  }
}

/** The claims of a served JWT the model decides. */
function tokenView(jwt: unknown): MToken {
  ok(typeof jwt === 'string' && jwt.split('.').length === 3, `a JWT: ${String(jwt).slice(0, 40)}`)
  const p = JSON.parse(Buffer.from((jwt as string).split('.')[1], 'base64url').toString('utf8'))
  return { sid: p.sid, sub: p.sub, iat: p.iat, nbf: p.nbf, exp: p.exp, sts: p.sts }
}

const sessionView = (j: any) => {
  const token = j.last_active_token
  if (token !== null) equal(token.object, 'token', `${j.id}: last_active_token.object`)
  return {
    id: j.id,
    status: j.status,
    client_id: j.client_id,
    user_id: j.user_id,
    created_at: j.created_at,
    updated_at: j.updated_at,
    last_active_at: j.last_active_at,
    expire_at: j.expire_at,
    abandon_at: j.abandon_at,
    tasks: j.tasks,
    token: token === null ? null : tokenView(token.jwt),
  }
}
const clientView = (j: any) => ({
  id: j.id,
  sessions: j.sessions.map(sessionView),
  last_active_session_id: j.last_active_session_id,
  created_at: j.created_at,
  updated_at: j.updated_at,
})
const stateView = (j: any) => ({
  now: j.now,
  clients: j.clients.map((c: any) => ({ ...clientView({ ...c, sessions: [] }), sessions: c.sessions.map((s: any) => ({ ...sessionView(s), on_client: s.on_client })) })),
})

// ---- the system under test -------------------------------------------------------------------

type Harness = ReturnType<typeof mockWith>
interface Real {
  h: Harness
  publicKey: ReturnType<typeof createPublicKey>
  /** Checks since the start of the run: decides which client and session checkState reads in turn. */
  step: number
  stats: Stats
}

interface Stats {
  ok: number
  failed: number
  levers: number
  outcomes: Map<string, number>
}

/** Tallies one Frontend API command; keys starting with "pending:" only label an outcome already counted. */
const count = (real: Real, key: string, success: boolean) => {
  if (!key.startsWith('pending:')) {
    if (success) real.stats.ok++
    else real.stats.failed++
  }
  real.stats.outcomes.set(key, (real.stats.outcomes.get(key) ?? 0) + 1)
}

function verifies(real: Real, jwt: string): boolean {
  const [h, p, sig] = jwt.split('.')
  return verify('RSA-SHA256', Buffer.from(`${h}.${p}`), real.publicKey, Buffer.from(sig, 'base64url'))
}

/** Who sends a command: nobody (anonymous curl), the session's own client (cookie or native), or another client. */
type Who = 'anonymous' | 'own-cookie' | 'own-native' | 'other'
type Caller = { kind: 'anonymous' } | { kind: 'client'; client: MClient; via: 'cookie' | 'native' }

function resolveCaller(m: Model, who: Who, target: MSession | undefined, salt: number): Caller {
  if (who === 'anonymous' || m.clients.length === 0) return { kind: 'anonymous' }
  const live = m.clients.filter((c) => m.live(c))
  const own = target ? m.client(target.clientId) : (live[salt % Math.max(1, live.length)] ?? m.clients[salt % m.clients.length])
  if (who === 'own-cookie') return { kind: 'client', client: own, via: 'cookie' }
  if (who === 'own-native') return { kind: 'client', client: own, via: 'native' }
  const others = live.filter((c) => c !== own)
  return { kind: 'client', client: others.length > 0 ? others[salt % others.length] : own, via: 'cookie' }
}

const describeCaller = (c: Caller) => (c.kind === 'anonymous' ? 'anonymous' : `${c.client.id}/${c.via}${c.client.destroyed ? '(stale)' : ''}`)

/** `keepsClient`: false for a request that destroys the caller's client (its answer carries no token). */
async function send(real: Real, caller: Caller, method: string, path: string, body?: string | object, keepsClient = true) {
  const headers: Record<string, string> = {}
  let url = path
  if (caller.kind === 'client') {
    if (caller.via === 'cookie') headers.cookie = `__client=${caller.client.token}`
    else {
      url += (url.includes('?') ? '&' : '?') + '_is_native=1'
      headers.authorization = caller.client.token
    }
  }
  const res = await real.h.call(method, url, { headers, body })
  // §5: every answer to a native client that still exists carries its token (a fresh one after a reset: same client id).
  if (caller.kind === 'client' && caller.via === 'native' && !caller.client.destroyed && keepsClient) {
    const header = res.headers.authorization
    ok(typeof header === 'string' && verifies(real, header), `${method} ${url}: native answer carries a client token`)
    equal(JSON.parse(Buffer.from((header as string).split('.')[1], 'base64url').toString('utf8')).id, caller.client.id, `${method} ${url}: the caller's own client token`)
  }
  return res
}

type Expected = { status: 200 } | { status: number; code: string }
const OK: Expected = { status: 200 }
const NOT_FOUND: Expected = { status: 404, code: 'resource_not_found' }
const SIGNED_OUT: Expected = { status: 401, code: 'signed_out' }

function expectOutcome(res: { status: number; json: any }, expected: Expected, what: string): void {
  if (expected.status === 200) {
    equal(res.status, 200, `${what}: expected 200, got ${res.status} ${JSON.stringify(res.json?.errors?.[0])}`)
    return
  }
  const e = expected as { status: number; code: string }
  equal(res.status, e.status, `${what}: expected ${e.status} ${e.code}, got ${res.status} ${JSON.stringify(res.json?.errors ?? res.json?.response?.status)}`)
  equal(res.json?.errors?.[0]?.code, e.code, `${what}: error code`)
}

/**
 * The whole state equals the model's: the clock and every live client with every session it ever
 * had (one GET /__mock/state); then, in turn, one client through its own cookie (a stale one reads
 * as no client) and one session by id (anonymously; through its own client in strict mode).
 */
async function checkState(m: Model, real: Real): Promise<void> {
  const k = real.step++
  equal(real.h.mock.clock.now(), m.now, 'clock')
  const state = await real.h.call('GET', '/__mock/state')
  equal(state.status, 200, 'GET /__mock/state')
  deepStrictEqual(stateView(state.json), m.stateView(), 'state')

  const c = m.clients[k % m.clients.length]
  const res = await real.h.call('GET', '/v1/client', { headers: { cookie: `__client=${c.token}` } })
  equal(res.status, 200, `GET /v1/client as ${c.id}`)
  equal(res.json.client, null, 'GET /v1/client: envelope client is null')
  if (c.destroyed) {
    equal(res.json.response, null, `stale client ${c.id} reads as no client`)
    ok(/^__client=;.*Max-Age=0/.test(String(res.headers['set-cookie'])), `stale cookie of ${c.id} is cleared: ${res.headers['set-cookie']}`)
  } else deepStrictEqual(clientView(res.json.response), m.clientView(c), `GET /v1/client as ${c.id}`)

  if (m.sessions.length === 0) return
  const s = m.sessions[(k * 7) % m.sessions.length]
  const own = m.client(s.clientId)
  // Strict mode: an anonymous read is refused, so read through the session's own client.
  const caller: Caller = m.settings.strict ? { kind: 'client', client: own, via: 'cookie' } : { kind: 'anonymous' }
  const got = await send(real, caller, 'GET', `/v1/client/sessions/${s.id}`)
  const what = `GET ${s.id} (${m.status(s)}${s.gone ? ', gone' : ''}) as ${describeCaller(caller)}`
  if (caller.kind === 'client' && caller.client.destroyed) expectOutcome(got, SIGNED_OUT, what)
  else if (!m.onClient(s)) expectOutcome(got, NOT_FOUND, what)
  else {
    expectOutcome(got, OK, what)
    deepStrictEqual(sessionView(got.json.response), m.sessionView(s), what)
    deepStrictEqual(clientView(got.json.client), m.clientView(own), `${what}: envelope client`)
  }
}

// ---- target choice -------------------------------------------------------------------------------

/**
 * Which session a command targets, chosen when it runs: the i-th signed-in session (modulo how many
 * there are), the i-th still on a client, any the model ever knew (removed, revoked, gone ones too),
 * or an id the mock never issued. An empty choice falls back to the next wider one.
 */
type Pick = { from: 'signed-in' | 'on-client' | 'any' | 'unknown'; i: number }

function target(m: Model, p: Pick): { id: string; s: MSession | undefined } {
  const pools: MSession[][] = []
  if (p.from === 'signed-in') pools.push(m.sessions.filter((s) => m.onClient(s) && m.signedIn(s)))
  if (p.from === 'signed-in' || p.from === 'on-client') pools.push(m.sessions.filter((s) => m.onClient(s)))
  if (p.from !== 'unknown') pools.push(m.sessions)
  for (const pool of pools) if (pool.length > 0) return { id: pool[p.i % pool.length].id, s: pool[p.i % pool.length] }
  return { id: UNKNOWN, s: undefined }
}

/** A client, chosen when the command runs: one whose last active session is signed in, any live one, or any ever seen (stale ones too). */
type ClientPick = { from: 'signed-in' | 'live' | 'any'; i: number }

function pickClient(m: Model, p: ClientPick): MClient | null {
  const pools: MClient[][] = []
  if (p.from === 'signed-in') {
    pools.push(m.clients.filter((c) => m.live(c) && c.lastActive !== null && m.signedIn(m.session(c.lastActive)!)))
  }
  if (p.from !== 'any') pools.push(m.clients.filter((c) => m.live(c)))
  pools.push(m.clients)
  for (const pool of pools) if (pool.length > 0) return pool[p.i % pool.length]
  return null
}

// ---- commands ------------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real>
const always = () => true

type Action = 'get' | 'touch' | 'end' | 'remove' | 'tokens' | 'revoke'

class SessionCommand implements Cmd {
  constructor(
    readonly action: Action,
    readonly pick: Pick,
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
    count(real, `${this.action} ${expected.status}`, expected.status === 200)
    if (s !== undefined && m.status(s) === 'pending') count(real, `pending: ${this.action} ${expected.status}`, expected.status === 200)
    if (expected.status === 200) {
      this.apply(m, s!)
      if (this.action === 'tokens') {
        // A bare token, never the envelope.
        deepStrictEqual(Object.keys(res.json).sort(), ['jwt', 'object'], `${what}: bare {object, jwt}`)
        equal(res.json.object, 'token', what)
        ok(verifies(real, res.json.jwt), `${what}: signed by the instance key`)
        const claims = tokenView(res.json.jwt)
        equal(claims.exp - claims.iat, m.settings.tokenLifetime / SECOND, `${what}: exp - iat is the token lifetime`)
        deepStrictEqual(claims, s!.token, `${what}: claims`)
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
    // A token for a destroyed client is a signed-out browser (§5, stale token); strict mode refuses anonymous callers.
    if (caller.kind === 'client' && caller.client.destroyed) return SIGNED_OUT
    if (caller.kind === 'anonymous' && m.settings.strict) return SIGNED_OUT
    if (this.action === 'revoke') {
      let revoker: string | null = null
      if (caller.kind === 'client') {
        revoker = m.signedInUser(caller, undefined)
        if (revoker === null) return SIGNED_OUT
      }
      if (!s || !m.onClient(s) || (revoker !== null && s.userId !== revoker)) return NOT_FOUND
      return OK
    }
    const visible = s !== undefined && m.onClient(s) && (caller.kind === 'anonymous' || caller.client.id === s.clientId)
    if (!visible) return NOT_FOUND
    if (this.action === 'get' || this.action === 'remove') return OK
    if (!m.signedIn(s)) return this.action === 'tokens' ? SIGNED_OUT : { status: 400, code: 'invalid_action_for_session' }
    return OK
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

  apply(m: Model, s: MSession): void {
    if (this.action === 'touch') m.activity(s)
    if (this.action === 'tokens') {
      // The mint is activity, and its token is the session's last_active_token from now on.
      m.activity(s)
      s.token = m.mint(s)
    }
    if (this.action === 'end') m.setStored(s, 'ended')
    if (this.action === 'remove') m.setStored(s, 'removed')
    if (this.action === 'revoke') m.setStored(s, 'revoked')
  }

  toString() {
    return `${this.action}(${this.pick.from} #${this.pick.i}, ${this.who}, ${this.salt})`
  }
}

/**
 * GET /v1/me/sessions and /active: the signed-in user's sessions on every device, oldest first.
 * The user is named by `_clerk_session_id` or by the caller's client's last active session.
 */
class MeSessionsCommand implements Cmd {
  constructor(
    readonly active: boolean,
    readonly how: 'client-cookie' | 'client-native' | 'anonymous-sid' | 'client-sid' | 'anonymous',
    readonly client: ClientPick,
    readonly pick: Pick,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const client = this.how.startsWith('client') ? pickClient(m, this.client) : null
    const caller: Caller = client === null ? { kind: 'anonymous' } : { kind: 'client', client, via: this.how === 'client-native' ? 'native' : 'cookie' }
    const sid = this.how.endsWith('-sid') ? target(m, this.pick).id : undefined
    const path = `/v1/me/sessions${this.active ? '/active' : ''}${sid === undefined ? '' : `?_clerk_session_id=${sid}`}`
    const what = `GET ${path} as ${describeCaller(caller)} at T0+${m.now - T0}`
    const userId = m.signedInUser(caller, sid)
    const res = await send(real, caller, 'GET', path)
    count(real, `me/sessions${this.active ? '/active' : ''} ${userId === null ? 401 : 200}`, userId !== null)
    if (userId === null) expectOutcome(res, SIGNED_OUT, what)
    else {
      expectOutcome(res, OK, what)
      ok(Array.isArray(res.json), `${what}: a bare array`)
      // The order itself is the rule: compared as served, never sorted here.
      deepStrictEqual(
        res.json.map(sessionView),
        m.userSessions(userId, this.active).map((s) => m.sessionView(s)),
        `${what}: ${userId === ADA ? 'Ada' : 'Bob'}'s sessions, oldest first`,
      )
    }
    await checkState(m, real)
  }
  toString() {
    return `me/sessions${this.active ? '/active' : ''}(${this.how}, client ${this.client.from} #${this.client.i}, sid ${this.pick.from} #${this.pick.i})`
  }
}

/** mock.createSession or POST /__mock/sessions: on a new client, or on an existing one (a destroyed or stale one is refused). */
class CreateCommand implements Cmd {
  constructor(
    readonly user: 0 | 1,
    readonly on: ClientPick | null,
    readonly viaHttp: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const userId = [ADA, BOB][this.user]
    const client = this.on === null ? null : pickClient(m, this.on)
    const what = `${this} on ${client?.id ?? 'a new client'} at T0+${m.now - T0}`
    let created: { session: any; client: any; clientToken: string }
    if (this.viaHttp) {
      const res = await real.h.call('POST', '/__mock/sessions', { body: client === null ? { user_id: userId } : { user_id: userId, client_id: client.id } })
      if (client?.destroyed) {
        expectOutcome(res, { status: 400, code: 'control_input_invalid' }, what)
        count(real, 'create 400', false)
        return checkState(m, real)
      }
      expectOutcome(res, OK, what)
      created = { session: res.json.session, client: res.json.client, clientToken: res.json.client_token }
    } else {
      if (client?.destroyed) {
        let caught: any
        try {
          real.h.mock.createSession({ userId, clientId: client.id })
        } catch (e) {
          caught = e
        }
        equal(caught?.code, 'resource_not_found', `${what}: throws resource_not_found`)
        count(real, 'create 404', false)
        return checkState(m, real)
      }
      created = real.h.mock.createSession({ userId, clientId: client?.id })
    }
    count(real, 'create 200', true)
    let c = client
    if (c === null) {
      ok(!m.clients.some((x) => x.id === created.client.id), `${what}: a new client id`)
      c = m.addClient(created.client.id, created.clientToken)
    } else {
      equal(created.client.id, c.id, what)
    }
    ok(!m.session(created.session.id), `${what}: a new session id`)
    const s = m.addSession(created.session.id, c, userId)
    deepStrictEqual(sessionView(created.session), m.sessionView(s), `${what}: session`)
    ok(created.session.last_active_token !== null, `${what}: a new session carries a token (§10)`)
    deepStrictEqual(clientView(created.client), m.clientView(c), `${what}: client`)
    await checkState(m, real)
  }
  toString() {
    return `create(${this.user === 0 ? 'ada' : 'bob'}, ${this.on === null ? 'new client' : `client ${this.on.from} #${this.on.i}`}${this.viaHttp ? ', POST /__mock/sessions' : ''})`
  }
}

/** DELETE /v1/client/sessions (sign every session out) or DELETE /v1/client (destroy), natively or as clerk-js's POST ?_method=DELETE. */
class ClientCommand implements Cmd {
  constructor(
    readonly action: 'sign-out' | 'destroy',
    readonly pick: ClientPick | null,
    readonly via: 'cookie' | 'native',
    readonly override: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const client = this.pick === null ? null : pickClient(m, this.pick)
    const caller: Caller = client === null ? { kind: 'anonymous' } : { kind: 'client', client, via: this.via }
    const path = this.action === 'destroy' ? '/v1/client' : '/v1/client/sessions'
    const keeps = this.action !== 'destroy'
    const res = this.override ? await send(real, caller, 'POST', `${path}?_method=DELETE`, undefined, keeps) : await send(real, caller, 'DELETE', path, undefined, keeps)
    const what = `${this} as ${describeCaller(caller)} at T0+${m.now - T0}`
    if (client === null || client.destroyed) {
      // No client behind the request: nothing to sign out or destroy (strict mode or not).
      expectOutcome(res, NOT_FOUND, what)
      count(real, `${this.action} 404`, false)
    } else if (this.action === 'sign-out') {
      expectOutcome(res, OK, what)
      count(real, `${this.action} 200`, true)
      for (const s of m.sessionsOf(client)) m.setStored(s, 'removed')
      deepStrictEqual(clientView(res.json.response), m.clientView(client), what)
      equal(res.json.client, null, `${what}: envelope client`)
    } else {
      expectOutcome(res, OK, what)
      count(real, `${this.action} 200`, true)
      // Every signed-in session ends, then the client and its sessions are gone; the answer is the client as it was.
      const before = m.sessionsOf(client)
      for (const s of before) if (m.signedIn(s)) m.setStored(s, 'ended')
      client.lastActive = null
      client.updatedAt = m.now
      deepStrictEqual(clientView(res.json.response), m.clientView(client, before), `${what}: the client as it was, signed-in sessions ended`)
      equal(res.json.client, null, `${what}: envelope client`)
      if (caller.kind === 'client' && caller.via === 'cookie') ok(/^__client=;.*Max-Age=0/.test(String(res.headers['set-cookie'])), `${what}: cookie cleared`)
      client.destroyed = true
      for (const s of m.sessions) if (s.clientId === client.id) s.gone = true
    }
    await checkState(m, real)
  }
  toString() {
    return `${this.action}(${this.pick === null ? 'anonymous' : `client ${this.pick.from} #${this.pick.i}`}, ${this.via}${this.override ? ', POST ?_method=DELETE' : ''})`
  }
}

type Move =
  | { kind: 'advance'; ms: number }
  | { kind: 'boundary'; pick: Pick; which: 'expire' | 'abandon' | 'token'; delta: -1 | 0 | 1 }
  | { kind: 'set'; offset: number }

/**
 * Clock moves: a plain advance (mostly within a token's lifetime), exactly onto (or 1 ms either
 * side of) a session's expire_at, abandon_at or its token's exp, or a jump to any instant (also backwards).
 */
class ClockCommand implements Cmd {
  constructor(
    readonly move: Move,
    readonly viaHttp: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    real.stats.levers++
    let to: number
    const move = this.move
    if (move.kind === 'advance') to = m.now + move.ms
    else if (move.kind === 'set') to = T0 + move.offset
    else {
      const { s } = target(m, move.pick)
      if (s === undefined) return checkState(m, real)
      const at = move.which === 'expire' ? s.expireAt : move.which === 'abandon' ? s.abandonAt : s.token === null ? m.now : s.token.exp * SECOND
      to = at + move.delta
    }
    const forward = to >= m.now && move.kind !== 'set'
    if (this.viaHttp) {
      const body = forward ? { advance: to - m.now } : { set: to }
      const res = await real.h.call('POST', '/__mock/clock', { body })
      equal(res.status, 200, `POST /__mock/clock ${JSON.stringify(body)}`)
      deepStrictEqual(res.json, { now: to, frozen: true }, `POST /__mock/clock ${JSON.stringify(body)}`)
    } else if (forward) real.h.mock.clock.advance(to - m.now)
    else real.h.mock.clock.set(to)
    m.now = to
    await checkState(m, real)
  }
  toString() {
    const m = this.move
    const how = this.viaHttp ? ' via /__mock/clock' : ''
    if (m.kind === 'advance') return `advance(${m.ms})${how}`
    if (m.kind === 'set') return `set(T0+${m.offset})${how}`
    return `toBoundary(${m.pick.from} #${m.pick.i} ${m.which}${m.delta === 0 ? '' : m.delta > 0 ? '+1ms' : '-1ms'})${how}`
  }
}

/** Back to the seed: POST /__mock/reset or mock.reset(). */
class ResetCommand implements Cmd {
  constructor(readonly viaHttp: boolean) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    real.stats.levers++
    if (this.viaHttp) {
      const res = await real.h.call('POST', '/__mock/reset')
      equal(res.status, 200, 'POST /__mock/reset')
      deepStrictEqual(res.json, { reset: true, now: T0, frozen: true }, 'POST /__mock/reset')
    } else real.h.mock.reset()
    m.reset((id) => real.h.mock.clientToken(id))
    await checkState(m, real)
  }
  toString() {
    return `reset(${this.viaHttp ? 'POST /__mock/reset' : 'mock.reset()'})`
  }
}

// ---- command arbitraries: weighted so that most commands meet a live, signed-in target ----------

const i = fc.nat({ max: 50 })
const salt = fc.nat({ max: 1000 })
const pick: fc.Arbitrary<Pick> = fc.record({
  from: fc.oneof(
    { weight: 12, arbitrary: fc.constant('signed-in' as const) },
    { weight: 3, arbitrary: fc.constant('on-client' as const) },
    { weight: 2, arbitrary: fc.constant('any' as const) },
    { weight: 1, arbitrary: fc.constant('unknown' as const) },
  ),
  i,
})
const clientPick: fc.Arbitrary<ClientPick> = fc.record({
  from: fc.oneof(
    { weight: 8, arbitrary: fc.constant('signed-in' as const) },
    { weight: 3, arbitrary: fc.constant('live' as const) },
    { weight: 1, arbitrary: fc.constant('any' as const) },
  ),
  i,
})
const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('own-cookie' as const) },
  { weight: 4, arbitrary: fc.constant('own-native' as const) },
  { weight: 2, arbitrary: fc.constant('anonymous' as const) },
  { weight: 1, arbitrary: fc.constant('other' as const) },
)
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('tokens' as const) },
  { weight: 4, arbitrary: fc.constant('touch' as const) },
  { weight: 3, arbitrary: fc.constant('get' as const) },
  { weight: 1, arbitrary: fc.constant('end' as const) },
  { weight: 1, arbitrary: fc.constant('remove' as const) },
  { weight: 1, arbitrary: fc.constant('revoke' as const) },
)
const delta = fc.constantFrom<-1 | 0 | 1>(-1, 0, 1)

const command: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 14, arbitrary: fc.tuple(action, pick, who, salt).map(([a, p, w, x]) => new SessionCommand(a, p, w, x)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant('client-cookie' as const) },
          { weight: 3, arbitrary: fc.constant('client-native' as const) },
          { weight: 2, arbitrary: fc.constant('anonymous-sid' as const) },
          { weight: 1, arbitrary: fc.constant('client-sid' as const) },
          { weight: 1, arbitrary: fc.constant('anonymous' as const) },
        ),
        clientPick,
        pick,
      )
      .map(([a, how, c, p]) => new MeSessionsCommand(a, how, c, p)),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.option(clientPick, { freq: 3 }), fc.boolean()).map(([u, c, http]) => new CreateCommand(u, c, http)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom<'sign-out' | 'destroy'>('sign-out', 'destroy'), fc.option(clientPick, { freq: 8 }), fc.constantFrom<'cookie' | 'native'>('cookie', 'native'), fc.boolean())
      .map(([a, p, v, o]) => new ClientCommand(a, p, v, o)),
  },
  // Mostly moves within a token's lifetime (tokens stay, iat < client updated_at decides), sometimes far.
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(1, SECOND - 1, SECOND, 30 * SECOND, MIN - 1, MIN, MIN + 1) },
          { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 * HOUR }) },
          { weight: 1, arbitrary: fc.oneof(fc.constantFrom(HOUR, DAY, 7 * DAY), fc.integer({ min: 0, max: 10 * DAY })) },
        ),
        fc.boolean(),
      )
      .map(([ms, http]) => new ClockCommand({ kind: 'advance', ms }, http)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(pick, fc.constantFrom<'expire' | 'abandon' | 'token'>('expire', 'abandon', 'token', 'token'), delta, fc.boolean())
      .map(([p, which, d, http]) => new ClockCommand({ kind: 'boundary', pick: p, which, delta: d }, http)),
  },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: -DAY, max: 40 * DAY }), fc.boolean()).map(([offset, http]) => new ClockCommand({ kind: 'set', offset }, http)) },
  { weight: 1, arbitrary: fc.boolean().map((http) => new ResetCommand(http)) },
)

// ---- properties --------------------------------------------------------------------------------

interface Variant {
  name: string
  settings: Settings
  fixtureSettings: Record<string, string | null>
  seed: number
}

const DEFAULTS = { lifetime: 7 * DAY, abandonAfter: 30 * DAY, inactivity: null, tokenLifetime: MIN, strict: false }

const variants: Variant[] = [
  {
    name: 'default settings (7d lifetime, abandoned after 30d, no inactivity timeout, 60s tokens)',
    settings: DEFAULTS,
    fixtureSettings: {},
    seed: 0x5e55_1001,
  },
  {
    name: 'abandon_at before expire_at (lifetime 3d, abandoned after 2d)',
    settings: { ...DEFAULTS, lifetime: 3 * DAY, abandonAfter: 2 * DAY },
    fixtureSettings: { session_lifetime: '3d', abandon_after: '2d' },
    seed: 0x5e55_1002,
  },
  {
    name: 'inactivity timeout 1h moves abandon_at (lifetime 1d, 5m tokens)',
    settings: { ...DEFAULTS, lifetime: DAY, inactivity: HOUR, tokenLifetime: 5 * MIN },
    fixtureSettings: { session_lifetime: '1d', inactivity_timeout: '1h', token_lifetime: '5m' },
    seed: 0x5e55_1003,
  },
  {
    name: 'strict clients (anonymous requests are signed out; 30s tokens)',
    settings: { ...DEFAULTS, strict: true, tokenLifetime: 30 * SECOND },
    fixtureSettings: { token_lifetime: '30s' },
    seed: 0x5e55_1004,
  },
]

/** At least this share of the Frontend API commands (session operations, lists, sign-outs, creations) must succeed. */
const MIN_SUCCESS = 0.4

for (const variant of variants) {
  t.test(`model-based: ${variant.name}`, async (t) => {
    const h = mockWith(fixture(variant.fixtureSettings), { strictClients: variant.settings.strict })
    const stats: Stats = { ok: 0, failed: 0, levers: 0, outcomes: new Map() }
    const real: Real = { h, publicKey: createPublicKey(h.mock.publicKeyPem), step: 0, stats }
    const { seed, numRuns } = fcParams(variant.seed, 30)
    let steps = 0
    await fc.assert(
      fc.asyncProperty(fc.commands([command], { maxCommands: 35, size: 'large' }), async (cmds) => {
        h.mock.reset()
        const m = new Model(variant.settings)
        m.reset((id) => h.mock.clientToken(id))
        real.step = 0
        await checkState(m, real)
        await fc.asyncModelRun(() => ({ model: m, real }), cmds)
        steps += [...cmds].length
      }),
      { seed, numRuns, verbose: 1 },
    )
    const total = stats.ok + stats.failed
    t.pass(`${numRuns} runs, ${steps} commands, every step matched the model (seed ${seed})`)
    t.comment(`Frontend API commands: ${stats.ok} succeeded, ${stats.failed} failed (${((100 * stats.ok) / total).toFixed(1)}% ok); ${stats.levers} clock moves and resets`)
    t.comment(`outcomes: ${[...stats.outcomes].sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`)
    t.ok(stats.ok / total >= MIN_SUCCESS, `at least ${100 * MIN_SUCCESS}% of the Frontend API commands succeed (${stats.ok} of ${total})`)
    // The runs reached both sides of the rules (with the default run count; FC_RUNS=3 explores less).
    if (numRuns >= 20) {
      const reached = ['get 200', 'touch 200', 'tokens 200', 'end 200', 'remove 200', 'revoke 200', 'me/sessions 200', 'me/sessions/active 200', 'create 200']
      reached.push('tokens 401', 'touch 400', 'get 404', 'me/sessions 401', 'pending: tokens 200', 'pending: touch 200')
      for (const key of reached) t.ok((stats.outcomes.get(key) ?? 0) > 0, `the runs reached "${key}"`)
    }
  })
}
