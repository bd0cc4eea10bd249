/**
 * The mock's records (users, clients, sessions, dev browsers, client tokens) and every operation on
 * them. Its containers are private: callers get records and call operations, never a Map. No HTTP
 * here, and no lifecycle rule either (those are `lifecycle.ts`): this file keeps the books.
 */
import type { TimeSource } from './time.js'
import { ClerkError, errors } from './errors.js'
import { newId } from './ids.js'
import { assertAllowed, isOnClient, isSignedIn, markActive, newSessionTimes, statusAt, transition, type Settings } from './lifecycle.js'
import type { Seed, SeedSession } from './seed.js'
import { hashPassword } from './passwords.js'
import { ClientTokens, type ClientTokenCheck, type InstanceKey } from './tokens.js'
import type { SessionStatus } from './wire.js'

/** One of a user's email addresses; every address the mock holds is verified. */
export interface EmailAddress {
  /** `idn_…` */
  id: string
  emailAddress: string
  createdAt: number
  updatedAt: number
}

/** One of a user's phone numbers (E.164); verified, like every address. `secondFactor`: it also serves as an SMS second factor. */
export interface PhoneNumber {
  /** `idn_…` */
  id: string
  phoneNumber: string
  secondFactor: boolean
  createdAt: number
  updatedAt: number
}

/** How an identifier a sign-in names resolved: the user, and which of their identifications it is. */
export interface Identified {
  user: User
  kind: 'email_address' | 'phone_number' | 'username'
  /** The email address or phone number id (null for a username). */
  identificationId: string | null
}

export interface User {
  id: string
  firstName: string | null
  lastName: string | null
  username: string | null
  /** In the order they were added; the primary one is named by `primaryEmailAddressId`. */
  emailAddresses: EmailAddress[]
  primaryEmailAddressId: string | null
  /** In the order they were added; the first is the primary one. */
  phoneNumbers: PhoneNumber[]
  primaryPhoneNumberId: string | null
  /** The authenticator app's shared secret (base32), or null: the `totp` second factor. */
  totpSecret: string | null
  /** Unused backup codes (test data, kept as given); each works once. */
  backupCodes: string[]
  /** When two-factor authentication was enabled (null: never). */
  mfaEnabledAt: number | null
  imageUrl: string | null
  publicMetadata: Record<string, unknown>
  /** Backend API only: never in a Frontend API answer. */
  privateMetadata: Record<string, unknown>
  unsafeMetadata: Record<string, unknown>
  externalId: string | null
  /** `hashPassword()`'s output (scrypt), or null for a user without a password; never served. */
  passwordHash: string | null
  passwordUpdatedAt: number | null
  createdAt: number
  updatedAt: number
}

/** What creating a user takes (the Backend API's `POST /v1/users`, in camelCase). */
export interface NewUser {
  emailAddresses?: string[]
  /** E.164 numbers; the first is the primary one. */
  phoneNumbers?: string[]
  /** A hash made already (a sign-up hashes the password when it is given, not when it completes). */
  passwordHash?: string | null
  firstName?: string | null
  lastName?: string | null
  username?: string | null
  externalId?: string | null
  password?: string | null
  imageUrl?: string | null
  publicMetadata?: Record<string, unknown>
  privateMetadata?: Record<string, unknown>
  unsafeMetadata?: Record<string, unknown>
  createdAt?: number
}

/** What updating a user may change; `undefined` leaves a field alone, `null` clears it. */
export interface UserPatch {
  firstName?: string | null
  lastName?: string | null
  username?: string | null
  externalId?: string | null
  primaryEmailAddressId?: string | null
  password?: string | null
  createdAt?: number
}

/** A user list query (the Backend API's `GET /v1/users` and `/v1/users/count`). Lists are OR'ed within a field and AND'ed across fields. */
export interface UserFilter {
  emailAddresses?: string[]
  usernames?: string[]
  /** Ids to include; a `-` prefix excludes, `+` (or none) includes. */
  userIds?: string[]
  externalIds?: string[]
  /** Phone numbers match by their digits (`+` and spacing aside); users have no web3 wallets in this mock: such a filter matches nobody. */
  phoneNumbers?: string[]
  web3Wallets?: string[]
  /** No user is ever banned here: `true` matches nobody, `false` everybody. */
  banned?: boolean
  /** Case-insensitive substring of an email address, username, user id, first or last name. */
  query?: string
  emailAddressQuery?: string
  usernameQuery?: string
  nameQuery?: string
  createdAtBefore?: number
  createdAtAfter?: number
  lastActiveAtBefore?: number
  lastActiveAtAfter?: number
}

export const USER_ORDER_FIELDS = ['created_at', 'updated_at', 'email_address', 'first_name', 'last_name', 'username', 'last_active_at', 'last_sign_in_at'] as const
export type UserOrderField = (typeof USER_ORDER_FIELDS)[number]

/** A Backend API session list query: every session the store still holds, whatever its status. */
export interface SessionFilter {
  userId?: string
  clientId?: string
  status?: SessionStatus
}

/** A session JWT as stored for `last_active_token`, with the times that decide when it is stale. */
export interface MintedToken {
  jwt: string
  /** Epoch seconds. */
  iat: number
  exp: number
  /** Its `azp` claim (null: none): a page on another origin is served a token minted for it. */
  azp: string | null
}

export interface Session {
  id: string
  /** The client the session was created on. Whether it is still there is its status (`isOnClient`), held nowhere else. */
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
  /** The latest default session token (`last_active_token`); null until one is minted. */
  token: MintedToken | null
  actor: Record<string, unknown> | null
  tasks: { key: string }[] | null
  /** Creation order in this store: breaks `created_at` ties (a frozen clock creates many sessions at one instant). */
  seq: number
  /** When the sign-in that made it verified a second factor (absent or null: none; `fva[1]` is then -1). */
  secondFactorVerifiedAt?: number | null
}

export interface Client {
  readonly id: string
  lastActiveSessionId: string | null
  readonly createdAt: number
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

/** Everything in the store at one instant, for `/__mock/state`: records, not copies; serialise them at once. */
export interface StoreSnapshot {
  clients: { client: Client; sessions: Session[] }[]
  users: User[]
  devBrowsers: { id: string; clientId: string | null }[]
}

/** Dev browsers registered and never bound that are kept; older ones are forgotten (their page registers a new one on its next 401). */
export const MAX_UNBOUND_DEV_BROWSERS = 10_000

/** The user's primary email address, or null. */
/** A phone number as Clerk takes one: E.164, `+` and 7 to 15 digits. */
export const E164 = /^\+[1-9][0-9]{6,14}$/

export function primaryEmail(user: User): string | null {
  return user.emailAddresses.find((e) => e.id === user.primaryEmailAddressId)?.emailAddress ?? null
}

/** Clerk's `+id`/`-id` lists: excluded when a `-` entry names the value; else included when no `+`/bare entry exists or one names it. */
function signedListMatch(list: string[], value: string | null): boolean {
  const include = list.filter((x) => !x.startsWith('-')).map((x) => x.replace(/^\+/, ''))
  const exclude = list.filter((x) => x.startsWith('-')).map((x) => x.slice(1))
  if (value !== null && exclude.includes(value)) return false
  return include.length === 0 || (value !== null && include.includes(value))
}

export class Store {
  readonly #users = new Map<string, User>()
  readonly #clients = new Map<string, Client>()
  /** Every session by id, removed and revoked ones too (until their client is destroyed). */
  readonly #sessions = new Map<string, Session>()
  /** Indexes over `#sessions` (creation order), so nothing scans every session. */
  readonly #byClient = new Map<string, Session[]>()
  readonly #byUser = new Map<string, Set<Session>>()
  /** Dev browser id → the client it is bound to (null until it has one). */
  readonly #devBrowsers = new Map<string, string | null>()
  /** Unbound dev browsers, oldest first: every fresh page registers one, and most never bind. */
  readonly #unbound = new Set<string>()
  /** Each user's latest activity, computed once per change of the store (an answer lists many sessions of one user). */
  readonly #lastActive = new Map<string, number | null>()
  readonly #clientTokens: ClientTokens
  #seq = 0

  constructor(
    readonly clock: TimeSource,
    readonly settings: Settings,
    key: InstanceKey,
  ) {
    this.#clientTokens = new ClientTokens(key)
  }

  /** A store holding what the seed describes; each seeded client's last active session is its most recently active signed-in one. */
  static fromSeed(seed: Seed, clock: TimeSource, key: InstanceKey): Store {
    const store = new Store(clock, seed.settings, key)
    for (const user of seed.users) {
      store.addUser({ ...user, emailAddresses: user.emailAddresses.map((e) => ({ ...e })), phoneNumbers: user.phoneNumbers.map((p) => ({ ...p })), backupCodes: [...user.backupCodes] })
    }
    for (const client of seed.clients) store.createClient(client.id, client.createdAt)
    for (const session of seed.sessions) store.#insert({ ...session })
    for (const client of store.#clients.values()) {
      let best: Session | null = null
      const sessions = store.sessionsOf(client)
      for (const s of sessions) if (isSignedIn(store.status(s)) && (best === null || s.lastActiveAt >= best.lastActiveAt)) best = s
      client.lastActiveSessionId = best?.id ?? null
      client.updatedAt = Math.max(client.createdAt, ...sessions.map((s) => s.updatedAt))
    }
    return store
  }

  status(session: Session): SessionStatus {
    return statusAt(session, this.clock.now())
  }

  // ---- lookups -------------------------------------------------------------------------------

  client(id: string): Client {
    const client = this.#clients.get(id)
    if (!client) throw errors.notFound('client', id)
    return client
  }

  hasClient(id: string): boolean {
    return this.#clients.has(id)
  }

  user(id: string): User {
    const user = this.#users.get(id)
    if (!user) throw errors.notFound('user', id)
    return user
  }

  /** A session the caller may see: on the caller's client (or any client for an anonymous caller), not removed or revoked. */
  session(caller: Caller, id: string): SessionResult {
    const session = this.#sessions.get(id)
    if (!session || !isOnClient(session) || (caller.clientId !== null && session.clientId !== caller.clientId)) throw errors.notFound('session', id)
    return { session, client: this.#clients.get(session.clientId)! }
  }

  /** The client a session id names, for the journal (removed sessions too); null when unknown. */
  clientIdOfSession(id: string): string | null {
    return this.#sessions.get(id)?.clientId ?? null
  }

  /** The sessions still on the client, oldest first. */
  sessionsOf(client: Client): Session[] {
    return (this.#byClient.get(client.id) ?? []).filter(isOnClient)
  }

  snapshot(): StoreSnapshot {
    return {
      clients: [...this.#clients.values()].map((client) => ({ client, sessions: [...(this.#byClient.get(client.id) ?? [])] })),
      users: [...this.#users.values()],
      devBrowsers: [...this.#devBrowsers].map(([id, clientId]) => ({ id, clientId })),
    }
  }

  // ---- creation ------------------------------------------------------------------------------

  createClient(id = newId('client', this.clock), at = this.clock.now()): Client {
    if (this.#clients.has(id)) throw new Error(`a client with id ${id} already exists`)
    const client: Client = { id, lastActiveSessionId: null, createdAt: at, updatedAt: at }
    this.#clients.set(id, client)
    this.#byClient.set(id, [])
    return client
  }

  addUser(user: User): User {
    if (this.#users.has(user.id)) throw new Error(`a user with id ${user.id} already exists`)
    this.#users.set(user.id, user)
    return user
  }

  /**
   * A new user (the Backend API's `POST /v1/users`): email addresses, username and external id are
   * unique across the instance (case-insensitively for the first two, as Clerk compares them); the
   * first address is the primary one; a password is kept only as its hash.
   */
  createUser(input: NewUser): User {
    const emails = input.emailAddresses ?? []
    const seen = new Set<string>()
    for (const email of emails) {
      if (seen.has(email.toLowerCase())) throw errors.identifierExists('email_address', email)
      seen.add(email.toLowerCase())
    }
    const phones = input.phoneNumbers ?? []
    this.#assertUnique(null, emails, input.username ?? null, input.externalId ?? null, phones)
    const now = this.clock.now()
    const emailAddresses = emails.map((emailAddress) => ({ id: newId('idn', this.clock), emailAddress, createdAt: now, updatedAt: now }))
    const phoneNumbers = phones.map((phoneNumber) => ({ id: newId('idn', this.clock), phoneNumber, secondFactor: false, createdAt: now, updatedAt: now }))
    const hash = typeof input.password === 'string' ? hashPassword(input.password) : (input.passwordHash ?? null)
    return this.addUser({
      id: newId('user', this.clock),
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      username: input.username || null,
      emailAddresses,
      primaryEmailAddressId: emailAddresses[0]?.id ?? null,
      phoneNumbers,
      primaryPhoneNumberId: phoneNumbers[0]?.id ?? null,
      totpSecret: null,
      backupCodes: [],
      mfaEnabledAt: null,
      imageUrl: input.imageUrl ?? null,
      publicMetadata: input.publicMetadata ?? {},
      privateMetadata: input.privateMetadata ?? {},
      unsafeMetadata: input.unsafeMetadata ?? {},
      externalId: input.externalId ?? null,
      passwordHash: hash,
      passwordUpdatedAt: hash === null ? null : now,
      createdAt: input.createdAt ?? now,
      updatedAt: now,
    })
  }

  /** Changes a user's profile; identifiers stay unique, and a primary address must be one of the user's own. */
  updateUser(id: string, patch: UserPatch): User {
    const user = this.user(id)
    const username = patch.username === undefined ? undefined : patch.username || null
    this.#assertUnique(user.id, [], username ?? null, patch.externalId ?? null)
    if (patch.primaryEmailAddressId != null && !user.emailAddresses.some((e) => e.id === patch.primaryEmailAddressId)) {
      throw errors.paramFormatInvalid('primary_email_address_id', `${patch.primaryEmailAddressId} is not an email address of user ${user.id}.`)
    }
    const now = this.clock.now()
    if (patch.firstName !== undefined) user.firstName = patch.firstName
    if (patch.lastName !== undefined) user.lastName = patch.lastName
    if (username !== undefined) user.username = username
    if (patch.externalId !== undefined) user.externalId = patch.externalId
    if (patch.primaryEmailAddressId !== undefined && patch.primaryEmailAddressId !== null) user.primaryEmailAddressId = patch.primaryEmailAddressId
    if (typeof patch.password === 'string') {
      user.passwordHash = hashPassword(patch.password)
      user.passwordUpdatedAt = now
    }
    if (patch.createdAt !== undefined) user.createdAt = patch.createdAt
    user.updatedAt = now
    return user
  }

  /** Records a metadata change made by the caller (merged or replaced already); bumps `updated_at`. */
  setMetadata(id: string, metadata: Partial<Pick<User, 'publicMetadata' | 'privateMetadata' | 'unsafeMetadata'>>): User {
    const user = this.user(id)
    if (metadata.publicMetadata !== undefined) user.publicMetadata = metadata.publicMetadata
    if (metadata.privateMetadata !== undefined) user.privateMetadata = metadata.privateMetadata
    if (metadata.unsafeMetadata !== undefined) user.unsafeMetadata = metadata.unsafeMetadata
    user.updatedAt = this.clock.now()
    return user
  }

  /**
   * Deletes a user: each of their sessions still on a client is revoked first (so each client
   * forgets it as its last active session), then the user and every session of theirs leave the
   * store, since nothing can reach a session of a user who no longer exists.
   */
  deleteUser(id: string): User {
    const user = this.user(id)
    const now = this.clock.now()
    const mine = this.#byUser.get(id) ?? new Set<Session>()
    const touched = new Set<string>()
    for (const session of mine) {
      if (isOnClient(session)) transition(session, this.#clients.get(session.clientId)!, 'revoked', now)
      this.#sessions.delete(session.id)
      touched.add(session.clientId)
    }
    for (const clientId of touched) this.#byClient.set(clientId, this.#byClient.get(clientId)!.filter((s) => s.userId !== id))
    this.#byUser.delete(id)
    this.#lastActive.delete(id)
    this.#users.delete(id)
    return user
  }

  #assertUnique(self: string | null, emails: string[], username: string | null, externalId: string | null, phones: string[] = []): void {
    const wanted = new Set(emails.map((e) => e.toLowerCase()))
    const name = username?.toLowerCase()
    for (const other of this.#users.values()) {
      if (other.id === self) continue
      const clash = other.emailAddresses.find((e) => wanted.has(e.emailAddress.toLowerCase()))
      if (clash) throw errors.identifierExists('email_address', clash.emailAddress)
      const phone = other.phoneNumbers.find((p) => phones.includes(p.phoneNumber))
      if (phone) {
        throw new ClerkError(422, 'form_identifier_exists', 'That phone number is taken. Please try another.', `${phone.phoneNumber} is already used by another user (phone_number must be unique across the instance).`, {
          param_name: 'phone_number',
        })
      }
      if (name !== undefined && other.username?.toLowerCase() === name) throw errors.identifierExists('username', username!)
      if (externalId !== null && other.externalId === externalId) throw errors.identifierExists('external_id', externalId)
    }
  }

  /**
   * The user a sign-in identifier names: an email address (case-insensitively), a phone number
   * (E.164, or the same digits without the `+`), or a username; null when none does.
   */
  identify(identifier: string): Identified | null {
    const lower = identifier.trim().toLowerCase()
    const digits = lower.replace(/[^0-9]/g, '')
    for (const user of this.#users.values()) {
      const email = user.emailAddresses.find((e) => e.emailAddress.toLowerCase() === lower)
      if (email) return { user, kind: 'email_address', identificationId: email.id }
      if (digits.length > 0 && /^\+?[0-9 ()-]+$/.test(lower)) {
        const phone = user.phoneNumbers.find((p) => p.phoneNumber.replace(/[^0-9]/g, '') === digits)
        if (phone) return { user, kind: 'phone_number', identificationId: phone.id }
      }
      if (user.username !== null && user.username.toLowerCase() === lower) return { user, kind: 'username', identificationId: null }
    }
    return null
  }

  /** Spends one of the user's backup codes: true when it was one (it no longer works). */
  consumeBackupCode(userId: string, code: string): boolean {
    const user = this.user(userId)
    const i = user.backupCodes.indexOf(code.trim())
    if (i < 0) return false
    user.backupCodes.splice(i, 1)
    user.updatedAt = this.clock.now()
    return true
  }

  /** The users a filter selects, in the order asked for (`-` prefix: descending); ties by id. */
  findUsers(filter: UserFilter, orderBy: UserOrderField = 'created_at', descending = true): User[] {
    const out = [...this.#users.values()].filter((u) => this.#matches(u, filter))
    const key = (u: User): string | number | null => {
      switch (orderBy) {
        case 'created_at':
          return u.createdAt
        case 'updated_at':
          return u.updatedAt
        case 'email_address':
          return primaryEmail(u)?.toLowerCase() ?? null
        case 'first_name':
          return u.firstName?.toLowerCase() ?? null
        case 'last_name':
          return u.lastName?.toLowerCase() ?? null
        case 'username':
          return u.username?.toLowerCase() ?? null
        case 'last_active_at':
        case 'last_sign_in_at':
          return this.userLastActiveAt(u.id)
      }
    }
    const keyed = out.map((u) => ({ u, k: key(u) }))
    keyed.sort((a, b) => {
      // Users without the value come last whichever the direction, as Postgres' NULLS LAST would put them.
      if (a.k === null || b.k === null) return a.k === b.k ? (a.u.id < b.u.id ? -1 : 1) : a.k === null ? 1 : -1
      const c = a.k < b.k ? -1 : a.k > b.k ? 1 : a.u.id < b.u.id ? -1 : 1
      return descending ? -c : c
    })
    return keyed.map((x) => x.u)
  }

  #matches(u: User, f: UserFilter): boolean {
    const lower = (s: string | null | undefined) => (s ?? '').toLowerCase()
    const emails = u.emailAddresses.map((e) => e.emailAddress.toLowerCase())
    if (f.emailAddresses && !f.emailAddresses.some((e) => emails.includes(e.toLowerCase()))) return false
    if (f.usernames && !f.usernames.some((n) => u.username !== null && lower(n) === u.username.toLowerCase())) return false
    // By digits, as a sign-in identifier matches: an unencoded `+` in a query string arrives as a space.
    const digits = (n: string) => n.replace(/[^0-9]/g, '')
    if (f.phoneNumbers && !f.phoneNumbers.some((n) => digits(n) !== '' && u.phoneNumbers.some((p) => digits(p.phoneNumber) === digits(n)))) return false
    if (f.web3Wallets || f.banned === true) return false
    if (f.userIds && !signedListMatch(f.userIds, u.id)) return false
    if (f.externalIds && !signedListMatch(f.externalIds, u.externalId)) return false
    const contains = (hay: (string | null)[], needle: string) => hay.some((h) => h !== null && h.toLowerCase().includes(needle.toLowerCase()))
    if (f.query !== undefined && !contains([...emails, u.username, u.id, u.firstName, u.lastName], f.query)) return false
    if (f.emailAddressQuery !== undefined && !contains(emails, f.emailAddressQuery)) return false
    if (f.usernameQuery !== undefined && !contains([u.username], f.usernameQuery)) return false
    if (f.nameQuery !== undefined && !contains([u.firstName, u.lastName, [u.firstName, u.lastName].filter(Boolean).join(' ')], f.nameQuery)) return false
    if (f.createdAtBefore !== undefined && !(u.createdAt < f.createdAtBefore)) return false
    if (f.createdAtAfter !== undefined && !(u.createdAt > f.createdAtAfter)) return false
    if (f.lastActiveAtBefore !== undefined || f.lastActiveAtAfter !== undefined) {
      const at = this.userLastActiveAt(u.id)
      if (at === null) return false
      if (f.lastActiveAtBefore !== undefined && !(at < f.lastActiveAtBefore)) return false
      if (f.lastActiveAtAfter !== undefined && !(at > f.lastActiveAtAfter)) return false
    }
    return true
  }

  /** Any session the store still holds, removed and revoked ones too (the Backend API sees them all). */
  anySession(id: string): SessionResult {
    const session = this.#sessions.get(id)
    if (!session) throw errors.notFound('session', id)
    return { session, client: this.#clients.get(session.clientId)! }
  }

  /** Sessions the store still holds that match, newest first (ties: the later created first). */
  findSessions(filter: SessionFilter): Session[] {
    let pool: Iterable<Session>
    if (filter.userId !== undefined) pool = this.#byUser.get(filter.userId) ?? []
    else if (filter.clientId !== undefined) pool = this.#byClient.get(filter.clientId) ?? []
    else pool = this.#sessions.values()
    const out: Session[] = []
    for (const s of pool) {
      if (filter.clientId !== undefined && s.clientId !== filter.clientId) continue
      if (filter.status !== undefined && this.status(s) !== filter.status) continue
      out.push(s)
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq)
  }

  /** Signs a user in on a client (a new client when none is named): a fresh `active` session, the client's last active one. */
  createSession(userId: string, clientId?: string, opts: { secondFactor?: boolean } = {}): SessionResult {
    this.user(userId)
    const client = clientId === undefined ? this.createClient() : this.client(clientId)
    const now = this.clock.now()
    const session = this.#insert({
      id: newId('sess', this.clock),
      clientId: client.id,
      userId,
      status: 'active',
      ...newSessionTimes(now, this.settings),
      lastActiveOrganizationId: null,
      actor: null,
      tasks: null,
      secondFactorVerifiedAt: opts.secondFactor === true ? now : null,
    })
    client.lastActiveSessionId = session.id
    client.updatedAt = now
    return { session, client }
  }

  #insert(seeded: SeedSession): Session {
    if (this.#sessions.has(seeded.id)) throw new Error(`a session with id ${seeded.id} already exists`)
    this.client(seeded.clientId)
    const session: Session = { ...seeded, token: null, seq: this.#seq++ }
    this.#sessions.set(session.id, session)
    this.#byClient.get(session.clientId)!.push(session)
    let mine = this.#byUser.get(session.userId)
    if (mine === undefined) this.#byUser.set(session.userId, (mine = new Set()))
    mine.add(session)
    this.#lastActive.delete(session.userId)
    return session
  }

  // ---- session operations (REFERENCE §4; the rules are lifecycle.ts) --------------------------

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
    transition(result.session, result.client, 'ended', this.clock.now())
    return result
  }

  remove(caller: Caller, id: string): SessionResult {
    const result = this.session(caller, id)
    transition(result.session, result.client, 'removed', this.clock.now())
    this.#lastActive.delete(result.session.userId)
    return result
  }

  /**
   * Revokes a session of the signed-in user, on this client or on another device. `userId` is the
   * revoking user (null for an anonymous caller, who may revoke any session).
   */
  revoke(userId: string | null, id: string): SessionResult {
    const result = this.session(ANONYMOUS, id)
    if (userId !== null && result.session.userId !== userId) throw errors.notFound('session', id)
    transition(result.session, result.client, 'revoked', this.clock.now())
    this.#lastActive.delete(result.session.userId)
    return result
  }

  /** Activity on a session (touch, token mints). */
  markActive({ session, client }: SessionResult): void {
    markActive(session, client, this.clock.now(), this.settings)
    this.#lastActive.delete(session.userId)
  }

  /** `[first, second]` factor ages in minutes: the first factor was verified at sign-in; the second when the sign-in had one, else -1. */
  factorVerificationAge(session: Session): [number, number] {
    const minutes = (since: number) => Math.max(0, Math.floor((this.clock.now() - since) / 60_000))
    const second = session.secondFactorVerifiedAt
    return [minutes(session.createdAt), second == null ? -1 : minutes(second)]
  }

  /** `DELETE /v1/client/sessions`: every session of the client is removed; the client stays. */
  signOutClient(client: Client): Client {
    const now = this.clock.now()
    for (const session of this.sessionsOf(client)) {
      transition(session, client, 'removed', now)
      this.#lastActive.delete(session.userId)
    }
    return client
  }

  /**
   * `DELETE /v1/client`: every signed-in session ends, then the client, its sessions, its token and
   * its dev-browser bindings are gone. Returns the client as it was, with the sessions it had.
   */
  destroyClient(client: Client): { client: Client; sessions: Session[] } {
    const now = this.clock.now()
    const sessions = this.sessionsOf(client)
    for (const session of sessions) if (isSignedIn(this.status(session))) transition(session, client, 'ended', now)
    client.lastActiveSessionId = null
    client.updatedAt = now
    // Removed and revoked sessions too: they stayed for /__mock/state, but with the client gone nothing
    // can reach them, and keeping them would grow a long-running mock without end.
    for (const session of this.#byClient.get(client.id) ?? []) {
      this.#sessions.delete(session.id)
      const mine = this.#byUser.get(session.userId)!
      mine.delete(session)
      if (mine.size === 0) this.#byUser.delete(session.userId)
    }
    this.#byClient.delete(client.id)
    this.#clients.delete(client.id)
    this.#clientTokens.forget(client.id)
    for (const [dvb, clientId] of this.#devBrowsers) {
      if (clientId === client.id) {
        this.#devBrowsers.set(dvb, null)
        this.#unbound.add(dvb)
      }
    }
    this.#lastActive.clear()
    return { client, sessions }
  }

  /** The signed-in user behind a caller: the session named by `_clerk_session_id`, else the client's last active session. */
  signedInUser(caller: Caller, sessionId: string | undefined): User {
    let id = sessionId
    if (id === undefined && caller.clientId !== null) id = this.#clients.get(caller.clientId)?.lastActiveSessionId ?? undefined
    if (id === undefined) throw errors.signedOut()
    const session = this.#sessions.get(id)
    // An unknown, foreign or signed-out session says nothing more than "signed out" here.
    if (!session || !isOnClient(session) || (caller.clientId !== null && session.clientId !== caller.clientId) || !isSignedIn(this.status(session))) {
      throw errors.signedOut()
    }
    return this.user(session.userId)
  }

  /** Sessions of a user still on a client, across every client (the user's devices), oldest first. */
  userSessions(userId: string, signedInOnly: boolean): Session[] {
    const out: Session[] = []
    for (const session of this.#byUser.get(userId) ?? []) {
      if (isOnClient(session) && (!signedInOnly || isSignedIn(this.status(session)))) out.push(session)
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
  }

  /** The user's latest activity on any of their sessions still on a client (null: none), the same for every session. */
  userLastActiveAt(userId: string): number | null {
    const known = this.#lastActive.get(userId)
    if (known !== undefined) return known
    let latest: number | null = null
    for (const session of this.#byUser.get(userId) ?? []) {
      if (isOnClient(session) && (latest === null || session.lastActiveAt > latest)) latest = session.lastActiveAt
    }
    this.#lastActive.set(userId, latest)
    return latest
  }

  // ---- dev browsers and client tokens ----------------------------------------------------------

  /** `POST /v1/dev_browser`: a new, unbound dev browser id. */
  registerDevBrowser(): string {
    const id = newId('dvb', this.clock)
    this.#devBrowsers.set(id, null)
    this.#unbound.add(id)
    if (this.#unbound.size > MAX_UNBOUND_DEV_BROWSERS) {
      const oldest = this.#unbound.values().next().value!
      this.#unbound.delete(oldest)
      this.#devBrowsers.delete(oldest)
    }
    return id
  }

  /** The client a dev browser is bound to: undefined when the id is unknown, null while unbound. */
  devBrowserClient(id: string): string | null | undefined {
    return this.#devBrowsers.get(id)
  }

  /** Binds a known dev browser to a client (the one it just created or signed in on). */
  bindDevBrowser(id: string, client: Client): void {
    if (!this.#devBrowsers.has(id)) throw errors.devBrowserUnauthenticated()
    this.#devBrowsers.set(id, client.id)
    this.#unbound.delete(id)
  }

  /** The client's token: the `__client` cookie value, or the `Authorization` value of a native client. */
  clientToken(client: Client): string {
    return this.#clientTokens.tokenFor(client)
  }

  checkClientToken(token: string): ClientTokenCheck {
    return this.#clientTokens.check(token, (id) => this.#clients.has(id))
  }
}
