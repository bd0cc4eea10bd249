/**
 * The domain core of one mock: the single owner of every piece of mutable state (records, clock,
 * instance key, client tokens, dev browsers, request journal, faults) and of its one `reset()`.
 * Every face (the Frontend API routes, the control API, the programmatic handle, and the faces
 * still to come) calls the same operations here, gets the same result shapes and the same errors.
 * Nothing here knows HTTP exists.
 */
import { MockClock, type ClockMove } from './clock.js'
import { environmentJson, instanceAuth, usersNeed, type EnvironmentJson, type InstanceAuth } from './environment.js'
import { Messages, type MessageJson, type MessageKind } from './messages.js'
import { signInErrors, signInJson, supportedIdentifiers, ticketRefused, type SignInAttempt, type SignInHost, type SignInParams, type SignInView } from './sign-in.js'
import { SignUpAttempts, signUpErrors, signUpJson, type SignUpAttempt, type SignUpHost, type SignUpParams } from './sign-up.js'
import { newCode } from './verification.js'
import { emailEventData, smsEventData } from './webhooks/events.js'
import { errors } from './errors.js'
import { HandshakeNonces } from './handshake.js'
import { SignInAttempts } from './sign-in.js'
import { SignInTokens } from './sign-in-tokens.js'
import { Faults, type FaultJson, type FaultSpec } from './faults.js'
import { Journal, type JournalEntry } from './journal.js'
import { assertAllowed, isSignedIn, type Settings } from './lifecycle.js'
import type { JwtTemplate, Seed } from './seed.js'
import { randomBytes } from 'node:crypto'
import { verifyPassword } from './passwords.js'
import { bapiClientJson, bapiSessionJson, bapiUserJson, clientJson, sessionJson, sessionsJson, signInTokenJson, userJson, type JsonView } from './serialize.js'
import type { SignInToken } from './sign-in-tokens.js'
import {
  E164,
  Store,
  type Caller,
  type Client,
  type NewUser,
  type Session,
  type SessionFilter,
  type SessionResult,
  type StoreSnapshot,
  type User,
  type UserFilter,
  type UserOrderField,
  type UserPatch,
} from './store.js'
import { parseClockSetting, type ClockSetting, type ClockStart } from './time.js'
import { deletedUserData, sessionEventData, Webhooks, type WebhookEndpointSpec } from './webhooks/index.js'
import { InstanceKey, sessionClaims, type ClientTokenCheck } from './tokens.js'
import { OrganizationOps } from './organization-ops.js'
import type { OrganizationMembershipJson } from './organization-wire.js'
import type { BapiClientJson, BapiSessionJson, BapiUserJson, ClientJson, Jwks, SessionJson, SessionStatus, SignInJson, SignInTokenJson, SignUpJson, TestingTokenJson, UserJson } from './wire.js'

export interface CoreOptions {
  /** The `clock` option; wins over the seed's `clock`. */
  clock?: ClockSetting
  /** A fixed RSA-2048 private key (PEM) for reproducible token signatures; wins over the seed's. */
  signingKey?: string
  /** `azp` for tokens minted without a page's Origin (clerk-js in Node sends none; served `last_active_token`s). */
  defaultAzp?: string
  /** Webhook endpoints (the handle passes the `webhooks` option, else the fixture's); `webhooksParam` names them in errors. */
  webhooks?: WebhookEndpointSpec[]
  webhooksParam?: string
}

type SessionEvent = 'session.created' | 'session.pending' | 'session.ended' | 'session.removed' | 'session.revoked'

/**
 * The mock clock, telling the core when it moves: a move can make a webhook retry due, whoever
 * moved it (`mock.clock.advance()`, `POST /__mock/clock`). `advance`, `set`, `freeze` and `resume`
 * all go through `move`.
 */
class CoreClock extends MockClock {
  onMove: () => void = () => {}

  override move(move: ClockMove): number {
    const now = super.move(move)
    this.onMove()
    return now
  }
}

/**
 * Whom a Frontend API answer is served to. `azp`: the Origin of the page asking (an allowed one),
 * which the `last_active_token`s in the answer name, as the tokens the page asks for do; without
 * one, the `defaultAzp` option.
 */
export interface ServedTo {
  azp?: string
}

export interface ClockState {
  now: number
  frozen: boolean
}

/** A session a face created for a user, with the client's credential. */
export interface SignedIn extends SessionResult {
  clientToken: string
}

export class MockCore implements JsonView {
  readonly clock: MockClock
  readonly key: InstanceKey
  /** Requests that reached the Frontend API, oldest first (the HTTP layer records them). */
  readonly journal = new Journal()
  readonly faults = new Faults()
  /** Handshake payloads waiting for the app's server to fetch them by nonce. */
  readonly handshakes = new HandshakeNonces()
  /** One-time sign-in tickets the Backend API issued. */
  readonly signInTokens: SignInTokens
  /** Sign-in attempts (`sia_…`) the Frontend API's `POST /v1/client/sign_ins` made. */
  readonly signIns: SignInAttempts
  /** Sign-up attempts (`sua_…`). */
  readonly signUps: SignUpAttempts
  /** The codes the mock would have emailed or texted, oldest first. */
  readonly messages: Messages
  /** What the sign-in and sign-up flows obey, read once from `environment`. */
  readonly auth: InstanceAuth
  /** What `/v1/environment` serves: the default with the seed's overrides. The seed never changes, so neither does this. */
  readonly environment: EnvironmentJson
  /** Webhook endpoints, their queued attempts and the delivery journal; events are emitted by the operations below. */
  readonly webhooks: Webhooks
  readonly #signInView: SignInView
  readonly #signInHost: SignInHost
  readonly #signUpHost: SignUpHost
  /** Organizations, memberships and roles, and their operations (`organization-ops.ts`). */
  readonly organizations: OrganizationOps
  readonly #clockStart: ClockStart
  readonly #templates: Map<string, JwtTemplate>
  readonly #defaultAzp: string | null
  #seed: Seed
  #store: Store
  #issuer = 'http://localhost'

  constructor(seed: Seed, options: CoreOptions = {}) {
    this.#seed = seed
    this.#clockStart = parseClockSetting(options.clock ?? seed.clock, options.clock === undefined ? '$.clock' : 'the clock option')
    const clock = new CoreClock(this.#clockStart)
    this.clock = clock
    this.key = new InstanceKey(options.signingKey ?? seed.signingKey)
    this.#templates = new Map(seed.jwtTemplates.map((t) => [t.name, t]))
    this.#defaultAzp = options.defaultAzp ?? null
    this.environment = environmentJson(seed.environment, usersNeed(seed.users))
    this.auth = instanceAuth(this.environment)
    this.#signInView = {
      auth: this.auth,
      user: (id) => this.#store.user(id),
      imageUrl: (user) => this.userJson(user).image_url,
      supportedIdentifiers: supportedIdentifiers(this.environment),
      now: () => this.clock.now(),
    }
    this.#signInHost = {
      auth: this.auth,
      user: (id) => this.#store.user(id),
      identify: (identifier) => this.#store.identify(identifier),
      checkPassword: (userId, password) => this.checkPassword(userId, password),
      setPassword: (userId, password) => void this.updateUser(userId, { password }),
      consumeBackupCode: (userId, code) => this.#store.consumeBackupCode(userId, code),
      sendCode: (to, kind) => this.#sendCode(to.address, to.channel, kind, to.userId, to.identificationId),
      completeSignIn: (userId, clientId, signOutOthers, secondFactor) => {
        if (signOutOthers) for (const s of this.#store.userSessions(userId, true)) this.revokeSession(null, s.id)
        return this.createSession(userId, clientId, { secondFactor }).session.id
      },
    }
    this.#signUpHost = {
      auth: this.auth,
      taken: (field, value) => {
        const found = this.#store.identify(value)
        return found !== null && found.kind === field
      },
      sendCode: (to, kind) => this.#sendCode(to.address, to.channel, kind, null, null),
      completeSignUp: (a) => {
        const user = this.createUser({
          emailAddresses: a.emailAddress === null ? [] : [a.emailAddress],
          phoneNumbers: a.phoneNumber === null ? [] : [a.phoneNumber],
          username: a.username,
          firstName: a.firstName,
          lastName: a.lastName,
          passwordHash: a.passwordHash,
          unsafeMetadata: a.unsafeMetadata,
        })
        return { userId: user.id, sessionId: this.createSession(user.id, a.clientId).session.id }
      },
    }
    this.#store = Store.fromSeed(seed, this.clock, this.key)
    this.signInTokens = new SignInTokens(this.clock)
    this.signIns = new SignInAttempts(this.clock)
    this.signUps = new SignUpAttempts(this.clock)
    this.messages = new Messages(this.clock, (m) => this.#messageEvent(m))
    this.webhooks = new Webhooks({
      clock: this.clock,
      // Real time for svix-timestamp: the receiver checks it against its own wall clock (see Webhooks).
      wallClock: new MockClock('system'),
      instanceId: () => this.key.kid,
      endpoints: options.webhooks,
      param: options.webhooksParam,
    })
    this.organizations = new OrganizationOps(
      {
        clock: this.clock,
        webhooks: this.webhooks,
        user: (id) => this.#store.user(id),
        sessions: () => this.#store.findSessions({}),
        sessionsOfUser: (id) => this.#store.findSessions({ userId: id }),
      },
      seed.organizations ?? { organizations: [], memberships: [], roles: [] },
    )
    // After the move's caller is done (a control request answers first); settled() checks again itself.
    clock.onMove = () => void setImmediate(() => this.webhooks.checkDue())
  }

  get settings(): Settings {
    return this.#seed.settings
  }

  /**
   * Back to the seed: records, clock, journal, faults, handshake nonces, sign-in tokens and
   * attempts. Tokens of clients created since are stale
   * (those clients are gone); seeded clients keep their ids, so their tokens stay valid. With a
   * running clock the seed's offsets ('-2h') are resolved again from the new now, so the seeded
   * sessions are as fresh as at start.
   */
  reset(): void {
    const now = this.clock.restore(this.#clockStart)
    if (!this.clock.frozen) this.#seed = this.#seed.rebuild(now)
    this.#store = Store.fromSeed(this.#seed, this.clock, this.key)
    this.organizations.reset(this.#seed.organizations)
    this.journal.clear()
    this.faults.clear()
    this.handshakes.clear()
    this.signInTokens.clear()
    this.signIns.clear()
    this.signUps.clear()
    this.messages.clear()
    this.webhooks.clear()
  }

  /** Nothing more is sent (the mock stopped). */
  close(): void {
    this.webhooks.close()
  }

  /** The `iss` of every token: the mock's origin, known once it listens (before that, `http://localhost`). */
  get issuer(): string {
    return this.#issuer
  }

  setIssuer(origin: string): void {
    this.#issuer = origin
  }

  get jwks(): Jwks {
    return { keys: [this.key.jwk] }
  }

  // ---- reads -------------------------------------------------------------------------------------

  client(id: string): Client {
    return this.#store.client(id)
  }

  hasClient(id: string): boolean {
    return this.#store.hasClient(id)
  }

  user(id: string): User {
    return this.#store.user(id)
  }

  session(caller: Caller, id: string): SessionResult {
    return this.#store.session(caller, id)
  }

  sessionsOf(client: Client): Session[] {
    return this.#store.sessionsOf(client)
  }

  clientIdOfSession(id: string): string | null {
    return this.#store.clientIdOfSession(id)
  }

  status(session: Session): SessionStatus {
    return this.#store.status(session)
  }

  factorVerificationAge(session: Session): [number, number] {
    return this.#store.factorVerificationAge(session)
  }

  userLastActiveAt(userId: string): number | null {
    return this.#store.userLastActiveAt(userId)
  }

  /** The signed-in user behind a caller (`_clerk_session_id`, else the client's last active session). */
  signedInUser(caller: Caller, sessionId: string | undefined): User {
    return this.#store.signedInUser(caller, sessionId)
  }

  /** A user's sessions still on a client, across their devices, oldest first. */
  userSessions(userId: string, signedInOnly: boolean): Session[] {
    return this.#store.userSessions(userId, signedInOnly)
  }

  /** Any session the store holds, removed and revoked ones too (what the Backend API sees). */
  anySession(id: string): SessionResult {
    return this.#store.anySession(id)
  }

  /** Sessions matching a Backend API list query, newest first. */
  findSessions(filter: SessionFilter): Session[] {
    return this.#store.findSessions(filter)
  }

  /** Users matching a Backend API list query, in the order asked for. */
  findUsers(filter: UserFilter, orderBy?: UserOrderField, descending?: boolean): User[] {
    return this.#store.findUsers(filter, orderBy, descending)
  }

  /** The user a sign-in identifier (email address, phone number, username) names, or null. */
  identify(identifier: string) {
    return this.#store.identify(identifier)
  }

  /** Whether `password` is the user's (false for a user without one); for the Frontend API's password sign-in. */
  checkPassword(userId: string, password: string): boolean {
    const hash = this.#store.user(userId).passwordHash
    return hash !== null && verifyPassword(password, hash)
  }

  snapshot(): StoreSnapshot {
    return this.#store.snapshot()
  }

  // ---- Clerk's JSON --------------------------------------------------------------------------------

  sessionJson(session: Session, to: ServedTo = {}): SessionJson {
    return sessionJson(this, session, to.azp)
  }

  sessionsJson(sessions: Session[], to: ServedTo = {}): SessionJson[] {
    return sessionsJson(this, sessions, to.azp)
  }

  /** `sessions` overrides the client's own list (DELETE /v1/client answers with the sessions it had). */
  clientJson(client: Client, to: ServedTo & { sessions?: Session[] } = {}): ClientJson {
    return clientJson(this, client, to.sessions, to.azp)
  }

  userJson(user: User): UserJson {
    return userJson(user, this.#store.userLastActiveAt(user.id), this.organizationMembershipsJson(user.id))
  }

  /** The user's memberships as the Frontend API shows them (the user JSON's `organization_memberships`), newest first. */
  organizationMembershipsJson(userId: string): OrganizationMembershipJson[] {
    const orgs = this.organizations.records
    const user = this.#store.user(userId)
    return orgs.membershipsOf(userId).map((m) => orgs.membershipJson(m, user))
  }

  signInInProgress(client: Client): SignInJson | null {
    const attempt = this.signIns.inProgress(client.id)
    return attempt && this.signInJson(attempt)
  }

  signUpInProgress(client: Client): SignUpJson | null {
    const attempt = this.signUps.inProgress(client.id)
    return attempt && this.signUpJson(attempt)
  }

  signInJson(attempt: SignInAttempt): SignInJson {
    return signInJson(this.#signInView, attempt)
  }

  signUpJson(attempt: SignUpAttempt): SignUpJson {
    return signUpJson(this.auth, attempt, this.clock.now())
  }


  /** The Backend API's user: with `private_metadata`, which no Frontend API answer carries. */
  bapiUserJson(user: User): BapiUserJson {
    return bapiUserJson(user, this.#store.userLastActiveAt(user.id))
  }

  bapiSessionJson(session: Session): BapiSessionJson {
    return bapiSessionJson(this, session)
  }

  bapiClientJson(client: Client): BapiClientJson {
    return bapiClientJson(this, client)
  }

  /** A sign-in token as the Backend API shows it; its `url` is the Frontend API's ticket link. */
  signInTokenJson(record: SignInToken): SignInTokenJson {
    return signInTokenJson(record, `${this.#issuer}/v1/tickets/accept?ticket=${encodeURIComponent(record.token)}`)
  }

  /**
   * A signed-in session's `last_active_token` as served to the page whose Origin is `azp`, minted
   * again whenever it would be stale when served (REFERENCE §10): none yet, expired on the mock
   * clock, issued before the client's `updated_at` second (clerk-js writes that as `__client_uat`,
   * and @clerk/backend rejects an older token), or minted for another page than `azp` (the app's
   * SDK reads it from the `__session` cookie and wants its own origin there: @clerk/nextjs logs
   * "Session token from cookie is missing the azp claim"). Without `azp` (no page Origin: a server,
   * clerk-js in Node, a same-origin GET) the current token serves as it is, and a new one gets the
   * `defaultAzp` option. Signed-out sessions keep their last token, as on Clerk.
   */
  lastActiveToken(session: Session, azp?: string): string | null {
    const token = session.token
    if (!isSignedIn(this.status(session))) return token?.jwt ?? null
    const now = this.clock.now()
    const clientUat = Math.floor(this.#store.client(session.clientId).updatedAt / 1000)
    if (token !== null && token.exp * 1000 > now && token.iat >= clientUat && (azp === undefined || token.azp === azp)) return token.jwt
    const claims = this.#claims(session, azp ?? this.#defaultAzp)
    return this.#keepToken(session, this.key.signJwt(claims), claims)
  }

  /** Stores a session's default token, with what decides when it is stale; returns it. */
  #keepToken(session: Session, jwt: string, claims: Record<string, unknown>): string {
    session.token = { jwt, iat: claims.iat as number, exp: claims.exp as number, azp: (claims.azp as string | undefined) ?? null }
    return jwt
  }

  // ---- operations -----------------------------------------------------------------------------------

  createClient(): Client {
    return this.#store.createClient()
  }

  /** Signs a user in on a client (a new client when none is named); the session is the client's last active one. */
  createSession(userId: string, clientId?: string, opts: { secondFactor?: boolean } = {}): SignedIn {
    const result = this.#store.createSession(userId, clientId, opts)
    this.#sessionEvent(this.status(result.session) === 'pending' ? 'session.pending' : 'session.created', result.session)
    return { ...result, clientToken: this.#store.clientToken(result.client) }
  }

  // ---- users (the Backend API, sign-up, the handle and the control API) --------------------------------

  /**
   * A user a test adds (`mock.createUser`, `POST /__mock/users`): one email address (verified), an
   * optional password, names, username and phone number, checked as a sign-up would check them. A
   * phone number needs phone numbers on in the environment, or the user could not sign in with it.
   */
  /**
   * A phone number a new user may get (the handle, the control API, the Backend API): E.164, and
   * phone numbers on in the environment, or the user could not sign in with it.
   */
  checkPhoneNumber(phone: string, param: string): void {
    if (!E164.test(phone)) throw errors.paramFormatInvalid(param, `${param} must be E.164 (+ and 7 to 15 digits, e.g. +15555550100), got ${JSON.stringify(phone)}.`)
    if (!this.auth.signUp.enabled.includes('phone_number')) {
      throw errors.paramFormatInvalid(
        param,
        "phone numbers are off in this mock's environment, so the user could not sign in with one: seed a fixture user with a phone_number (that turns them on), or set environment.user_settings.attributes.phone_number.enabled in the fixture.",
      )
    }
  }

  createTestUser(input: TestUserInput): User {
    const where = (field: string) => input.param?.(field) ?? field
    const text = (v: unknown, field: string, max = 256): string | null => {
      if (v === undefined || v === null) return null
      if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw errors.paramFormatInvalid(where(field), `${where(field)} must be a non-empty string of at most ${max} characters, got ${JSON.stringify(v)?.slice(0, 80)}.`)
      return v.trim()
    }
    const email = text(input.emailAddress, 'emailAddress', 320)
    if (email === null) throw errors.paramFormatInvalid(where('emailAddress'), `${where('emailAddress')} is required (the address the user signs in with).`)
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw errors.paramFormatInvalid(where('emailAddress'), `${where('emailAddress')} must be a valid email address, got ${JSON.stringify(email)}.`)
    const phone = text(input.phoneNumber, 'phoneNumber', 32)
    if (phone !== null) this.checkPhoneNumber(phone, where('phoneNumber'))
    const password = input.password === undefined || input.password === null ? null : input.password
    if (password !== null) {
      if (typeof password !== 'string' || password === '') throw errors.paramFormatInvalid(where('password'), `${where('password')} must be a non-empty string.`)
      if (Buffer.byteLength(password) > 72) throw errors.passwordTooLong()
    }
    return this.createUser({
      emailAddresses: [email],
      phoneNumbers: phone === null ? [] : [phone],
      password,
      firstName: text(input.firstName, 'firstName'),
      lastName: text(input.lastName, 'lastName'),
      username: text(input.username, 'username'),
    })
  }

  createUser(input: NewUser): User {
    return this.#userEvent('user.created', this.#store.createUser(input))
  }

  updateUser(id: string, patch: UserPatch): User {
    return this.#userEvent('user.updated', this.#store.updateUser(id, patch))
  }

  /**
   * `PATCH /v1/users/{id}/metadata` (`merge`: deep merge, a `null` value deletes its key at any
   * level) or `PUT` (`replace`: each field given replaces the stored one whole). Fields not given
   * stay as they are.
   */
  updateUserMetadata(id: string, patch: MetadataPatch, mode: 'merge' | 'replace'): User {
    const user = this.#store.user(id)
    const next = (field: keyof MetadataPatch, current: Record<string, unknown>) => {
      const given = patch[field]
      if (given === undefined) return undefined
      const value = mode === 'merge' ? deepMerge(current, given) : given
      assertMetadataSize(field, value)
      return value
    }
    const publicMetadata = next('public_metadata', user.publicMetadata)
    const privateMetadata = next('private_metadata', user.privateMetadata)
    const unsafeMetadata = next('unsafe_metadata', user.unsafeMetadata)
    return this.#userEvent('user.updated', this.#store.setMetadata(id, { publicMetadata, privateMetadata, unsafeMetadata }))
  }

  /** The user and their sessions are gone (signed-in ones revoked first); their sign-in tokens no longer redeem. */
  deleteUser(id: string): User {
    // Read before the user is gone: the revoked sessions' events carry the user as they were.
    const userJson = this.#webhooksWant('session.revoked') ? this.bapiUserJson(this.#store.user(id)) : null
    const onClient = this.#store.userSessions(id, false)
    // Memberships first: their events carry the user, and the organizations outlive them.
    this.organizations.removeUser(id)
    const user = this.#store.deleteUser(id)
    this.signInTokens.forgetUser(id)
    this.signIns.forgetUser(id)
    if (userJson !== null) for (const s of onClient) this.webhooks.emit('session.revoked', sessionEventData(this.bapiSessionJson(s), userJson))
    if (this.#webhooksWant('user.deleted')) this.webhooks.emit('user.deleted', deletedUserData({ id: user.id, external_id: user.externalId }))
    return user
  }

  /** A one-time ticket for a known user (`expiresInSeconds`: default 30 days). */
  createSignInToken(userId: string, expiresInSeconds?: number): SignInToken {
    this.#store.user(userId)
    return this.signInTokens.create(userId, expiresInSeconds)
  }

  /** Revokes a pending sign-in token; an accepted or revoked one cannot be. */
  revokeSignInToken(id: string): SignInToken {
    const record = this.signInTokens.get(id)
    if (record === undefined) throw errors.notFound('sign in token', id)
    if (record.status !== 'pending') throw errors.signInTokenCannotBeRevoked(record.status)
    return this.signInTokens.revoke(id)!
  }

  /**
   * A testing token as `@clerk/testing` fetches it: `<issued-at seconds>-<random>`, valid an hour
   * on the mock clock. The Frontend API accepts `__clerk_testing_token` on every request and needs
   * no token (the mock has no bot protection to bypass), so nothing is stored.
   */
  createTestingToken(): TestingTokenJson {
    const issued = Math.floor(this.clock.now() / 1000)
    return { object: 'testing_token', token: `${issued}-${randomBytes(24).toString('base64url')}`, expires_at: issued + 3600 }
  }

  /** The client a `__client` token names (`POST /v1/clients/verify`); a token this mock did not sign, or of a client now gone, is refused. */
  verifyClientToken(token: string): Client {
    const check = this.#store.checkClientToken(token)
    if (check.kind === 'client') return this.#store.client(check.clientId)
    if (check.kind === 'stale') throw errors.noClient()
    throw errors.clientTokenInvalid()
  }

  /** The cookie directives a handshake left under a nonce, once. */
  handshakePayload(nonce: string): string[] {
    const directives = this.handshakes.take(nonce)
    if (directives === undefined) throw errors.notFound('handshake payload', nonce)
    return directives
  }

  /** An `activeOrganizationId` the session's user is not a member of is Clerk's 404 `organization_not_found_or_unauthorized`. */
  touchSession(caller: Caller, id: string, activeOrganizationId?: string | null): SessionResult {
    // The session's own refusals (unknown, signed out) come first, as for any touch.
    const { session } = this.#store.session(caller, id)
    assertAllowed('touch', this.status(session), id)
    this.organizations.assertMember(session.userId, activeOrganizationId)
    return this.#store.touch(caller, id, activeOrganizationId)
  }

  endSession(caller: Caller, id: string): SessionResult {
    return this.#sessionEvent('session.ended', this.#store.end(caller, id))
  }

  removeSession(caller: Caller, id: string): SessionResult {
    return this.#sessionEvent('session.removed', this.#store.remove(caller, id))
  }

  /** `userId`: the revoking user, null for an anonymous caller (who may revoke any session). */
  revokeSession(userId: string | null, id: string): SessionResult {
    return this.#sessionEvent('session.revoked', this.#store.revoke(userId, id))
  }

  /** Every session of the client removed; the client stays. */
  signOutClient(client: Client): Client {
    const removed = this.#store.sessionsOf(client)
    this.#store.signOutClient(client)
    for (const session of removed) this.#sessionEvent('session.removed', session)
    return client
  }

  /** Signed-in sessions end, then the client, its sessions and its token are gone. */
  destroyClient(client: Client): { client: Client; sessions: Session[] } {
    const signedIn = this.#store.sessionsOf(client).filter((s) => isSignedIn(this.status(s)))
    const result = this.#store.destroyClient(client)
    for (const session of signedIn) this.#sessionEvent('session.ended', session)
    return result
  }

  // ---- sign-in and sign-up (REFERENCE §14) ------------------------------------------------------------

  /**
   * Single-session mode: a client with a signed-in session may not sign in (or up) again. And in
   * any mode a user already signed in on the client is Clerk's `identifier_already_signed_in`
   * (`userId`: who is signing in, once known). Checked when an attempt starts and again before a
   * step that may complete it, as another attempt of the same client may have completed meanwhile.
   */
  assertMaySignIn(client: Client | null, userId?: string | null): void {
    if (client === null) return
    const signedIn = this.#store.sessionsOf(client).filter((s) => isSignedIn(this.status(s)))
    if (this.auth.singleSession && signedIn.length > 0) throw signInErrors.sessionExists()
    const same = userId == null ? undefined : signedIn.find((s) => s.userId === userId)
    if (same !== undefined) throw signInErrors.alreadySignedIn(same.id)
  }

  /** A ticket sign-in: the ticket redeemed once and a session on the client (a new client when null). */
  signInWithTicket(client: Client | null, ticket: string): { attempt: SignInAttempt; signedIn: SignedIn } {
    // Checked before the ticket is spent: a refused sign-in leaves the ticket usable.
    this.assertMaySignIn(client)
    const token = this.signInTokens.redeem(ticket)
    if (typeof token === 'string') throw ticketRefused(token)
    const signedIn = this.createSession(token.userId, client?.id)
    return { attempt: this.signIns.completeWithTicket(signedIn.client.id, this.#store.user(token.userId), signedIn.session.id), signedIn }
  }

  /** `POST /v1/client/sign_ins` (any strategy but ticket) on the caller's client; a new client (made only if the attempt is accepted) when null. */
  createSignIn(client: Client | null, params: SignInParams): { attempt: SignInAttempt; client: Client } {
    this.assertMaySignIn(client, typeof params.identifier === 'string' ? this.#store.identify(params.identifier)?.user.id : null)
    let on = client
    const attempt = this.signIns.create(this.#signInHost, () => (on ??= this.createClient()).id, params)
    return { attempt, client: on ?? this.#store.client(attempt.clientId) }
  }

  /** One step of a sign-in in progress. */
  signInStep(
    attempt: SignInAttempt,
    step: 'prepare_first_factor' | 'attempt_first_factor' | 'prepare_second_factor' | 'attempt_second_factor' | 'reset_password',
    params: SignInParams & { sign_out_of_other_sessions?: boolean },
  ): SignInAttempt {
    const host = this.#signInHost
    // A complete or abandoned attempt gets its own refusal from the step (client_state_invalid).
    const open = attempt.status !== 'complete' && this.clock.now() < attempt.abandonAt
    if (open && (step.startsWith('attempt') || step === 'reset_password')) this.assertMaySignIn(this.#store.client(attempt.clientId), attempt.userId)
    switch (step) {
      case 'prepare_first_factor':
        return this.signIns.prepareFirstFactor(host, attempt, params)
      case 'attempt_first_factor':
        return this.signIns.attemptFirstFactor(host, attempt, params)
      case 'prepare_second_factor':
        return this.signIns.prepareSecondFactor(host, attempt, params)
      case 'attempt_second_factor':
        return this.signIns.attemptSecondFactor(host, attempt, params)
      case 'reset_password':
        return this.signIns.resetPassword(host, attempt, params)
    }
  }

  /** `POST /v1/client/sign_ups` on the caller's client; a new client (made only if the attempt is accepted) when null. */
  createSignUp(client: Client | null, params: SignUpParams): { attempt: SignUpAttempt; client: Client } {
    this.assertMaySignIn(client)
    let on = client
    const attempt = this.signUps.create(this.#signUpHost, () => (on ??= this.createClient()).id, params)
    return { attempt, client: on ?? this.#store.client(attempt.clientId) }
  }

  signUpStep(attempt: SignUpAttempt, step: 'update' | 'prepare_verification' | 'attempt_verification', params: SignUpParams & { strategy?: string | null; code?: string | null }): SignUpAttempt {
    const host = this.#signUpHost
    if (step === 'attempt_verification' && attempt.status !== 'complete' && this.clock.now() < attempt.abandonAt) this.assertMaySignIn(this.#store.client(attempt.clientId))
    switch (step) {
      case 'update':
        return this.signUps.update(host, attempt, params)
      case 'prepare_verification':
        return this.signUps.prepareVerification(host, attempt, params.strategy)
      case 'attempt_verification':
        return this.signUps.attemptVerification(host, attempt, params.strategy, params.code)
    }
  }

  /** A sign-up by id, if its client still exists. */
  signUp(id: string): SignUpAttempt {
    const attempt = this.signUps.get(id, (c) => this.hasClient(c))
    if (attempt === undefined) throw signUpErrors.notFound(id)
    return attempt
  }

  /** The message the mock would send, recorded (`mock.messages`); its code. */
  #sendCode(to: string, channel: 'email' | 'sms', kind: MessageKind, userId: string | null, identificationId: string | null): string {
    const code = newCode(this.#seed.verificationCode, to)
    this.messages.record({ to, channel, code, kind, user_id: userId, identification_id: identificationId })
    return code
  }

  #messageEvent(m: MessageJson): void {
    if (m.channel === 'email' && this.#webhooksWant('email.created')) this.webhooks.emit('email.created', emailEventData(m))
    if (m.channel === 'sms' && this.#webhooksWant('sms.created')) this.webhooks.emit('sms.created', smsEventData(m))
  }

  // ---- webhooks: emitted on the transitions above, whichever face asked for them ------------------
  // No event for a session that expires or is abandoned by time: Clerk sends none.

  #webhooksWant(type: string): boolean {
    return this.webhooks.wants(type)
  }

  #userEvent(type: 'user.created' | 'user.updated', user: User): User {
    if (this.#webhooksWant(type)) this.webhooks.emit(type, this.bapiUserJson(user))
    return user
  }

  /** A session event; the user is read from the store (so not after the user is deleted: see deleteUser). */
  #sessionEvent<R extends Session | SessionResult>(type: SessionEvent, subject: R): R {
    const session = 'session' in subject ? subject.session : (subject as Session)
    if (this.#webhooksWant(type)) this.webhooks.emit(type, sessionEventData(this.bapiSessionJson(session), this.bapiUserJson(this.#store.user(session.userId))))
    return subject
  }

  /**
   * Mints a session JWT (optionally from a JWT template) and counts it as activity; the default
   * token becomes `last_active_token`. `organizationId`: undefined keeps the session's active
   * organization, '' or null selects the personal account.
   */
  async mintSessionToken(
    result: SessionResult,
    opts: { azp?: string | null; template?: string; organizationId?: string | null; lifetimeMs?: number } = {},
  ): Promise<string> {
    const { session } = result
    let template: JwtTemplate | undefined
    if (opts.template !== undefined) {
      template = this.#templates.get(opts.template)
      if (!template) throw errors.notFound('JWT template', opts.template)
    }
    assertAllowed('tokens', this.status(session), session.id)
    // clerk-js sends the organization it last knew with every refresh: one the user has left since
    // (removed by an admin or a backend) gives a personal-account token rather than break every refresh (chosen).
    if (opts.organizationId !== undefined) session.lastActiveOrganizationId = this.organizations.isMember(session.userId, opts.organizationId) ? opts.organizationId || null : null
    const claims = this.#claims(session, opts.azp ?? this.#defaultAzp, template, opts.lifetimeMs)
    // Every mint is activity, recorded before the signature so a request that ends or removes the
    // session while it is being signed sees the state as if this request came first.
    this.#store.markActive(result)
    const jwt = await this.key.signJwtAsync(claims)
    // A token with its own lifetime (the Backend API's expires_in_seconds) is not the session's default one.
    if (template === undefined && opts.lifetimeMs === undefined) this.#keepToken(session, jwt, claims)
    return jwt
  }

  #claims(session: Session, azp: string | null, template?: JwtTemplate, lifetimeMs?: number): Record<string, unknown> {
    return sessionClaims(this.clock, {
      issuer: this.#issuer,
      userId: session.userId,
      sessionId: session.id,
      status: this.status(session),
      factorVerificationAge: this.factorVerificationAge(session),
      organization: this.organizations.records.tokenClaims(session.lastActiveOrganizationId, session.userId),
      azp,
      lifetimeMs: lifetimeMs ?? template?.lifetime ?? this.#seed.settings.tokenLifetime,
      extraClaims: template && this.organizations.records.resolveTemplate(template.claims, session.lastActiveOrganizationId, session.userId),
    })
  }

  // ---- browsers and their credentials -------------------------------------------------------------

  registerDevBrowser(): string {
    return this.#store.registerDevBrowser()
  }

  devBrowserClient(id: string): string | null | undefined {
    return this.#store.devBrowserClient(id)
  }

  bindDevBrowser(id: string, client: Client): void {
    this.#store.bindDevBrowser(id, client)
  }

  clientToken(client: Client | string): string {
    return this.#store.clientToken(typeof client === 'string' ? this.#store.client(client) : client)
  }

  checkClientToken(token: string): ClientTokenCheck {
    return this.#store.checkClientToken(token)
  }

  // ---- the test's levers ---------------------------------------------------------------------------

  /** Moves the clock (all fields checked before anything moves); throws a TimeInputError naming the field. */
  moveClock(move: ClockMove): ClockState {
    this.clock.move(move)
    return this.clockState()
  }

  clockState(): ClockState {
    return { now: this.clock.now(), frozen: this.clock.frozen }
  }

  addFault(spec: FaultSpec): FaultJson {
    return this.faults.add(spec)
  }

  removeFault(id: string): void {
    if (!this.faults.remove(id)) throw errors.notFound('fault', id)
  }

  clearFaults(): void {
    this.faults.clear()
  }

  requests(): JournalEntry[] {
    return this.journal.list()
  }

  clearRequests(): void {
    this.journal.clear()
  }
}

/** What `mock.createUser` takes (the control API sends it in snake_case; `param` names its fields in errors). */
export interface TestUserInput {
  emailAddress: string
  password?: string | null
  firstName?: string | null
  lastName?: string | null
  username?: string | null
  phoneNumber?: string | null
  param?: (field: string) => string
}

/** The metadata fields of a user, as the Backend API names them. */
export interface MetadataPatch {
  public_metadata?: Record<string, unknown>
  private_metadata?: Record<string, unknown>
  unsafe_metadata?: Record<string, unknown>
}

/** Clerk's limit: each metadata field holds at most 8 KB of JSON. */
export const METADATA_MAX_BYTES = 8 * 1024
/** Deeper than any real metadata; past it a value is refused before anything recurses into it. */
export const METADATA_MAX_DEPTH = 32

/** Refuses metadata too big or too deep (with Clerk's code), checked without recursion. */
export function assertMetadataSize(field: string, value: unknown): void {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }]
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth >= METADATA_MAX_DEPTH) throw errors.paramTooLarge(field, `${field} is nested more than ${METADATA_MAX_DEPTH} levels deep.`)
    for (const child of Object.values(v)) stack.push({ v: child, depth: depth + 1 })
  }
  const bytes = Buffer.byteLength(JSON.stringify(value))
  if (bytes > METADATA_MAX_BYTES) throw errors.paramTooLarge(field, `${field} is ${bytes} bytes of JSON; Clerk allows at most ${METADATA_MAX_BYTES}.`)
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Clerk's metadata merge: objects merge key by key at every level, `null` deletes a key, anything else replaces. Never mutates its inputs. */
export function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>, depth = 0): Record<string, unknown> {
  if (depth >= METADATA_MAX_DEPTH) return patch
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key]
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = deepMerge(out[key] as Record<string, unknown>, value, depth + 1)
    else out[key] = value
  }
  return out
}
