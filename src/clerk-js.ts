/**
 * Makes clerk-js without a DOM (Node, workers, test runners) talk to the mock like Clerk's native
 * SDKs do: without cookies, clerk-js sends no credential at all and always loads signed out.
 * This installs the two request hooks Clerk's Expo SDK installs: every request gets `_is_native=1`
 * and `Authorization: <client token>`, and the token the mock hands back in the `Authorization`
 * response header is kept for the next request.
 *
 * Deliberately typed structurally, so the package does not depend on @clerk/clerk-js.
 */

/** The slice of clerk-js's request init these hooks touch (`url` and `headers` are always set by clerk-js). */
export interface FapiRequestInitLike {
  url?: URL
  headers?: Headers | Record<string, string> | [string, string][]
  credentials?: 'omit' | 'same-origin' | 'include'
}

/** Anything with clerk-js's internal request hooks: a `Clerk` instance from `@clerk/clerk-js` 5 or 6. */
export interface ClerkWithRequestHooks {
  __internal_onBeforeRequest(callback: (request: any, response?: any) => unknown): void
  __internal_onAfterResponse(callback: (request: any, response?: any) => unknown): void
}

export interface NativeClientOptions {
  /**
   * The client token to start with (from `mock.createSession()` or `mock.clientToken(id)`), so
   * `clerk.load()` already sees that client's sessions. Default: none; the first client clerk-js
   * creates is then remembered.
   */
  clientToken?: string | null
  /** Called whenever the mock hands out a (new) client token, e.g. to persist it like Expo's token cache. */
  onClientToken?: (token: string) => void
}

const tokens = new WeakMap<object, { token: string | null }>()

/**
 * Installs the native-client request hooks on a clerk-js instance and returns that instance.
 * Call it before `clerk.load()`.
 * @example
 * const { clientToken } = mock.createSession({ userId: 'user_…' })
 * const clerk = withNativeClient(new Clerk(mock.publishableKey, { proxyUrl: mock.url }), { clientToken })
 * await clerk.load({ standardBrowser: false })
 * clerk.session?.id // the new session
 */
export function withNativeClient<C extends ClerkWithRequestHooks>(clerk: C, options: NativeClientOptions = {}): C {
  if (typeof clerk?.__internal_onBeforeRequest !== 'function' || typeof clerk.__internal_onAfterResponse !== 'function') {
    throw new TypeError('withNativeClient() takes a clerk-js `Clerk` instance (new Clerk(publishableKey, { proxyUrl })); this object has no __internal_onBeforeRequest/__internal_onAfterResponse hooks.')
  }
  if (tokens.has(clerk)) throw new Error('withNativeClient() was already called on this Clerk instance; call it once, before clerk.load().')
  const state = { token: options.clientToken ?? null }
  tokens.set(clerk, state)

  clerk.__internal_onBeforeRequest((request: FapiRequestInitLike) => {
    // Cookies would name another client (or none); the native flag makes the mock read the header instead.
    request.credentials = 'omit'
    request.url?.searchParams.set('_is_native', '1')
    const headers = request.headers instanceof Headers ? request.headers : new Headers(request.headers)
    // An empty Authorization means "no client yet", as in Expo's first request.
    headers.set('authorization', state.token ?? '')
    request.headers = headers
  })
  clerk.__internal_onAfterResponse((_request: unknown, response?: { headers?: Headers }) => {
    const token = response?.headers?.get('authorization')
    if (token && token !== state.token) {
      state.token = token
      options.onClientToken?.(token)
    }
  })
  return clerk
}

/** The client token a `withNativeClient()` instance currently sends, or null if it has none yet. */
export function nativeClientToken(clerk: ClerkWithRequestHooks): string | null {
  const state = tokens.get(clerk)
  if (!state) throw new Error('nativeClientToken(): this Clerk instance was not set up with withNativeClient().')
  return state.token
}

export interface NodeClerkOptions extends NativeClientOptions {
  /** `mock.publishableKey`. */
  publishableKey: string
  /** Where clerk-js sends its requests: `mock.url`. */
  proxyUrl: string
  /** More options for `clerk.load()`; `standardBrowser: false`, `telemetry: false` and `rethrowOfflineNetworkErrors` are set for you. */
  loadOptions?: Record<string, unknown>
}

/**
 * clerk-js opens BroadcastChannels (one when it is imported, more when it loads), and in Node an
 * open channel keeps the process alive: a test runner then never exits. Channels made after this
 * call are unref'd; a channel never keeps a test process alive on its own.
 */
export function unrefBroadcastChannels(): void {
  const Native = globalThis.BroadcastChannel as (typeof BroadcastChannel & { [UNREFED]?: true }) | undefined
  if (Native === undefined || Native[UNREFED]) return
  class UnrefedBroadcastChannel extends Native {
    static [UNREFED] = true as const
    constructor(name: string) {
      super(name)
      ;(this as unknown as { unref?: () => void }).unref?.()
    }
  }
  globalThis.BroadcastChannel = UnrefedBroadcastChannel
}
const UNREFED = Symbol.for('clerk-fapi-mock.unrefed')

/**
 * Everything clerk-js needs to run in Node against the mock, in one call: BroadcastChannels that do
 * not hold the process open, `@clerk/clerk-js` imported after that, the native-client hooks of
 * `withNativeClient()`, and `clerk.load({ standardBrowser: false })` with network errors rethrown
 * and telemetry off.
 * Do not import `@clerk/clerk-js` yourself before this (its import opens a channel); import its
 * types only. `@clerk/clerk-js` must be installed (it is an optional peer dependency).
 * @example
 * import type { Clerk } from '@clerk/clerk-js'
 * const clerk = await loadNodeClerk<Clerk>({ publishableKey: mock.publishableKey, proxyUrl: mock.url, clientToken })
 * clerk.session?.id
 */
export async function loadNodeClerk<C extends ClerkWithRequestHooks = any>(options: NodeClerkOptions): Promise<C> {
  unrefBroadcastChannels()
  let Clerk: new (key: string, options: { proxyUrl: string }) => C
  try {
    // A variable specifier, so TypeScript does not need @clerk/clerk-js to build the package.
    const name = '@clerk/clerk-js'
    ;({ Clerk } = (await import(name)) as { Clerk: typeof Clerk })
  } catch (e) {
    throw new Error(`loadNodeClerk() needs @clerk/clerk-js: npm install -D @clerk/clerk-js (${(e as Error).message})`)
  }
  const clerk = withNativeClient(new Clerk(options.publishableKey, { proxyUrl: options.proxyUrl }), options)
  // No telemetry: a test run against a mock has nothing to report to Clerk, and may have no network.
  await (clerk as unknown as { load(o: unknown): Promise<void> }).load({
    standardBrowser: false,
    telemetry: false,
    experimental: { rethrowOfflineNetworkErrors: true },
    ...options.loadOptions,
  })
  return clerk
}
