/**
 * The mock's state (users, clients, sessions, dev browsers) and every operation on it. No HTTP here:
 * the routes, the control API and the programmatic handle all call these methods.
 */
import type { TimeSource } from './clock.js'
import { errors } from './errors.js'
import { newId } from './ids.js'
import { abandonAt, assertAllowed, isSignedIn, statusAt, type Settings } from './lifecycle.js'
import type { SessionStatus } from './wire.js'

export interface User {
  id: string
  firstName: string | null
  lastName: string | null
  username: string | null
  emailAddress: string | null
  emailAddressId: string | null
  imageUrl: string | null
  publicMetadata: Record<string, unknown>
  unsafeMetadata: Record<string, unknown>
  externalId: string | null
  createdAt: number
  updatedAt: number
}

export interface Session {
  id: string
  clientId: string
  userId: string
  /** Stored status; read it through `Store.status()`, which applies the clock. */
  status: SessionStatus
  createdAt: number
  updatedAt: number
  lastActiveAt: number
  expireAt: number
  abandonAt: number
  lastActiveOrganizationId: string | null
  lastActiveToken: string | null
  actor: Record<string, unknown> | null
  tasks: { key: string }[] | null
}

export interface Client {
  id: string
  /** Ids of the sessions still on the client, oldest first (removed and revoked ones are dropped). */
  sessionIds: string[]
  /** Ids of every session the client ever had, in creation order, removed and revoked ones too (for `/__mock/state`). */
  allSessionIds: string[]
  lastActiveSessionId: string | null
  createdAt: number
  updatedAt: number
}

/**
 * Who is asking. `clientId: null` is an anonymous caller (a plain curl): it may act on any session
 * by id, through that session's own client.
 */
export interface Caller {
  clientId: string | null
}

export const ANONYMOUS: Caller = { clientId: null }

/** The result of a session operation: the session and the client it was on, after the change. */
export interface SessionResult {
  session: Session
  client: Client
}

export class Store {
  readonly users = new Map<string, User>()
  readonly clients = new Map<string, Client>()
  /** Every session ever created, removed and revoked ones too (for `/__mock/state`). */
  readonly sessions = new Map<string, Session>()
  /** Dev browser id → the client it is bound to (null until it has one). */
  readonly devBrowsers = new Map<string, string | null>()
  /** User id → that user's sessions still on a client, so `userSessions` need not scan every client. */
  readonly #onClientByUser = new Map<string, Set<Session>>()
  /** Client id → creation rank: `userSessions` breaks `created_at` ties in client order, as a scan would. */
  readonly #clientRank = new Map<string, number>()
  #nextRank = 0

  constructor(
    readonly clock: TimeSource,
    readonly settings: Settings,
  ) {}

  status(session: Session): SessionStatus {
    return statusAt(session, this.clock.now())
  }

  // ---- lookups -------------------------------------------------------------------------------

  client(id: string): Client {
    const client = this.clients.get(id)
    if (!client) throw errors.notFound('client', id)
    return client
  }

  user(id: string): User {
    const user = this.users.get(id)
    if (!user) throw errors.notFound('user', id)
    return user
  }

  /** A session the caller may see: on the caller's client (or any client for an anonymous caller), not removed or revoked. */
  session(caller: Caller, id: string): SessionResult {
    const session = this.sessions.get(id)
    if (!session || (caller.clientId !== null && session.clientId !== caller.clientId)) throw errors.notFound('session', id)
    const client = this.clients.get(session.clientId)
    if (!client || !client.sessionIds.includes(id)) throw errors.notFound('session', id)
    return { session, client }
  }

  sessionsOf(client: Client): Session[] {
    return client.sessionIds.map((id) => this.sessions.get(id)!)
  }

  /** Every session the client ever had, removed and revoked ones too, oldest first. */
  allSessionsOf(client: Client): Session[] {
    return client.allSessionIds.map((id) => this.sessions.get(id)!).sort((a, b) => a.createdAt - b.createdAt)
  }

  // ---- creation ------------------------------------------------------------------------------

  createClient(id = newId('client', this.clock), at = this.clock.now()): Client {
    if (this.clients.has(id)) throw new Error(`a client with id ${id} already exists`)
    const client: Client = { id, sessionIds: [], allSessionIds: [], lastActiveSessionId: null, createdAt: at, updatedAt: at }
    this.clients.set(id, client)
    this.#clientRank.set(id, this.#nextRank++)
    return client
  }

  addUser(user: User): User {
    if (this.users.has(user.id)) throw new Error(`a user with id ${user.id} already exists`)
    this.users.set(user.id, user)
    return user
  }

  /** Signs a user in on a client (a new client when none is named): a fresh `active` session, the client's last active one. */
  createSession(userId: string, clientId?: string): SessionResult {
    this.user(userId)
    const client = clientId === undefined ? this.createClient() : this.client(clientId)
    const now = this.clock.now()
    const session = this.insertSession({
      id: newId('sess', this.clock),
      clientId: client.id,
      userId,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      lastActiveAt: now,
      expireAt: now + this.settings.sessionLifetime,
      abandonAt: abandonAt(now, now, this.settings),
      lastActiveOrganizationId: null,
      lastActiveToken: null,
      actor: null,
      tasks: null,
    })
    client.lastActiveSessionId = session.id
    client.updatedAt = now
    return { session, client }
  }

  /** Puts a fully formed session on its client (fixtures and `createSession`). */
  insertSession(session: Session): Session {
    if (this.sessions.has(session.id)) throw new Error(`a session with id ${session.id} already exists`)
    const client = this.client(session.clientId)
    this.sessions.set(session.id, session)
    client.allSessionIds.push(session.id)
    if (session.status !== 'removed' && session.status !== 'revoked') {
      client.sessionIds.push(session.id)
      this.#indexOnClient(session, true)
    }
    return session
  }

  // ---- session operations (REFERENCE §4) -----------------------------------------------------

  /** Marks activity: `last_active_at`, the client's last active session and the active organization. Never moves `expire_at`. */
  touch(caller: Caller, id: string, activeOrganizationId?: string | null): SessionResult {
    const result = this.session(caller, id)
    assertAllowed('touch', this.status(result.session), id)
    this.markActive(result)
    if (activeOrganizationId !== undefined) result.session.lastActiveOrganizationId = activeOrganizationId || null
    return result
  }

  end(caller: Caller, id: string): SessionResult {
    const result = this.session(caller, id)
    assertAllowed('end', this.status(result.session), id)
    this.setStatus(result, 'ended')
    return result
  }

  remove(caller: Caller, id: string): SessionResult {
    const result = this.session(caller, id)
    this.setStatus(result, 'removed')
    return result
  }

  /**
   * Revokes a session of the signed-in user, on this client or on another device. `userId` is the
   * revoking user (null for an anonymous caller, who may revoke any session).
   */
  revoke(userId: string | null, id: string): SessionResult {
    const result = this.session(ANONYMOUS, id)
    if (userId !== null && result.session.userId !== userId) throw errors.notFound('session', id)
    this.setStatus(result, 'revoked')
    return result
  }

  /** `[first, second]` factor ages in minutes: the first factor was verified at sign-in; no second factor (-1). */
  factorVerificationAge(session: Session): [number, number] {
    return [Math.max(0, Math.floor((this.clock.now() - session.createdAt) / 60_000)), -1]
  }

  /** For token requests: throws unless the session is signed in. */
  assertSignedIn(session: Session): void {
    assertAllowed('tokens', this.status(session), session.id)
  }

  /** `DELETE /v1/client/sessions`: every session of the client is removed; the client stays. */
  signOutClient(client: Client): Client {
    for (const id of [...client.sessionIds]) this.setStatus({ session: this.sessions.get(id)!, client }, 'removed')
    return client
  }

  /** `DELETE /v1/client`: every signed-in session ends, then the client and its sessions are gone. Returns the client as it was. */
  destroyClient(client: Client): { client: Client; sessions: Session[] } {
    const now = this.clock.now()
    const sessions = this.sessionsOf(client)
    for (const session of sessions) {
      if (isSignedIn(this.status(session))) {
        session.status = 'ended'
        session.updatedAt = now
      }
    }
    client.lastActiveSessionId = null
    client.updatedAt = now
    this.clients.delete(client.id)
    this.#clientRank.delete(client.id)
    for (const session of sessions) this.#indexOnClient(session, false)
    // Removed and revoked sessions too: they stayed for /__mock/state, but with the client gone nothing
    // can reach them, and keeping them would grow a long-running mock without end.
    for (const id of client.allSessionIds) this.sessions.delete(id)
    for (const [dvb, clientId] of this.devBrowsers) if (clientId === client.id) this.devBrowsers.set(dvb, null)
    return { client, sessions }
  }

  /** The signed-in user behind a caller: the session named by `_clerk_session_id`, else the client's last active session. */
  signedInUser(caller: Caller, sessionId: string | undefined): User {
    let id = sessionId
    if (id === undefined && caller.clientId !== null) id = this.clients.get(caller.clientId)?.lastActiveSessionId ?? undefined
    if (id === undefined) throw errors.signedOut()
    const { session } = this.sessionOrSignedOut(caller, id)
    return this.user(session.userId)
  }

  /** Sessions of a user still on a client, across every client (the user's devices), oldest first. */
  userSessions(userId: string, signedInOnly: boolean): Session[] {
    const out: Session[] = []
    for (const session of this.#onClientByUser.get(userId) ?? []) {
      if (!signedInOnly || isSignedIn(this.status(session))) out.push(session)
    }
    // Ties in created_at keep the order of a walk over clients (oldest client first), then each client's list.
    const place = (s: Session) => this.clients.get(s.clientId)!.sessionIds.indexOf(s.id)
    return out.sort((a, b) => a.createdAt - b.createdAt || this.#clientRank.get(a.clientId)! - this.#clientRank.get(b.clientId)! || place(a) - place(b))
  }

  /** The user's latest activity on any of their sessions still on a client (null: none), the same for every session. */
  userLastActiveAt(userId: string): number | null {
    let latest: number | null = null
    for (const session of this.#onClientByUser.get(userId) ?? []) latest = Math.max(latest ?? session.lastActiveAt, session.lastActiveAt)
    return latest
  }

  // ---- internals -----------------------------------------------------------------------------

  private sessionOrSignedOut(caller: Caller, id: string): SessionResult {
    try {
      const result = this.session(caller, id)
      if (isSignedIn(this.status(result.session))) return result
    } catch {
      // an unknown or foreign session says nothing more than "signed out" here
    }
    throw errors.signedOut()
  }

  /** Activity on a session: `last_active_at`, the client's last active session (touch and token mints). */
  markActive({ session, client }: SessionResult): void {
    const now = this.clock.now()
    session.lastActiveAt = now
    session.updatedAt = now
    // Without an inactivity timeout abandon_at is anchored at creation (or where a fixture put it).
    if (this.settings.inactivityTimeout !== null) session.abandonAt = abandonAt(session.createdAt, now, this.settings)
    client.lastActiveSessionId = session.id
    client.updatedAt = now
  }

  #indexOnClient(session: Session, on: boolean): void {
    let mine = this.#onClientByUser.get(session.userId)
    if (on) {
      if (mine === undefined) this.#onClientByUser.set(session.userId, (mine = new Set()))
      mine.add(session)
    } else if (mine !== undefined) {
      mine.delete(session)
      if (mine.size === 0) this.#onClientByUser.delete(session.userId)
    }
  }

  private setStatus({ session, client }: SessionResult, status: 'ended' | 'removed' | 'revoked'): void {
    const now = this.clock.now()
    session.status = status
    session.updatedAt = now
    client.updatedAt = now
    if (status !== 'ended') {
      client.sessionIds = client.sessionIds.filter((id) => id !== session.id)
      this.#indexOnClient(session, false)
    }
    if (client.lastActiveSessionId === session.id) client.lastActiveSessionId = null
  }
}
