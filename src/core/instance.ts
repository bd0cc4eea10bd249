/**
 * One mock instance's domain: its seed, clock, store, key and client tokens. `reset()` rebuilds the
 * store from the seed. Everything that serves requests or tests reaches state through here.
 */
import { MockClock, type ClockSetting } from './clock.js'
import { errors } from './errors.js'
import { Store, type Client, type SessionResult } from './store.js'
import { ClientTokens, InstanceKey, sessionClaims } from './tokens.js'
import { isSignedIn } from './lifecycle.js'
import type { JwtTemplate, Seed } from '../fixtures/load.js'

export interface InstanceOptions {
  /** The `clock` option; wins over the fixture's `clock` key. */
  clock?: ClockSetting
  /** A fixed RSA-2048 private key (PEM) for reproducible token signatures. */
  signingKey?: string
}

export class Instance {
  readonly clock: MockClock
  readonly key: InstanceKey
  readonly clientTokens: ClientTokens
  readonly templates: Map<string, JwtTemplate>
  store: Store
  readonly #clockSetting: ClockSetting

  #seed: Seed

  constructor(seed: Seed, options: InstanceOptions = {}) {
    this.#seed = seed
    this.#clockSetting = options.clock ?? seed.clock
    this.clock = new MockClock(this.#clockSetting)
    this.key = new InstanceKey(options.signingKey)
    this.clientTokens = new ClientTokens(this.key)
    this.templates = new Map(seed.jwtTemplates.map((t) => [t.name, t]))
    this.store = this.#build()
  }

  get seed(): Seed {
    return this.#seed
  }

  /**
   * Back to the seed: state and clock. Tokens of clients created since are stale (those clients are
   * gone); seeded clients keep their ids, so their tokens stay valid. With a system clock the seed's
   * offsets ('-2h') are resolved again from the new now, so the seeded sessions are as fresh as at start.
   */
  reset(): void {
    const now = this.clock.restore(this.#clockSetting)
    if (!this.clock.frozen) this.#seed = this.#seed.rebuild(now)
    this.clientTokens.clear()
    this.store = this.#build()
  }

  #build(): Store {
    const store = new Store(this.clock, this.#seed.settings)
    for (const user of this.#seed.users) store.addUser({ ...user })
    for (const client of this.#seed.clients) store.createClient(client.id, client.createdAt)
    for (const session of this.#seed.sessions) store.insertSession({ ...session })
    // The last active session of a seeded client is its most recently active signed-in one.
    for (const client of store.clients.values()) {
      let best: { id: string; at: number } | null = null
      for (const s of store.sessionsOf(client)) {
        if (isSignedIn(store.status(s)) && (best === null || s.lastActiveAt >= best.at)) best = { id: s.id, at: s.lastActiveAt }
      }
      client.lastActiveSessionId = best?.id ?? null
      client.updatedAt = Math.max(client.createdAt, ...store.sessionsOf(client).map((s) => s.updatedAt))
    }
    return store
  }

  clientToken(clientId: string): string {
    return this.clientTokens.tokenFor(this.store.client(clientId))
  }

  tokenOf(client: Client): string {
    return this.clientTokens.tokenFor(client)
  }

  /**
   * Mints a session JWT (optionally from a JWT template), stores it as `last_active_token` and
   * counts it as activity. `organizationId`: undefined keeps the session's active organization,
   * '' or null selects the personal account.
   */
  async mintSessionToken(
    result: SessionResult,
    opts: { issuer: string; azp: string | null; template?: string; organizationId?: string | null },
  ): Promise<string> {
    const { session } = result
    let template: JwtTemplate | undefined
    if (opts.template !== undefined) {
      template = this.templates.get(opts.template)
      if (!template) throw errors.notFound('JWT template', opts.template)
    }
    this.store.assertSignedIn(session)
    if (opts.organizationId !== undefined) session.lastActiveOrganizationId = opts.organizationId || null
    const claims = sessionClaims(this.clock, {
      issuer: opts.issuer,
      userId: session.userId,
      sessionId: session.id,
      status: this.store.status(session),
      factorVerificationAge: this.store.factorVerificationAge(session),
      organizationId: session.lastActiveOrganizationId,
      azp: opts.azp,
      lifetimeMs: template?.lifetime ?? this.#seed.settings.tokenLifetime,
      extraClaims: template?.claims,
    })
    // Every mint is activity, recorded before the signature so a request that ends or removes the
    // session while it is being signed sees the state as if this request came first.
    this.store.markActive(result)
    const jwt = await this.key.signJwtAsync(claims)
    // Only the default token (not a template's) becomes last_active_token.
    if (template === undefined) session.lastActiveToken = jwt
    return jwt
  }
}
