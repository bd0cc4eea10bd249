/**
 * The public handle: create or start a mock, read its url and key, drive its clock and state, stop it.
 */
import type { FastifyServerOptions } from 'fastify'
import { customAlphabet } from 'nanoid'
import type { MockClock } from './core/clock.js'
import type { FaultJson, FaultSpec } from './core/faults.js'
import type { JournalEntry } from './core/journal.js'
import { MockCore } from './core/mock-core.js'
import type { ClockSetting } from './core/time.js'
import type { WebhookDeliveryJson, WebhookEndpointJson, WebhookEndpointSpec } from './core/webhooks/index.js'
import type { ClientJson, Jwks, SessionJson, UserJson } from './core/wire.js'
import type { MessageJson } from './core/messages.js'
import type { BapiOrganizationJson, BapiOrganizationMembershipJson } from './core/organization-wire.js'
import { DEFAULT_FIXTURE_PATH, loadSeed } from './fixtures/load.js'
import type { Fixture } from './fixtures/schema.js'
import { BAPI_PREFIX, buildApp, type App } from './http/app.js'
import { SECRET_KEY_PATTERN } from './http/bapi/auth.js'
import { isWildcardAddress } from './http/guard.js'
import { certificateNames, MockTls, type TlsCredentials } from './http/tls.js'

export interface ClerkMockOptions {
  /** A fixture file path or a fixture object. Default: the shipped `fixtures/default.json`. */
  fixtures?: string | Fixture
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number
  /** Host to bind; default `127.0.0.1`. A wildcard (`0.0.0.0`, `::`) binds every interface; `url` then names the loopback (`127.0.0.1`, `[::1]`). */
  host?: string
  /**
   * `'system'` (real time plus any advance), a start time (ISO or ms) for a frozen clock, or a time
   * source of your own (`{ now() }`, e.g. your fake timers), followed like 'system'. Wins over the fixture's `clock`.
   */
  clock?: ClockSetting
  /** Requests with no client credential get 401 `signed_out` instead of reaching any session by id. Default false. */
  strictClients?: boolean
  /** Fastify logger setting; default off. */
  logger?: FastifyServerOptions['logger']
  /** `azp` claim for tokens minted without an `Origin` header (clerk-js in Node sends none). */
  defaultAzp?: string
  /** A fixed RSA-2048 private key (PEM), for reproducible tokens; wins over the fixture's `signing_key`. Default: a new key per instance. */
  signingKey?: string
  /** Serve the control API under `/__mock` (reset, clock, state, journal, faults, sign-in). Default true; false makes `/__mock/…` a 404. */
  controlApi?: boolean
  /**
   * Host names answered besides this machine's (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`)
   * and the bound address; a leading dot allows every subdomain (`'.test'`). Any other `Host` is a 403.
   */
  allowedHosts?: string[]
  /** Origins answered with CORS (and allowed as sign-in redirects) besides any loopback origin, e.g. `'http://app.test:3000'`. */
  allowedOrigins?: string[]
  /**
   * The one Backend API secret key accepted (`Authorization: Bearer …`), and `mock.secretKey`.
   * Default: any `sk_test_…`/`sk_live_…` is accepted, and `mock.secretKey` is one made for this instance.
   */
  secretKey?: string
  /**
   * The certificate and private key (PEM strings) served over TLS on the mock's port. Default: a
   * self-signed certificate for `localhost`, `127.0.0.1`, `::1`, the bound host and `allowedHosts`,
   * made on first need. Checked here: a bad pair throws.
   * @example { cert: readFileSync('localhost.pem', 'utf8'), key: readFileSync('localhost-key.pem', 'utf8') }
   */
  tls?: TlsCredentials
  /**
   * Webhook endpoints: the mock POSTs Clerk's events to each, signed as Svix signs them, so the
   * app's own `verifyWebhook(req)` accepts them. A secret left out is made for the endpoint (read
   * it from `mock.webhooks.endpoints`). Replaces the fixture's `webhooks`. A bad URL, secret or event name throws.
   * @example webhooks: [{ url: 'http://127.0.0.1:3000/api/webhooks', secret: process.env.CLERK_WEBHOOK_SIGNING_SECRET, events: ['user.*', 'session.*'] }]
   */
  webhooks?: WebhookEndpointSpec[]
}

/** `mock.webhooks`: the endpoints with their secrets, the delivery journal, and the levers a test needs. */
export interface MockWebhooks {
  /** Each endpoint with its `whsec_` secret (the one given, or the one made). */
  readonly endpoints: WebhookEndpointJson[]
  /** Every delivery so far, oldest first (the last 1000): event, endpoint, status, attempts. A copy; `reset()` empties it. */
  readonly deliveries: WebhookDeliveryJson[]
  /**
   * Resolves once no delivery is on the wire or due: each has succeeded, failed for good, or waits
   * for a retry later on the mock clock (advance the clock and await again to run it).
   * @example await mock.webhooks.settled(); assert.equal(received.length, 1)
   */
  settled(): Promise<void>
  /** Sends one delivery again (same `svix-id`, fresh signature), after what its endpoint has due. Unknown id: a 404 ClerkError. */
  replay(deliveryId: string): WebhookDeliveryJson
}

export interface CreatedSession {
  session: SessionJson
  client: ClientJson
  /** The `__client` cookie value / native `Authorization` value for that client. */
  clientToken: string
}

/** What `mock.createOrganization()` takes (camelCase of the Backend API's `POST /v1/organizations`, plus `members`). */
export interface NewOrganizationInput {
  name: string
  /** Default: derived from the name (`Acme Inc` → `acme-inc`). */
  slug?: string
  imageUrl?: string
  publicMetadata?: Record<string, unknown>
  privateMetadata?: Record<string, unknown>
  /** 0 (the default): no limit. */
  maxAllowedMemberships?: number
  /** A user who becomes the first `org:admin`. */
  createdBy?: string
  members?: { userId: string; role?: string }[]
}

/** An organization as the Backend API shows it, with its memberships (oldest first). */
export interface CreatedOrganization {
  organization: BapiOrganizationJson
  memberships: BapiOrganizationMembershipJson[]
}

/** One running (or ready to run) mock of Clerk's Frontend API. */
export class ClerkMock {
  readonly #core: MockCore
  readonly #app: App
  readonly #options: ClerkMockOptions
  readonly #tls: MockTls
  readonly #secretKey: string
  /** Webhook endpoints, deliveries, `settled()` and `replay()`; usable before `start()`. */
  readonly webhooks: MockWebhooks
  #url: string | null = null
  #starting: Promise<unknown> | null = null
  #stopped: Promise<void> | null = null

  constructor(options: ClerkMockOptions = {}) {
    this.#options = options
    const seed = loadSeed(options.fixtures ?? DEFAULT_FIXTURE_PATH, options.clock)
    this.#core = new MockCore(seed, {
      clock: options.clock,
      signingKey: options.signingKey,
      defaultAzp: options.defaultAzp,
      webhooks: options.webhooks ?? seed.webhooks,
      webhooksParam: options.webhooks !== undefined ? 'webhooks' : '$.webhooks',
    })
    const hooks = this.#core.webhooks
    this.webhooks = {
      get endpoints() {
        return hooks.endpointsJson()
      },
      get deliveries() {
        return hooks.deliveries()
      },
      settled: () => hooks.settled(),
      replay: (id) => hooks.replay(id),
    }
    if (options.secretKey !== undefined && !SECRET_KEY_PATTERN.test(options.secretKey)) {
      throw new Error(`The secretKey option must be a Clerk secret key (sk_test_… or sk_live_…), got ${JSON.stringify(String(options.secretKey).slice(0, 40))}.`)
    }
    this.#secretKey = options.secretKey ?? `sk_test_${secretKeyBody()}`
    // Nothing is made here: a self-signed certificate waits for its first use.
    this.#tls = new MockTls({ supplied: options.tls, names: certificateNames(options.host, options.allowedHosts) })
    this.#app = buildApp(this.#core, {
      strictClients: options.strictClients ?? false,
      logger: options.logger ?? false,
      controlApi: options.controlApi ?? true,
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
      boundHost: options.host ?? '127.0.0.1',
      secretKey: options.secretKey,
      tls: this.#tls,
    })
  }

  /** Starts listening (on `127.0.0.1` and a free port unless told otherwise). */
  async start(): Promise<this> {
    if (this.#stopped) throw new Error('This Clerk mock has been stopped; create a new one.')
    if (this.#url) throw new Error(`This Clerk mock has already been started (at ${this.#url}).`)
    if (this.#starting) throw new Error('This Clerk mock is already starting; await the first start().')
    const host = this.#options.host ?? '127.0.0.1'
    this.#starting = this.#app.listen({ port: this.#options.port ?? 0, host })
    await this.#starting
    // stop() was called while listening began: it closes the server once listen settles.
    if (this.#stopped) throw new Error('This Clerk mock was stopped while it was starting.')
    const address = this.#app.server.address()
    const port = typeof address === 'object' && address ? address.port : this.#options.port
    const reachable = urlHost(host)
    this.#url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
    // What Clerk's SDKs derive from the publishable key, whatever scheme or Host a request used
    // (REFERENCE §11): a token issued for another name would make @clerk/backend read the wrong cookies.
    this.#core.setIssuer(`https://${new URL(this.#url).host}`)
    return this
  }

  /** `http://127.0.0.1:PORT`. Throws before `start()`. */
  get url(): string {
    if (!this.#url) throw new Error('The Clerk mock is not listening yet: await mock.start() (or use startClerkMock()) before reading mock.url.')
    return this.#url
  }

  /** `https://127.0.0.1:PORT`: the same port as `url`, over TLS (see `certificate`). Throws before `start()`. */
  get httpsUrl(): string {
    if (!this.#url) throw new Error('The Clerk mock is not listening yet: await mock.start() (or use startClerkMock()) before reading mock.httpsUrl.')
    return this.#url.replace(/^http:/, 'https:')
  }

  /**
   * The Backend API's base URL (`http://127.0.0.1:PORT/bapi`), for `@clerk/backend`'s `apiUrl` or
   * `CLERK_API_URL`; call it with `secretKey`. Throws before `start()`.
   * @example createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
   */
  get apiUrl(): string {
    if (!this.#url) throw new Error('The Clerk mock is not listening yet: await mock.start() (or use startClerkMock()) before reading mock.apiUrl.')
    return this.#url + BAPI_PREFIX
  }

  /** A secret key the Backend API accepts: the `secretKey` option, or one made for this instance. Known before `start()` (for `inject()`). */
  get secretKey(): string {
    return this.#secretKey
  }

  /**
   * The certificate (PEM) served over TLS: the `tls` option's, or the self-signed one (made on the
   * first read or the first TLS connection, whichever comes first). Trust it in a test with
   * `https.request(url, { ca: mock.certificate })`, or write it to a file for `NODE_EXTRA_CA_CERTS`.
   */
  get certificate(): string {
    return this.#tls.certificate
  }

  /** A `pk_test_` key encoding this mock's host: clerk-js reaches the mock over https with it alone, or over http with `proxyUrl: mock.url`. */
  get publishableKey(): string {
    return publishableKeyFor(new URL(this.url).host)
  }

  /** The mock clock: `now()`, `advance('8d')`, `set(iso|ms)`, `freeze()`, `resume()`. */
  get clock(): MockClock {
    return this.#core.clock
  }

  /** The JWKS serving the instance key: `{ keys: [jwk] }`. */
  get jwks(): Jwks {
    return this.#core.jwks
  }

  /** The instance public key as a PEM, for `@clerk/backend`'s `jwtKey`. */
  get publicKeyPem(): string {
    return this.#core.key.publicKeyPem
  }

  /** Fastify's `inject()`, for requests without a socket. */
  get inject(): App['inject'] {
    return this.#app.inject.bind(this.#app)
  }

  /** Back to the seed: state, clock, journal, faults, and webhook deliveries (pending retries are dropped; endpoints stay). */
  reset(): void {
    this.#core.reset()
  }

  /**
   * The request journal: every Frontend API request so far (not `/__mock`), oldest first, the last
   * 1000 at most. A copy; `reset()` empties the journal.
   * @example
   * assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /v1/client 200'])
   */
  get requests(): JournalEntry[] {
    return this.#core.requests()
  }

  /**
   * Arms a fault: the next `times` requests matching `method` and `path` (a trailing `*` matches a
   * prefix) wait `delayMs`, then answer `status` with a Clerk error body (a 429 with `Retry-After`).
   * Without `times` it lasts until `reset()` or `clear()`. Bad input throws a 400 ClerkError.
   * @example
   * mock.fail({ method: 'POST', path: '/v1/client/sessions/*', status: 429, times: 1 })
   */
  fail(spec: FaultSpec): FaultJson & { clear(): void } {
    const fault = this.#core.addFault(spec)
    return { ...fault, clear: () => void this.#core.faults.remove(fault.id) }
  }

  /** Signs a user in: a new session on the given client (or on a new client). */
  createSession({ userId, clientId }: { userId: string; clientId?: string }): CreatedSession {
    const { session, client, clientToken } = this.#core.createSession(userId, clientId)
    return { session: this.#core.sessionJson(session), client: this.#core.clientJson(client), clientToken }
  }

  /**
   * Adds a user who can sign in: one verified email address, and optionally a password, names, a
   * username and a phone number (E.164; phone numbers must be on in the environment). Returns the
   * user as the Frontend API shows it. Identifiers already taken throw `form_identifier_exists`.
   * `reset()` removes users created this way (it returns to the fixture).
   * @example
   * const user = mock.createUser({ emailAddress: 'new@example.com', password: 'secret-password' })
   * await clerk.client.signIn.create({ strategy: 'password', identifier: 'new@example.com', password: 'secret-password' })
   */
  createUser(input: { emailAddress: string; password?: string; firstName?: string; lastName?: string; username?: string; phoneNumber?: string }): UserJson {
    return this.#core.userJson(this.#core.createTestUser(input))
  }

  /**
   * The emails and text messages the mock would have sent (sign-in, sign-up and reset-password
   * codes), oldest first, the last 1000 at most. A copy; `reset()` empties it. Every code is
   * Clerk's test code 424242 unless the fixture's `settings.verification_code` is `"random"`.
   * @example
   * const code = mock.messages.findLast((m) => m.to === 'ada@example.com')!.code
   */
  get messages(): MessageJson[] {
    return this.#core.messages.list()
  }

  /**
   * Creates an organization at run time (as the Backend API would): `createdBy` becomes its admin,
   * then each of `members` joins with its role (default `org:member`). Unknown users or roles throw.
   * Sessions see it at once: `clerk.setActive({ organization })` and the next token.
   * @example
   * const { organization } = mock.createOrganization({ name: 'Acme', members: [{ userId: ada, role: 'org:admin' }] })
   */
  createOrganization(input: NewOrganizationInput): CreatedOrganization {
    const { organization } = this.#core.organizations.create({
      name: input.name,
      slug: input.slug,
      imageUrl: input.imageUrl,
      publicMetadata: input.publicMetadata,
      privateMetadata: input.privateMetadata,
      maxAllowedMemberships: input.maxAllowedMemberships,
      createdBy: input.createdBy,
      members: input.members,
    })
    return this.#organization(organization.id)
  }

  /** Adds a user to an organization (by id or slug) with a role (default `org:member`); the user's next token carries it when it is active. */
  addOrganizationMember({ organizationId, userId, role }: { organizationId: string; userId: string; role?: string }): CreatedOrganization {
    const org = this.#core.organizations.records.get(organizationId)
    this.#core.organizations.addMember(org.id, userId, role)
    return this.#organization(org.id)
  }

  #organization(id: string): CreatedOrganization {
    const orgs = this.#core.organizations.records
    const org = orgs.get(id)
    return { organization: orgs.bapiOrganizationJson(org, true), memberships: orgs.membersOf(org.id).map((m) => orgs.bapiMembershipJson(m, this.#core.user(m.userId))) }
  }

  /** The client's token: the `__client` cookie value, or the `Authorization` value of a native client. */
  clientToken(clientId: string): string {
    return this.#core.clientToken(clientId)
  }

  /** Stops listening. Idempotent: later calls wait for the same stop. */
  stop(): Promise<void> {
    // A start still under way finishes first, so its server is closed too rather than left listening.
    this.#stopped ??= (this.#starting ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        // Nothing more goes out from a stopped mock; attempts on the wire are abandoned.
        this.#core.close()
        return this.#app.close()
      })
      .then(() => undefined)
    return this.#stopped
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }
}

/** The random part of a generated `sk_test_` key: as long as Clerk's, letters and digits. */
const secretKeyBody = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 40)

/**
 * The host to put in the mock's URL. A wildcard address (`0.0.0.0`, `::`) is where the server
 * listens, not an address to connect to: the URL names this machine's loopback of that family.
 */
function urlHost(host: string): string {
  if (!isWildcardAddress(host)) return host
  return host.includes(':') ? '::1' : '127.0.0.1'
}

/** `pk_test_` + base64(`host$`) without padding: what Clerk SDKs decode to find the Frontend API. */
export function publishableKeyFor(host: string): string {
  return `pk_test_${Buffer.from(`${host}$`).toString('base64').replace(/=+$/, '')}`
}

/** A mock built but not listening: use `inject()`, or call `start()`. */
export function createClerkMock(options: ClerkMockOptions = {}): ClerkMock {
  return new ClerkMock(options)
}

/**
 * Creates and starts a mock.
 * @example
 * await using mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
 * await fetch(`${mock.url}/v1/client/sessions/${id}`)
 */
export async function startClerkMock(options: ClerkMockOptions = {}): Promise<ClerkMock> {
  return new ClerkMock(options).start()
}
