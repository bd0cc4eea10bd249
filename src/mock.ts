/**
 * The public handle: create or start a mock, read its url and key, drive its clock and state, stop it.
 */
import type { FastifyServerOptions } from 'fastify'
import type { MockClock } from './core/clock.js'
import type { FaultJson, FaultSpec } from './core/faults.js'
import type { JournalEntry } from './core/journal.js'
import { MockCore } from './core/mock-core.js'
import type { ClockSetting } from './core/time.js'
import type { ClientJson, Jwks, SessionJson } from './core/wire.js'
import { DEFAULT_FIXTURE_PATH, loadSeed } from './fixtures/load.js'
import type { Fixture } from './fixtures/schema.js'
import { buildApp, type App } from './http/app.js'
import { isWildcardAddress } from './http/guard.js'

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
}

export interface CreatedSession {
  session: SessionJson
  client: ClientJson
  /** The `__client` cookie value / native `Authorization` value for that client. */
  clientToken: string
}

/** One running (or ready to run) mock of Clerk's Frontend API. */
export class ClerkMock {
  readonly #core: MockCore
  readonly #app: App
  readonly #options: ClerkMockOptions
  #url: string | null = null
  #starting: Promise<unknown> | null = null
  #stopped: Promise<void> | null = null

  constructor(options: ClerkMockOptions = {}) {
    this.#options = options
    const seed = loadSeed(options.fixtures ?? DEFAULT_FIXTURE_PATH, options.clock)
    this.#core = new MockCore(seed, { clock: options.clock, signingKey: options.signingKey, defaultAzp: options.defaultAzp })
    this.#app = buildApp(this.#core, {
      strictClients: options.strictClients ?? false,
      logger: options.logger ?? false,
      controlApi: options.controlApi ?? true,
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
      boundHost: options.host ?? '127.0.0.1',
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
    this.#core.setIssuer(this.#url)
    return this
  }

  /** `http://127.0.0.1:PORT`. Throws before `start()`. */
  get url(): string {
    if (!this.#url) throw new Error('The Clerk mock is not listening yet: await mock.start() (or use startClerkMock()) before reading mock.url.')
    return this.#url
  }

  /** A `pk_test_` key encoding this mock's host, for clerk-js with `proxyUrl: mock.url`. */
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

  /** Back to the seed: state, clock, journal and faults. */
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

  /** The client's token: the `__client` cookie value, or the `Authorization` value of a native client. */
  clientToken(clientId: string): string {
    return this.#core.clientToken(clientId)
  }

  /** Stops listening. Idempotent: later calls wait for the same stop. */
  stop(): Promise<void> {
    // A start still under way finishes first, so its server is closed too rather than left listening.
    this.#stopped ??= (this.#starting ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.#app.close())
      .then(() => undefined)
    return this.#stopped
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }
}

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
