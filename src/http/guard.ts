/**
 * Safe on a developer's laptop (REFERENCE §15). A running mock holds signing keys and an
 * unauthenticated control API next to the developer's browser, so, as Vite and webpack-dev-server
 * do: the `Host` must name this machine (DNS rebinding gets a 403), CORS answers only allowed
 * origins, and the control API refuses any browser request from elsewhere.
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { FastifyRequest } from 'fastify'
import { ClerkError } from '../core/errors.js'
import { CONTROL_PREFIX } from '../core/faults.js'
import type { ServedTo } from '../core/mock-core.js'

export interface GuardOptions {
  /** Host names allowed besides the loopback names and the bound host (`mock.test`, or `.test` for every subdomain of test). */
  allowedHosts?: string[]
  /** Origins allowed besides any loopback origin (`http://app.test:3000`). */
  allowedOrigins?: string[]
  /** The address the server binds; a specific one is allowed as a Host. */
  boundHost?: string
}

const LOOPBACK_NAMES = /^(localhost|[a-z0-9.-]*\.localhost)$/

/** `localhost`, `*.localhost`, `127.0.0.0/8`, `::1`: names that can only mean this machine. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  if (LOOPBACK_NAMES.test(name)) return true
  if (isIPv4(name)) return name.startsWith('127.')
  return name === '::1' || name === '0:0:0:0:0:0:0:1'
}

/** The host name of a `Host` header (`[::1]:4010` → `::1`, `Example.test:80` → `example.test`); null when it is not one. */
function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return null
  }
}

/** `0.0.0.0`, `::` (any spelling): where a server listens on every interface, not an address to connect to. */
export function isWildcardAddress(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '')
  if (isIPv4(name)) return name.split('.').every((part) => Number(part) === 0)
  return isIPv6(name) && name.split(':').every((part) => part === '' || /^0+$/.test(part))
}

/** A few distinct Host and Origin values reach a mock (its URL, the app's page); each is judged once. */
class Verdicts {
  readonly #seen = new Map<string, boolean>()
  judge(value: string, decide: (value: string) => boolean): boolean {
    let verdict = this.#seen.get(value)
    if (verdict === undefined) {
      verdict = decide(value)
      // Bounded: a client sending a new Host on every request must not grow the map.
      if (this.#seen.size >= 256) this.#seen.clear()
      this.#seen.set(value, verdict)
    }
    return verdict
  }
}

export class Guard {
  readonly #hosts: string[]
  readonly #origins: Set<string>
  readonly #hostVerdicts = new Verdicts()
  readonly #originVerdicts = new Verdicts()

  constructor(options: GuardOptions = {}) {
    const bound = options.boundHost?.toLowerCase().replace(/^\[|\]$/g, '')
    this.#hosts = [...(options.allowedHosts ?? []).map((h) => h.toLowerCase()), ...(bound && !isWildcardAddress(bound) ? [bound] : [])]
    this.#origins = new Set((options.allowedOrigins ?? []).map(normalOrigin))
  }

  /** A `Host` the mock answers: loopback, the bound host, or an allowed host. No Host at all (HTTP/1.0, a raw client) is not a browser. */
  hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return true
    return this.#hostVerdicts.judge(host, (h) => this.#decideHost(h))
  }

  #decideHost(host: string): boolean {
    const name = hostnameOf(host)
    if (name === null || name === '') return false
    if (isLoopbackName(name)) return true
    return this.#hosts.some((allowed) => (allowed.startsWith('.') ? name.endsWith(allowed) || name === allowed.slice(1) : name === allowed))
  }

  /** An `Origin` the mock talks to: any loopback origin (any port, http or https) or an allowed one. `null` and garbage are not. */
  originAllowed(origin: string): boolean {
    return this.#originVerdicts.judge(origin, (o) => this.#decideOrigin(o))
  }

  #decideOrigin(origin: string): boolean {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return false
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    return isLoopbackName(url.hostname) || this.#origins.has(url.origin)
  }

  /**
   * The request's `Origin` when it is one the mock talks to (`originAllowed`), else undefined: the
   * `azp` of the session tokens minted for and served to that page. A foreign page's Origin never
   * becomes a claim (it could not read the answer anyway).
   */
  pageOrigin(request: FastifyRequest): string | undefined {
    const origin = request.headers.origin
    return origin !== undefined && this.originAllowed(origin) ? origin : undefined
  }

  /** Checks every request, before any route: a foreign Host is refused; a control request from a foreign page too. */
  check(request: FastifyRequest): ClerkError | null {
    if (!this.hostAllowed(request.headers.host)) return hostRefused(request.headers.host ?? '')
    if (isControlPath(request.url)) {
      if (request.method === 'OPTIONS') return controlRefused('a browser preflight asks for cross-origin access, which the control API never grants')
      const origin = request.headers.origin
      if (origin !== undefined && !this.originAllowed(origin)) return controlRefused(`its Origin ${JSON.stringify(origin)} is not allowed`)
      if (origin === undefined && request.headers['sec-fetch-site'] === 'cross-site') return controlRefused('it comes from a page on another site (Sec-Fetch-Site: cross-site)')
    }
    return null
  }
}

/**
 * Whom a Frontend API answer is for: the asking page's allowed Origin is the `azp` of the session
 * tokens in it (`last_active_token`s, a minted token).
 * @example
 * return { response: core.clientJson(client, servedTo(request)), client: null }
 */
export const servedTo = (request: FastifyRequest): ServedTo => ({ azp: request.server.guard.pageOrigin(request) })

/** The control API lives at the literal prefix only; a percent-encoded spelling is not it. */
export const isControlPath = (url: string) => url === CONTROL_PREFIX || url.startsWith(`${CONTROL_PREFIX}/`) || url.startsWith(`${CONTROL_PREFIX}?`)

function normalOrigin(origin: string): string {
  try {
    return new URL(origin).origin
  } catch {
    throw new TypeError(`allowedOrigins: ${JSON.stringify(origin)} is not an origin (use one such as 'http://app.test:3000')`)
  }
}

const hostRefused = (host: string) =>
  new ClerkError(
    403,
    'host_invalid',
    'Invalid host',
    `This Clerk mock answers only requests addressed to this machine (localhost, *.localhost, 127.0.0.0/8, [::1]), its bound address or an allowed host; Host ${JSON.stringify(host.slice(0, 200))} is none of them. Add it with the allowedHosts option or --allowed-host.`,
  )

const controlRefused = (why: string) =>
  new ClerkError(
    403,
    'origin_invalid',
    'Invalid HTTP Origin header',
    `The control API (/__mock) refuses this request: ${why}. Call it from a test process or from a page on an allowed origin (allowedOrigins, --allowed-origin).`,
  )
