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
 * Sign-in and sign-up (§14) are commands too, from a new browser (cookie or native), a stale one or
 * a client the model knows: password in one call (what @clerk/testing sends), the identifier then
 * attempt_first_factor with the password, the identifier then prepare_first_factor + the email code,
 * strategy=email_code then the code (424242), each with wrong passwords, wrong codes and unknown
 * identifiers; separate steps on any attempt the model knows (its own client, another, nobody);
 * sign-ups of a fresh address, a taken one (any case) and one another sign-up is still verifying,
 * with or without the code at once. The compared state then also holds every client's sign_in and
 * sign_up, every user, every message the mock would have sent, and in turn one attempt of each kind
 * read by id. Checked on the real answers alone (whatever the model says): a completed attempt's
 * created_session_id is an active session of its client and its last active one, and the attempt
 * is no longer the client's sign_in/sign_up; a client's sign_in/sign_up is always one in progress;
 * email addresses stay unique; every session's user exists. The single-session variant answers
 * session_exists to a signed-in client, when an attempt starts and before a step that may complete
 * it; a user already signed in on the client gets identifier_already_signed_in naming that session;
 * an address taken while a sign-up waits is refused before its code counts.
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
 * The sign-in and sign-up mutations (run against main at 7f91acd):
 *   sign-in.ts complete without creating the session ................ red  sign-in(password, new/cookie):
 *     "created_session_id null is an active session of the client"
 *   attempts.ts inProgress keeps a complete attempt on the client ... red  sign-up(fresh, then the code, new):
 *     "the complete attempt is no longer the client's sign_up" (sign-ins and sign-ups share attempts.ts)
 *   attempts.ts inProgress ignores abandon_at ....................... red  sign-in(identifier, then a wrong
 *     password), set(T0+24h): the client's sign_in at exactly its abandon_at
 *   sign-in.ts wrong one-call password checked after the attempt ..... red  sign-in(password, wrong, new/cookie)
 *   sign-in.ts attempt_first_factor marks the password verified first  red  sign-in(identifier, then a wrong password)
 *   mock-core.ts assertMaySignIn without the single-session rule ..... red  sign-in(password, wrong) on client A
 *   mock-core.ts createSignIn always on a new client ................. red  sign-in(identifier …) on client A
 *   mock-core.ts reset() keeps sign-in attempts ..................... red  the seed state of the next run
 *   sign-ins.ts a new browser gets no cookie ......................... red  sign-in(password, new/cookie)
 *   verification.ts a 6th wrong code still form_code_incorrect ...... GREEN: five wrong codes on one attempt
 *     are rarely reached here (test/sign-ins.test.ts covers the limit)
 *   verification.ts a code still works at exactly expire_at ......... GREEN: the clock rarely lands on a code's
 *     expire_at (test/sign-ins.test.ts covers it)
 *   sign-up.ts no second "taken" check when a sign-up completes ..... GREEN: two sign-ups of one address both
 *     verified is rare here (the unique-email invariant would catch it)
 *   attempts.ts a destroyed client's attempt still found by id ...... GREEN: equivalent from outside (its
 *     client is gone, so the answer is a 404 either way)
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

/** The seeded users, with the passwords they sign in with. */
const SEED_USERS = [
  { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', password: 'ada-password-1' },
  { id: BOB, first_name: 'Bob', last_name: 'Builder', email_address: 'bob@example.com', password: 'bob-password-1' },
]

function fixture(settings: Record<string, string | null>, singleSession: boolean) {
  const offset = (ms: number) => `-${-ms / MIN}m`
  return {
    clock: new Date(T0).toISOString(),
    settings,
    ...(singleSession ? { environment: { auth_config: { single_session_mode: true } } } : {}),
    users: SEED_USERS,
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
  /** `auth_config.single_session_mode`: a client with a signed-in session may not start a sign-in or sign-up (§14). */
  singleSession: boolean
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
  /** The client's latest sign-in / sign-up attempt: its `sign_in` / `sign_up` while that is in progress. */
  latestSignIn: string | null
  latestSignUp: string | null
}

/** A code or password check (§14): codes live 10 minutes and fail after 5 wrong tries. */
interface MVerification {
  strategy: 'password' | 'email_code'
  status: 'unverified' | 'verified' | 'failed' | 'expired'
  attempts: number | null
  expireAt: number | null
}

interface MUser {
  id: string
  email: string
  password: string
  /** null for the seeded users (the fixture gives none). */
  createdAt: number | null
}

/** A sign-in attempt (`sia_…`): only the statuses these commands reach. */
interface MSignIn {
  id: string
  clientId: string
  userId: string
  identifier: string
  status: 'needs_first_factor' | 'complete'
  first: MVerification | null
  createdSessionId: string | null
  abandonAt: number
  /** Its client was destroyed, or a reset cleared every attempt. */
  gone: boolean
}

/** A sign-up attempt (`sua_…`) of an email address and a password. */
interface MSignUp {
  id: string
  clientId: string
  email: string
  status: 'missing_requirements' | 'complete'
  verification: MVerification
  createdUserId: string | null
  createdSessionId: string | null
  abandonAt: number
  gone: boolean
}

const CODE = '424242'
const CODE_LIFETIME = 10 * MIN
const MAX_CODE_ATTEMPTS = 5
const ATTEMPT_LIFETIME = DAY
/** The first factors of a user with an email address and a password, in Clerk's order. */
const FIRST_FACTORS = ['password', 'email_code', 'reset_password_email_code']

class Model {
  sessions: MSession[] = []
  clients: MClient[] = []
  users: MUser[] = []
  signIns: MSignIn[] = []
  signUps: MSignUp[] = []
  /** What the mock would have sent, oldest first (`mock.messages`). */
  messages: { to: string; kind: string; code: string }[] = []
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
    // Every attempt and message is cleared, and only the seeded users are left.
    for (const a of [...this.signIns, ...this.signUps]) a.gone = true
    this.messages = []
    this.users = SEED_USERS.map((u) => ({ id: u.id, email: u.email_address, password: u.password, createdAt: null }))
    const clients: MClient[] = []
    for (const { clientId, sessions } of SEED) {
      const old = this.clients.find((c) => c.id === clientId)
      // A seeded client keeps its id, so the token a test already holds stays valid.
      const c: MClient = { id: clientId, token: old?.token ?? tokenOf(clientId), lastActive: null, createdAt: T0, updatedAt: T0, destroyed: false, latestSignIn: null, latestSignUp: null }
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
    const c: MClient = { id, token, lastActive: null, createdAt: this.now, updatedAt: this.now, destroyed: false, latestSignIn: null, latestSignUp: null }
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

  // ---- sign-in and sign-up (§14) ----

  /** Single-session mode: a client the mock knows with a signed-in session may not start an attempt. */
  sessionExists(c: MClient | null): boolean {
    return this.settings.singleSession && c !== null && this.sessionsOf(c).some((s) => this.signedIn(s))
  }

  /** The user's signed-in session on the client, which Clerk's identifier_already_signed_in names. */
  alreadySignedIn(c: MClient | null, userId: string | null): MSession | undefined {
    return c === null || userId === null ? undefined : this.sessionsOf(c).find((s) => s.userId === userId && this.signedIn(s))
  }

  codeSent(): MVerification {
    return { strategy: 'email_code', status: 'unverified', attempts: 0, expireAt: this.now + CODE_LIFETIME }
  }

  /** A typed code against a sent one: the error code it gets, or null when it verifies (then `verified`). */
  checkCode(v: MVerification, code: string): string | null {
    if (v.status === 'verified') return 'verification_already_verified'
    if (v.status === 'failed') return 'verification_failed'
    if (v.status === 'expired' || this.now >= v.expireAt!) {
      // Once seen expired it stays expired, even if the clock is set back.
      v.status = 'expired'
      return 'verification_expired'
    }
    if (code !== CODE) {
      v.attempts! += 1
      if (v.attempts! >= MAX_CODE_ATTEMPTS) v.status = 'failed'
      return 'form_code_incorrect'
    }
    v.status = 'verified'
    return null
  }

  /** A completed attempt: a new session of its user on its client, which becomes the last active one. */
  complete(a: MSignIn | MSignUp, sessionId: string, userId: string): MSession {
    ok(!this.session(sessionId), `${a.id}: created_session_id ${sessionId} is a new session`)
    const s = this.addSession(sessionId, this.client(a.clientId), userId)
    a.createdSessionId = sessionId
    a.status = 'complete'
    return s
  }

  abandoned(a: MSignIn | MSignUp): boolean {
    return a.status !== 'complete' && this.now >= a.abandonAt
  }

  /** The client's latest attempt while it is in progress: not complete, not abandoned, not gone. */
  inProgress<A extends MSignIn | MSignUp>(all: A[], id: string | null): A | null {
    const a = id === null ? undefined : all.find((x) => x.id === id)
    return a === undefined || a.gone || a.status === 'complete' || this.abandoned(a) ? null : a
  }

  verificationView(v: MVerification | null) {
    if (v === null) return null
    const status = v.status === 'unverified' && v.expireAt !== null && this.now >= v.expireAt ? 'expired' : v.status
    return { object: v.strategy === 'password' ? 'verification_password' : 'verification_otp', status, strategy: v.strategy, attempts: v.attempts, expire_at: v.expireAt }
  }

  signInView(a: MSignIn) {
    return {
      id: a.id,
      status: this.abandoned(a) ? 'abandoned' : a.status,
      identifier: a.identifier,
      factors: FIRST_FACTORS,
      first_factor_verification: this.verificationView(a.first),
      created_session_id: a.createdSessionId,
      abandon_at: a.abandonAt,
    }
  }

  signUpView(a: MSignUp) {
    const v = this.verificationView(a.verification)!
    return {
      id: a.id,
      status: this.abandoned(a) ? 'abandoned' : a.status,
      email_address: a.email,
      missing_fields: [],
      unverified_fields: a.status === 'complete' || a.verification.status === 'verified' ? [] : ['email_address'],
      verification: { ...v, next_action: v.status === 'verified' ? '' : 'needs_attempt' },
      created_user_id: a.createdUserId,
      created_session_id: a.createdSessionId,
      abandon_at: a.abandonAt,
    }
  }

  userView(u: MUser) {
    return { id: u.id, emails: [u.email], password_enabled: true, ...(u.createdAt === null ? {} : { created_at: u.createdAt }) }
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
      sign_in: mapNull(this.inProgress(this.signIns, c.latestSignIn), (a) => this.signInView(a)),
      sign_up: mapNull(this.inProgress(this.signUps, c.latestSignUp), (a) => this.signUpView(a)),
    }
  }

  /** GET /__mock/state: every live client with every session it ever had, marked on_client; every user. */
  stateView() {
    return {
      now: this.now,
      clients: this.clients.filter((c) => this.live(c)).map((c) => ({
        ...this.clientView(c, []),
        sessions: this.everSessionsOf(c).map((s) => ({ ...this.sessionView(s), on_client: this.onClient(s) })),
      })),
      users: this.users.map((u) => this.userView(u)),
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
const mapNull = <A, B>(x: A | null, f: (x: A) => B): B | null => (x === null ? null : f(x))
const verificationView = (v: any) => v && { object: v.object, status: v.status, strategy: v.strategy, attempts: v.attempts, expire_at: v.expire_at }
const signInView = (j: any) => ({
  id: j.id,
  status: j.status,
  identifier: j.identifier,
  factors: j.supported_first_factors.map((f: any) => f.strategy),
  first_factor_verification: verificationView(j.first_factor_verification),
  created_session_id: j.created_session_id,
  abandon_at: j.abandon_at,
})
const signUpView = (j: any) => ({
  id: j.id,
  status: j.status,
  email_address: j.email_address,
  missing_fields: j.missing_fields,
  unverified_fields: j.unverified_fields,
  verification: { ...verificationView(j.verifications.email_address), next_action: j.verifications.email_address.next_action },
  created_user_id: j.created_user_id,
  created_session_id: j.created_session_id,
  abandon_at: j.abandon_at,
})
const clientView = (j: any) => ({
  id: j.id,
  sessions: j.sessions.map(sessionView),
  last_active_session_id: j.last_active_session_id,
  created_at: j.created_at,
  updated_at: j.updated_at,
  sign_in: mapNull(j.sign_in, signInView),
  sign_up: mapNull(j.sign_up, signUpView),
})
const SEEDED_USERS = new Set(SEED_USERS.map((u) => u.id))
const userView = (u: any) => ({
  id: u.id,
  emails: u.email_addresses.map((e: any) => e.email_address),
  password_enabled: u.password_enabled,
  ...(SEEDED_USERS.has(u.id) ? {} : { created_at: u.created_at }),
})
const stateView = (j: any) => ({
  now: j.now,
  clients: j.clients.map((c: any) => ({ ...clientView({ ...c, sessions: [] }), sessions: c.sessions.map((s: any) => ({ ...sessionView(s), on_client: s.on_client })) })),
  users: j.users.map(userView),
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
  /** Fresh email addresses handed out for sign-ups (never reused, across runs). */
  emails: number
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
  invariants(state.json)
  deepStrictEqual(
    real.h.mock.messages.map((x) => ({ to: x.to, kind: x.kind, code: x.code })),
    m.messages,
    'messages: one per code sent, cleared by a reset',
  )
  await readAttempts(m, real, k)

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

/**
 * What holds of any state, whatever the model says (so a wrong model cannot hide it): a client's
 * sign_in / sign_up is an attempt in progress (never complete or abandoned), email addresses are
 * unique across users, every session belongs to a user the mock has, and a client's last active
 * session is one of its signed-in sessions.
 */
function invariants(state: any): void {
  const users = new Set<string>(state.users.map((u: any) => u.id))
  const emails = state.users.flatMap((u: any) => u.email_addresses.map((e: any) => e.email_address.toLowerCase()))
  equal(new Set(emails).size, emails.length, `email addresses are unique: ${emails}`)
  for (const c of state.clients) {
    if (c.sign_in !== null) ok(c.sign_in.status.startsWith('needs_') && c.sign_in.abandon_at > state.now, `${c.id}: sign_in is in progress (${c.sign_in.status})`)
    if (c.sign_up !== null) ok(c.sign_up.status === 'missing_requirements' && c.sign_up.abandon_at > state.now, `${c.id}: sign_up is in progress (${c.sign_up.status})`)
    for (const s of c.sessions) ok(users.has(s.user_id), `${s.id}: its user ${s.user_id} exists`)
    if (c.last_active_session_id !== null) {
      const last = c.sessions.find((s: any) => s.id === c.last_active_session_id)
      ok(last?.on_client === true, `${c.id}: last_active_session_id is a session still on the client`)
    }
  }
}

/** In turn, one sign-in and one sign-up attempt read by id (anonymously; through its own client in strict mode). */
async function readAttempts(m: Model, real: Real, k: number): Promise<void> {
  const reads: [string, MSignIn | MSignUp | undefined][] = [
    ['sign_ins', m.signIns[(k * 3) % Math.max(1, m.signIns.length)]],
    ['sign_ups', m.signUps[(k * 5) % Math.max(1, m.signUps.length)]],
  ]
  for (const [path, a] of reads) {
    if (a === undefined) continue
    const own = m.client(a.clientId)
    const caller: Caller = m.settings.strict ? { kind: 'client', client: own, via: 'cookie' } : { kind: 'anonymous' }
    const res = await send(real, caller, 'GET', `/v1/client/${path}/${a.id}`)
    const what = `GET ${path}/${a.id} (${a.status}${a.gone ? ', gone' : ''}) as ${describeCaller(caller)}`
    if (caller.kind === 'client' && caller.client.destroyed) expectOutcome(res, SIGNED_OUT, what)
    else if (a.gone) expectOutcome(res, NOT_FOUND, what)
    else {
      expectOutcome(res, OK, what)
      const view = 'email' in a ? [signUpView(res.json.response), m.signUpView(a)] : [signInView(res.json.response), m.signInView(a as MSignIn)]
      deepStrictEqual(view[0], view[1], what)
      deepStrictEqual(clientView(res.json.client), m.clientView(own), `${what}: envelope client`)
    }
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
      // Its attempts go with it.
      for (const a of [...m.signIns, ...m.signUps]) if (a.clientId === client.id) a.gone = true
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

// ---- sign-in and sign-up commands (§14) -----------------------------------------------------------

/**
 * Who starts an attempt: a browser without a client (no cookie, or a native app without a token),
 * or one with a client picked from the model; a stale client (destroyed, or dropped by a reset) is
 * a browser without one to the mock, which then gets a new client and its credential.
 */
type Browser = { kind: 'new'; via: 'cookie' | 'native' } | { kind: 'client'; client: MClient; via: 'cookie' | 'native' }
type BrowserPick = { client: ClientPick | null; via: 'cookie' | 'native' }

function pickBrowser(m: Model, p: BrowserPick): Browser {
  const client = p.client === null ? null : pickClient(m, p.client)
  return client === null ? { kind: 'new', via: p.via } : { kind: 'client', client, via: p.via }
}

const describeBrowser = (b: Browser) => (b.kind === 'new' ? `a new ${b.via} browser` : describeCaller(b))

async function sendAs(real: Real, b: Browser, method: string, path: string, body?: string) {
  if (b.kind === 'client') return send(real, b, method, path, body)
  if (b.via === 'cookie') return real.h.call(method, path, { body })
  return real.h.call(method, `${path}?_is_native=1`, { body, headers: { authorization: '' } })
}

/** The client token an answer handed out: a native answer's Authorization header, or a `__client` cookie it set (null if none). */
function handedOut(res: { headers: Record<string, unknown> }, via: 'cookie' | 'native'): string | null {
  if (via === 'native') return typeof res.headers.authorization === 'string' ? res.headers.authorization : null
  const set = ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []).find((c) => /^__client=[^;]/.test(c))
  return set === undefined ? null : decodeURIComponent(set.slice('__client='.length, set.indexOf(';')))
}

/** The client an accepted attempt is on: the browser's own, or a new one whose credential the answer handed out. */
function attemptClient(m: Model, real: Real, b: Browser, res: { json: any; headers: Record<string, unknown> }, what: string): MClient {
  const token = handedOut(res, b.via)
  if (b.kind === 'client' && !b.client.destroyed) {
    equal(res.json.client.id, b.client.id, `${what}: on the browser's client`)
    if (b.via === 'cookie') equal(token, null, `${what}: the browser keeps its cookie`)
    return b.client
  }
  ok(!m.clients.some((x) => x.id === res.json.client.id), `${what}: a new client id`)
  ok(token !== null && verifies(real, token), `${what}: the new client's credential is handed out (${b.via})`)
  equal(JSON.parse(Buffer.from(token!.split('.')[1], 'base64url').toString('utf8')).id, res.json.client.id, `${what}: the credential names the new client`)
  return m.addClient(res.json.client.id, token!)
}

/** A refused attempt leaves nothing behind: no client handed out, and a stale cookie is cleared. */
function refusedLeavesNothing(b: Browser, res: { headers: Record<string, unknown> }, what: string): void {
  if (b.via === 'cookie') equal(handedOut(res, 'cookie'), null, `${what}: no client handed out`)
  if (b.kind === 'new' && b.via === 'native') equal(res.headers.authorization, undefined, `${what}: no client handed out`)
  if (b.kind === 'client' && b.client.destroyed && b.via === 'cookie') ok(/^__client=;.*Max-Age=0/.test(String(res.headers['set-cookie'])), `${what}: the stale cookie is cleared`)
}

/**
 * A completed attempt, on the real answer alone: its created_session_id is an active session of
 * the client and its last active one, and the attempt is no longer the client's attempt in progress.
 */
function assertCompleted(json: { response: any; client: any }, kind: 'sign_in' | 'sign_up', what: string): void {
  const sid = json.response.created_session_id
  equal(json.response.status, 'complete', `${what}: complete`)
  const s = json.client.sessions.find((x: any) => x.id === sid)
  equal(s?.status, 'active', `${what}: created_session_id ${sid} is an active session of the client`)
  equal(json.client.last_active_session_id, sid, `${what}: and its last active session`)
  ok(json.client[kind]?.id !== json.response.id, `${what}: the complete attempt is no longer the client's ${kind}`)
}

function expectError(res: { status: number; json: any }, status: number, code: string, param: string | null, what: string): void {
  expectOutcome(res, { status, code }, what)
  if (param !== null) equal(res.json.errors[0].meta?.param_name, param, `${what}: meta.param_name`)
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const WRONG_PASSWORD = 'not-the-password'
const SIGN_UP_PASSWORD = 'new-user-password-1'

/**
 * POST /v1/client/sign_ins: identifier + password in one call (what @clerk/testing sends), the
 * identifier alone (the prebuilt UI's first step), or identifier + strategy=email_code (the code
 * is sent at once). The identifier is a user's email address (any case), or nobody's.
 */
class SignInCommand implements Cmd {
  constructor(
    readonly how: 'password' | 'identifier' | 'identifier-code' | 'email_code',
    readonly browser: BrowserPick,
    readonly user: number,
    readonly input: 'right' | 'wrong-password' | 'unknown-identifier',
    readonly shout: boolean,
    /** After an identifier (or email_code) create, the next step at once: attempt_first_factor with the password (or the code). */
    readonly then: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const b = pickBrowser(m, this.browser)
    const user = m.users[this.user % m.users.length]
    const identifier = this.input === 'unknown-identifier' ? 'nobody@example.com' : this.shout ? user.email.toUpperCase() : user.email
    const fields: Record<string, string> = { identifier, locale: 'en-US' }
    if (this.how === 'password') Object.assign(fields, { strategy: 'password', password: this.input === 'wrong-password' ? WRONG_PASSWORD : user.password })
    if (this.how === 'email_code') fields.strategy = 'email_code'
    const res = await sendAs(real, b, 'POST', '/v1/client/sign_ins', form(fields))
    const what = `${this} as ${describeBrowser(b)} at T0+${m.now - T0}`
    const seen = b.kind === 'client' && !b.client.destroyed ? b.client : null
    const key = `sign-in ${this.how === 'identifier-code' ? 'identifier' : this.how}`
    const already = this.input === 'unknown-identifier' ? undefined : m.alreadySignedIn(seen, user.id)
    if (m.sessionExists(seen)) {
      expectError(res, 400, 'session_exists', null, what)
      count(real, `${key} 400`, false)
    } else if (already !== undefined) {
      expectError(res, 400, 'identifier_already_signed_in', null, what)
      equal(res.json.errors[0].meta?.session_id, already.id, `${what}: meta.session_id names the session`)
      count(real, `${key} already signed in`, false)
    } else if (this.input === 'unknown-identifier') {
      expectError(res, 422, 'form_identifier_not_found', 'identifier', what)
      count(real, `${key} 422`, false)
    } else if (this.how === 'password' && this.input === 'wrong-password') {
      expectError(res, 422, 'form_password_incorrect', 'password', what)
      count(real, `${key} 422`, false)
    } else {
      expectOutcome(res, OK, what)
      count(real, `${key} 200`, true)
      const client = attemptClient(m, real, b, res, what)
      const id = res.json.response.id
      ok(/^sia_/.test(id) && !m.signIns.some((x) => x.id === id), `${what}: a new sia_ id`)
      const a: MSignIn = { id, clientId: client.id, userId: user.id, identifier, status: 'needs_first_factor', first: null, createdSessionId: null, abandonAt: m.now + ATTEMPT_LIFETIME, gone: false }
      m.signIns.push(a)
      client.latestSignIn = id
      if (this.how === 'password') {
        a.first = { strategy: 'password', status: 'verified', attempts: null, expireAt: null }
        m.complete(a, res.json.response.created_session_id, user.id)
        assertCompleted(res.json, 'sign_in', what)
      }
      if (this.how === 'email_code') {
        a.first = m.codeSent()
        m.messages.push({ to: user.email, kind: 'sign_in_code', code: CODE })
      }
      deepStrictEqual(signInView(res.json.response), m.signInView(a), `${what}: the attempt`)
      deepStrictEqual(clientView(res.json.client), m.clientView(client), `${what}: the client`)
      if (this.then && this.how !== 'password') {
        await checkState(m, real)
        const own: Who = b.via === 'native' ? 'own-native' : 'own-cookie'
        const step = (s: 'password' | 'prepare-email' | 'email-code', right: boolean) => new SignInStepCommand(s, { from: 'open', i: 0 }, own, right, 0, a).run(m, real)
        // The prebuilt UI's email code: the identifier, prepare_first_factor, then the code.
        if (this.how === 'identifier-code') await step('prepare-email', true)
        return step(this.how === 'identifier' ? 'password' : 'email-code', this.input === 'right')
      }
    }
    if (res.status !== 200) refusedLeavesNothing(b, res, what)
    await checkState(m, real)
  }
  toString() {
    const b = this.browser
    return `sign-in(${this.how}${this.then && this.how !== 'password' ? ' then attempt' : ''}, user #${this.user}${this.input === 'right' ? '' : `, ${this.input}`}${this.shout ? ', upper case' : ''}, ${b.client === null ? 'new' : `client ${b.client.from} #${b.client.i}`}/${b.via})`
  }
}

/** An attempt the model knows, chosen when the command runs: mostly one still in progress; or an id the mock never issued. */
type AttemptPick = { from: 'open' | 'any'; i: number }

function pickAttempt<A extends MSignIn | MSignUp>(m: Model, all: A[], p: AttemptPick): A | undefined {
  const open = all.filter((a) => !a.gone && a.status !== 'complete' && !m.abandoned(a))
  const pool = p.from === 'open' && open.length > 0 ? open : all
  return pool.length === 0 ? undefined : pool[p.i % pool.length]
}

/** Who sends a step: the attempt's own client (cookie or native), nobody, or another live client. */
function stepCaller(m: Model, who: Who, clientId: string | undefined, salt: number): Caller {
  if (who === 'anonymous' || clientId === undefined) return { kind: 'anonymous' }
  const own = m.client(clientId)
  if (who === 'own-cookie' || who === 'own-native') return { kind: 'client', client: own, via: who === 'own-native' ? 'native' : 'cookie' }
  const others = m.clients.filter((c) => m.live(c) && c !== own)
  return others.length === 0 ? { kind: 'anonymous' } : { kind: 'client', client: others[salt % others.length], via: 'cookie' }
}

/** The refusals every step shares: the caller (§5), then the attempt (gone, or another client's). */
function stepRefusal(m: Model, caller: Caller, a: MSignIn | MSignUp | undefined): Expected | null {
  if (caller.kind === 'client' && caller.client.destroyed) return SIGNED_OUT
  if (caller.kind === 'anonymous' && m.settings.strict) return SIGNED_OUT
  if (a === undefined || a.gone || (caller.kind === 'client' && caller.client.id !== a.clientId)) return NOT_FOUND
  return null
}

/** A step of a sign-in: attempt_first_factor with a password, prepare_first_factor email_code, attempt_first_factor with the code. */
class SignInStepCommand implements Cmd {
  constructor(
    readonly step: 'password' | 'prepare-email' | 'email-code',
    readonly pick: AttemptPick,
    readonly who: Who,
    readonly right: boolean,
    readonly salt: number,
    /** The attempt a flow just started (else the pick decides). */
    readonly target?: MSignIn,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const a = this.target ?? pickAttempt(m, m.signIns, this.pick)
    const id = a?.id ?? 'sia_unknown000000000000000000000'
    const caller = stepCaller(m, this.who, a?.clientId, this.salt)
    const user = a === undefined ? undefined : m.users.find((u) => u.id === a.userId)
    const [path, body] =
      this.step === 'prepare-email'
        ? ['prepare_first_factor', form({ strategy: 'email_code' })]
        : this.step === 'password'
          ? ['attempt_first_factor', form({ strategy: 'password', password: this.right ? (user?.password ?? 'x') : WRONG_PASSWORD })]
          : ['attempt_first_factor', form({ strategy: 'email_code', code: this.right ? CODE : '111111' })]
    const res = await send(real, caller, 'POST', `/v1/client/sign_ins/${id}/${path}`, body)
    const what = `${this} on ${id} (${a?.status ?? 'unknown'}) as ${describeCaller(caller)} at T0+${m.now - T0}`
    const key = `sign-in-step ${this.step}`
    const refused = stepRefusal(m, caller, a)
    if (refused !== null) {
      expectOutcome(res, refused, what)
      count(real, `${key} ${refused.status}`, false)
      return checkState(m, real)
    }
    const attempt = a!
    // An abandoned or complete attempt takes no step.
    if (m.abandoned(attempt) || attempt.status !== 'needs_first_factor') {
      expectError(res, 400, 'client_state_invalid', null, what)
      count(real, `${key} 400`, false)
      return checkState(m, real)
    }
    let error: [number, string, string | null] | null = null
    // Before a step that may complete it: another attempt of the same client may have signed in meanwhile.
    const client = m.client(attempt.clientId)
    const already = this.step === 'prepare-email' ? undefined : m.alreadySignedIn(client, attempt.userId)
    if (this.step !== 'prepare-email' && m.sessionExists(client)) {
      error = [400, 'session_exists', null]
    } else if (already !== undefined) {
      error = [400, 'identifier_already_signed_in', null]
    } else if (this.step === 'prepare-email') {
      attempt.first = m.codeSent()
      m.messages.push({ to: user!.email, kind: 'sign_in_code', code: CODE })
    } else if (this.step === 'password') {
      if (this.right) attempt.first = { strategy: 'password', status: 'verified', attempts: null, expireAt: null }
      else error = [422, 'form_password_incorrect', 'password']
    } else if (attempt.first === null || attempt.first.strategy !== 'email_code') {
      error = [400, 'verification_missing', null]
    } else {
      const code = m.checkCode(attempt.first, this.right ? CODE : '111111')
      if (code !== null) error = [code === 'form_code_incorrect' ? 422 : 400, code, code === 'form_code_incorrect' ? 'code' : null]
    }
    if (error !== null) {
      expectError(res, error[0], error[1], error[2], what)
      count(real, `${key} ${error[0]}`, false)
      if (error[1] === 'verification_expired' || error[1] === 'verification_failed') count(real, `${key} ${error[1]}`, false)
      return checkState(m, real)
    }
    expectOutcome(res, OK, what)
    count(real, `${key} 200`, true)
    if (this.step !== 'prepare-email') {
      m.complete(attempt, res.json.response.created_session_id, attempt.userId)
      // The attempt completed is not the client's sign_in; a later attempt still in progress stays so.
      if (client.latestSignIn !== attempt.id) count(real, 'pending: an older attempt completed', true)
      assertCompleted(res.json, 'sign_in', what)
    }
    deepStrictEqual(signInView(res.json.response), m.signInView(attempt), `${what}: the attempt`)
    deepStrictEqual(clientView(res.json.client), m.clientView(m.client(attempt.clientId)), `${what}: the attempt's client`)
    await checkState(m, real)
  }
  toString() {
    return `sign-in-step(${this.step}${this.right ? '' : ', wrong'}, ${this.pick.from} #${this.pick.i}, ${this.who}, ${this.salt})`
  }
}

/**
 * POST /v1/client/sign_ups with an email address and a password: a fresh address, an address a
 * user has (any case: form_identifier_exists), or the address of another sign-up still in progress
 * (accepted: only a user holds an address).
 */
class SignUpCommand implements Cmd {
  constructor(
    readonly browser: BrowserPick,
    readonly email: 'fresh' | 'taken' | 'pending',
    readonly i: number,
    /** attempt_verification with the code at once (a wrong one when `right` is false). */
    readonly then: boolean,
    readonly right: boolean,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const b = pickBrowser(m, this.browser)
    const open = m.signUps.filter((a) => !a.gone && a.status !== 'complete' && !m.users.some((u) => u.email === a.email))
    let email: string
    let taken = false
    if (this.email === 'taken') {
      email = m.users[this.i % m.users.length].email
      if (this.i % 2 === 1) email = email.toUpperCase()
      taken = true
    } else if (this.email === 'pending' && open.length > 0) email = open[this.i % open.length].email
    else email = `new-${real.stats.emails++}@example.com`
    const res = await sendAs(real, b, 'POST', '/v1/client/sign_ups', form({ email_address: email, password: SIGN_UP_PASSWORD, locale: 'en-US' }))
    const what = `${this} (${email}) as ${describeBrowser(b)} at T0+${m.now - T0}`
    const seen = b.kind === 'client' && !b.client.destroyed ? b.client : null
    if (m.sessionExists(seen)) {
      expectError(res, 400, 'session_exists', null, what)
      count(real, 'sign-up 400', false)
    } else if (taken) {
      expectError(res, 422, 'form_identifier_exists', 'email_address', what)
      count(real, 'sign-up 422', false)
    } else {
      expectOutcome(res, OK, what)
      count(real, 'sign-up 200', true)
      const client = attemptClient(m, real, b, res, what)
      const id = res.json.response.id
      ok(/^sua_/.test(id) && !m.signUps.some((x) => x.id === id), `${what}: a new sua_ id`)
      const a: MSignUp = { id, clientId: client.id, email, status: 'missing_requirements', verification: m.codeSent(), createdUserId: null, createdSessionId: null, abandonAt: m.now + ATTEMPT_LIFETIME, gone: false }
      m.signUps.push(a)
      client.latestSignUp = id
      // The code goes out at create, as on Clerk.
      m.messages.push({ to: email, kind: 'sign_up_code', code: CODE })
      deepStrictEqual(signUpView(res.json.response), m.signUpView(a), `${what}: the attempt`)
      deepStrictEqual(clientView(res.json.client), m.clientView(client), `${what}: the client`)
      if (this.then) {
        await checkState(m, real)
        return new SignUpStepCommand('attempt', { from: 'open', i: 0 }, b.via === 'native' ? 'own-native' : 'own-cookie', this.right, 0, a).run(m, real)
      }
    }
    if (res.status !== 200) refusedLeavesNothing(b, res, what)
    await checkState(m, real)
  }
  toString() {
    const b = this.browser
    return `sign-up(${this.email} #${this.i}${this.then ? `, then the ${this.right ? 'code' : 'wrong code'}` : ''}, ${b.client === null ? 'new' : `client ${b.client.from} #${b.client.i}`}/${b.via})`
  }
}

/** A step of a sign-up: attempt_verification with the code (then a new user and a session), or prepare_verification (a new code). */
class SignUpStepCommand implements Cmd {
  constructor(
    readonly step: 'attempt' | 'prepare',
    readonly pick: AttemptPick,
    readonly who: Who,
    readonly right: boolean,
    readonly salt: number,
    readonly target?: MSignUp,
  ) {}
  check = always
  async run(m: Model, real: Real): Promise<void> {
    const a = this.target ?? pickAttempt(m, m.signUps, this.pick)
    const id = a?.id ?? 'sua_unknown000000000000000000000'
    const caller = stepCaller(m, this.who, a?.clientId, this.salt)
    const path = this.step === 'prepare' ? 'prepare_verification' : 'attempt_verification'
    const body = this.step === 'prepare' ? form({ strategy: 'email_code' }) : form({ strategy: 'email_code', code: this.right ? CODE : '111111' })
    const res = await send(real, caller, 'POST', `/v1/client/sign_ups/${id}/${path}`, body)
    const what = `${this} on ${id} (${a?.status ?? 'unknown'}) as ${describeCaller(caller)} at T0+${m.now - T0}`
    const key = `sign-up-step ${this.step}`
    const refused = stepRefusal(m, caller, a)
    if (refused !== null) {
      expectOutcome(res, refused, what)
      count(real, `${key} ${refused.status}`, false)
      return checkState(m, real)
    }
    const attempt = a!
    if (attempt.status === 'complete' || m.abandoned(attempt)) {
      expectError(res, 403, 'sign_up_cannot_be_updated', null, what)
      count(real, `${key} 403`, false)
      return checkState(m, real)
    }
    let error: [number, string, string | null] | null = null
    if (this.step === 'prepare') {
      attempt.verification = m.codeSent()
      m.messages.push({ to: attempt.email, kind: 'sign_up_code', code: CODE })
    } else if (m.sessionExists(m.client(attempt.clientId))) {
      error = [400, 'session_exists', null]
    } else if (m.users.some((u) => u.email.toLowerCase() === attempt.email.toLowerCase())) {
      // A user took the address meanwhile (another sign-up completed first): refused before the code
      // counts, so the verification stays open.
      error = [422, 'form_identifier_exists', 'email_address']
    } else {
      const code = m.checkCode(attempt.verification, this.right ? CODE : '111111')
      if (code !== null) error = [code === 'form_code_incorrect' ? 422 : 400, code, code === 'form_code_incorrect' ? 'code' : null]
    }
    if (error !== null) {
      expectError(res, error[0], error[1], error[2], what)
      count(real, `${key} ${error[0]}`, false)
      if (error[1] !== 'form_code_incorrect') count(real, `${key} ${error[1]}`, false)
      return checkState(m, real)
    }
    expectOutcome(res, OK, what)
    count(real, `${key} 200`, true)
    if (this.step === 'attempt') {
      const userId = res.json.response.created_user_id
      ok(typeof userId === 'string' && /^user_/.test(userId) && !m.users.some((u) => u.id === userId), `${what}: a new user`)
      m.users.push({ id: userId, email: attempt.email, password: SIGN_UP_PASSWORD, createdAt: m.now })
      attempt.createdUserId = userId
      m.complete(attempt, res.json.response.created_session_id, userId)
      assertCompleted(res.json, 'sign_up', what)
    }
    deepStrictEqual(signUpView(res.json.response), m.signUpView(attempt), `${what}: the attempt`)
    deepStrictEqual(clientView(res.json.client), m.clientView(m.client(attempt.clientId)), `${what}: the attempt's client`)
    await checkState(m, real)
  }
  toString() {
    return `sign-up-step(${this.step}${this.right ? '' : ', wrong'}, ${this.pick.from} #${this.pick.i}, ${this.who}, ${this.salt})`
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
// A browser signing in is as often signed out (a new browser, a stale or signed-out client) as signed in.
const browserPick: fc.Arbitrary<BrowserPick> = fc.record({
  client: fc.option(
    fc.record({
      from: fc.oneof(
        { weight: 3, arbitrary: fc.constant('signed-in' as const) },
        { weight: 3, arbitrary: fc.constant('live' as const) },
        { weight: 1, arbitrary: fc.constant('any' as const) },
      ),
      i,
    }),
    { freq: 3 },
  ),
  via: fc.constantFrom<'cookie' | 'native'>('cookie', 'cookie', 'native'),
})
const attemptPick: fc.Arbitrary<AttemptPick> = fc.record({ from: fc.constantFrom<'open' | 'any'>('open', 'open', 'open', 'any'), i })
const stepWho: fc.Arbitrary<Who> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('own-cookie' as const) },
  { weight: 2, arbitrary: fc.constant('own-native' as const) },
  { weight: 1, arbitrary: fc.constant('anonymous' as const) },
  { weight: 1, arbitrary: fc.constant('other' as const) },
)
const right = fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })

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
  // Sign-in and sign-up (§14): mostly on a client the model knows, mostly with the right input.
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom<'password' | 'identifier' | 'identifier-code' | 'email_code'>('password', 'identifier', 'identifier', 'identifier-code', 'email_code'),
        browserPick,
        i,
        fc.oneof(
          { weight: 3, arbitrary: fc.constant('right' as const) },
          { weight: 2, arbitrary: fc.constant('wrong-password' as const) },
          { weight: 1, arbitrary: fc.constant('unknown-identifier' as const) },
        ),
        fc.boolean(),
        fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      )
      .map(([how, b, u, input, shout, then]) => new SignInCommand(how, b, u, input, shout, then)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom<'password' | 'prepare-email' | 'email-code'>('password', 'prepare-email', 'prepare-email', 'email-code'), attemptPick, stepWho, right, salt)
      .map(([step, p, w, r, x]) => new SignInStepCommand(step, p, w, r, x)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(browserPick, fc.constantFrom<'fresh' | 'taken' | 'pending'>('fresh', 'fresh', 'fresh', 'taken', 'pending'), i, fc.boolean(), fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }))
      .map(([b, e, n, then, r]) => new SignUpCommand(b, e, n, then, r)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom<'attempt' | 'prepare'>('attempt', 'attempt', 'attempt', 'prepare'), attemptPick, stepWho, right, salt)
      .map(([step, p, w, r, x]) => new SignUpStepCommand(step, p, w, r, x)),
  },
)

// ---- properties --------------------------------------------------------------------------------

interface Variant {
  name: string
  settings: Settings
  fixtureSettings: Record<string, string | null>
  seed: number
}

const DEFAULTS = { lifetime: 7 * DAY, abandonAfter: 30 * DAY, inactivity: null, tokenLifetime: MIN, strict: false, singleSession: false }

const variants: Variant[] = [
  {
    name: 'default settings (7d lifetime, abandoned after 30d, no inactivity timeout, 60s tokens)',
    settings: DEFAULTS,
    fixtureSettings: {},
    seed: 0x5e55_1001,
  },
  {
    name: 'abandon_at before expire_at (lifetime 3d, abandoned after 2d), single-session mode',
    settings: { ...DEFAULTS, lifetime: 3 * DAY, abandonAfter: 2 * DAY, singleSession: true },
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
    const h = mockWith(fixture(variant.fixtureSettings, variant.settings.singleSession), { strictClients: variant.settings.strict })
    const stats: Stats = { ok: 0, failed: 0, levers: 0, outcomes: new Map(), emails: 0 }
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
      reached.push('sign-in password 200', 'sign-in password 422', 'sign-in identifier 200', 'sign-in email_code 200', 'sign-in-step password 200', 'sign-in-step password 422')
      reached.push('sign-in-step prepare-email 200', 'sign-in-step email-code 200', 'sign-in-step email-code 422', 'sign-up 200', 'sign-up 422', 'sign-up-step attempt 200', 'sign-up-step attempt 422')
      if (variant.settings.singleSession) reached.push('sign-in password 400', 'sign-up 400')
      for (const key of reached) t.ok((stats.outcomes.get(key) ?? 0) > 0, `the runs reached "${key}"`)
    }
  })
}
