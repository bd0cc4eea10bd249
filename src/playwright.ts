/**
 * Playwright helpers (`clerk-fapi-mock/playwright`): sign the app page a test drives in as a user
 * of the mock, in one call, and sign it out again.
 *
 * `@clerk/testing`'s `clerk.signIn({ emailAddress })` cannot do this against a mock: it asks
 * `https://api.clerk.com` for its sign-in token whatever `CLERK_API_URL` says. These helpers do
 * the same thing against the mock's Backend API: a sign-in token from `POST /v1/sign_in_tokens`,
 * redeemed by the clerk-js the page already runs (`signIn.create({ strategy: 'ticket' })`, then
 * `setActive`). Going through the page's own clerk-js is what makes it work across sites: over
 * https the mock's `__client` cookie is partitioned under the app's site (REFERENCE §11), so only a
 * request made from the app page itself sets a cookie that page's clerk-js will send.
 *
 * Typed structurally: the package depends on neither Playwright nor clerk-js.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** The part of a Playwright `Page` these helpers use (a `Page` from `playwright` or `@playwright/test` fits). */
export interface PageLike {
  evaluate(pageFunction: (arg: any) => unknown, arg?: any): Promise<any>
  url(): string
  isClosed?(): boolean
}

/** Where the mock's Backend API is and the key it takes: a `ClerkMock` has both (`mock.apiUrl`, `mock.secretKey`). */
export interface BackendApiAccess {
  /** The Backend API base URL (`mock.apiUrl`, or `api_url` of the CLI's `--json` line). */
  apiUrl: string
  /** A secret key it accepts (`mock.secretKey`, or `secret_key` of the `--json` line). */
  secretKey: string
}

/** Who to sign in: a user id, or the email address of a user the mock holds. */
export type SignInUser = { userId: string; emailAddress?: never } | { emailAddress: string; userId?: never }

/**
 * `signIn()`'s options: the mock (or its Backend API URL and secret key, for a mock in another
 * process) and the user.
 */
export type SignInOptions = ({ mock: BackendApiAccess } | BackendApiAccess) &
  SignInUser & {
    /** How long to wait for clerk-js to load and for the page to show the user signed in, in ms. Default 15000. */
    timeout?: number
  }

/** What `signIn()` did. */
export interface PageSignIn {
  userId: string
  /** The new session, now the page's active one. */
  sessionId: string
}

export interface SignOutOptions {
  /** Where clerk-js navigates after signing out (`Clerk.signOut({ redirectUrl })`); default: the app's after-sign-out URL. */
  redirectUrl?: string
  /** How long to wait for the page to show no user, in ms. Default 15000. */
  timeout?: number
}

const DEFAULT_TIMEOUT_MS = 15_000
const POLL_MS = 50

/**
 * Signs the page in as a user of the mock. The page must already show the app (`page.goto(…)`),
 * and the app must load clerk-js (`<ClerkProvider>` does, as does clerk-js's own `<script>` with
 * `Clerk.load()`). Gets a sign-in token from the mock's Backend API with the secret key (looking
 * the user up by email first when given one), then, in the page, waits for `window.Clerk.loaded`,
 * runs `Clerk.client.signIn.create({ strategy: 'ticket', ticket })` and `Clerk.setActive()`, and
 * waits until `Clerk.user` is that user. Other pages of the same browser context on the same app
 * share the sign-in (the cookie). Server-rendered parts of the app see it on their next request.
 *
 * Throws a sentence saying what to do when the page has no clerk-js, clerk-js never loads, no user
 * has the email address, the Backend API refuses (an unknown user id), or clerk-js refuses the
 * sign-in (e.g. `session_exists` in single-session mode: sign out first).
 *
 * @example
 * import { test, expect } from '@playwright/test'
 * import { startClerkMock } from 'clerk-fapi-mock'
 * import { signIn, signOut } from 'clerk-fapi-mock/playwright'
 *
 * test('the dashboard greets a signed-in user', async ({ page }) => {
 *   const mock = await startClerkMock()
 *   await page.goto('http://localhost:3000/')
 *   await signIn(page, { mock, emailAddress: 'ada@example.com' })
 *   await page.goto('http://localhost:3000/dashboard')
 *   await expect(page.getByText('ada@example.com')).toBeVisible()
 *   await signOut(page)
 *   await mock.stop()
 * })
 */
export async function signIn(page: PageLike, options: SignInOptions): Promise<PageSignIn> {
  const { api, user, timeout } = readSignInOptions(options)
  const deadline = AbortSignal.timeout(timeout)
  assertOnAppPage(page, 'signIn')
  const userId = 'userId' in user ? user.userId : await userIdByEmail(api, user.emailAddress)
  const ticket = await signInToken(api, userId)
  await clerkLoaded(page, 'signIn', timeout, deadline)

  const outcome: InPageSignIn = await page.evaluate(signInInPage, { ticket })
  if (!outcome.ok) {
    const who = 'emailAddress' in user ? `${user.emailAddress} (${userId})` : userId
    const hint = outcome.code === 'session_exists' ? ' The page is already signed in and the instance is in single-session mode: call signOut(page) first.' : ''
    const detail = /[.!?]$/.test(outcome.detail) ? outcome.detail : `${outcome.detail}.`
    throw new Error(`signIn(): clerk-js in the page at ${page.url()} could not sign ${who} in: ${detail}${hint}`)
  }

  const signedIn = await poll(page, isSignedInAs, { userId, sessionId: outcome.sessionId }, deadline)
  if (signedIn !== true) {
    throw new Error(`signIn(): the sign-in of ${userId} completed (session ${outcome.sessionId}), but within ${timeout} ms the page at ${page.url()} never showed window.Clerk.user as that user (last seen: ${describe(signedIn)}).`)
  }
  return { userId, sessionId: outcome.sessionId }
}

/**
 * Signs the page out (`Clerk.signOut()`: every session of its client) and waits until clerk-js,
 * on this page or on the one it navigates to, has loaded with no user.
 * @example
 * await signOut(page)
 * await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible()
 */
export async function signOut(page: PageLike, options: SignOutOptions = {}): Promise<void> {
  const timeout = readTimeout(options.timeout, 'signOut')
  if (options.redirectUrl !== undefined && typeof options.redirectUrl !== 'string') throw new TypeError('signOut(): redirectUrl must be a string.')
  const deadline = AbortSignal.timeout(timeout)
  assertOnAppPage(page, 'signOut')
  await clerkLoaded(page, 'signOut', timeout, deadline)
  // Not awaited in the page: clerk-js may navigate away, which would end the evaluation with an error.
  await page.evaluate(startSignOutInPage, { redirectUrl: options.redirectUrl ?? null })
  const seen = await poll(page, isSignedOut, null, deadline, (v) => v === true || (typeof v === 'object' && typeof v.error === 'string'))
  if (seen === true) return
  if (typeof seen === 'object' && typeof seen.error === 'string') throw new Error(`signOut(): clerk-js in the page at ${page.url()} could not sign out: ${seen.error}`)
  throw new Error(`signOut(): within ${timeout} ms the page at ${page.url()} never showed a loaded clerk-js without a user (last seen: ${describe(seen)}).`)
}

// ---- options and the Backend API ------------------------------------------------------------------

function readTimeout(value: unknown, fn: string): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${fn}(): timeout must be a positive number of milliseconds, got ${String(value)}.`)
  return value
}

/** Who to sign in, as the helper reads it. */
type Wanted = { userId: string } | { emailAddress: string }

function readSignInOptions(options: SignInOptions): { api: BackendApiAccess; user: Wanted; timeout: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError('signIn(page, options): options must be an object, e.g. { mock, userId } or { apiUrl, secretKey, emailAddress }.')
  const source = 'mock' in options && options.mock !== undefined ? options.mock : (options as BackendApiAccess)
  const apiUrl = source?.apiUrl
  const secretKey = source?.secretKey
  if (typeof apiUrl !== 'string' || apiUrl === '' || typeof secretKey !== 'string' || secretKey === '') {
    throw new TypeError('signIn(): pass { mock } (a started ClerkMock) or { apiUrl, secretKey } (api_url and secret_key of the CLI\'s --json line).')
  }
  const { userId, emailAddress } = options as { userId?: unknown; emailAddress?: unknown }
  if ((userId === undefined) === (emailAddress === undefined)) throw new TypeError('signIn(): pass exactly one of userId and emailAddress.')
  if (userId !== undefined && (typeof userId !== 'string' || userId === '')) throw new TypeError('signIn(): userId must be a user id such as user_2aXw….')
  if (emailAddress !== undefined && (typeof emailAddress !== 'string' || emailAddress === '')) throw new TypeError('signIn(): emailAddress must be a non-empty string.')
  return {
    api: { apiUrl: apiUrl.replace(/\/+$/, ''), secretKey },
    user: userId !== undefined ? { userId: userId as string } : { emailAddress: emailAddress as string },
    timeout: readTimeout(options.timeout, 'signIn'),
  }
}

/** One Backend API call; a refusal or an unreachable mock is an Error naming the call. */
async function backendApi(api: BackendApiAccess, method: 'GET' | 'POST', path: string, body?: object): Promise<unknown> {
  const url = `${api.apiUrl}/v1${path}`
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${api.secretKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message
    throw new Error(`signIn(): cannot reach the mock's Backend API at ${url} (${cause}). Is the mock running, and is apiUrl its mock.apiUrl?`)
  }
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  if (!res.ok) {
    const error = (json as { errors?: { code?: string; long_message?: string; message?: string }[] } | undefined)?.errors?.[0]
    const detail = error ? `${error.code}: ${error.long_message ?? error.message}` : text.slice(0, 200)
    throw new Error(`signIn(): the Backend API refused ${method} ${url}: ${res.status} ${detail}`)
  }
  if (json === undefined) throw new Error(`signIn(): ${method} ${url} answered ${res.status} with no JSON (${text.slice(0, 100)}): is apiUrl the mock's Backend API URL (mock.apiUrl)?`)
  return json
}

async function userIdByEmail(api: BackendApiAccess, emailAddress: string): Promise<string> {
  const found = await backendApi(api, 'GET', `/users?email_address=${encodeURIComponent(emailAddress)}`)
  const users = (Array.isArray(found) ? found : (found as { data?: unknown }).data) as { id?: unknown }[] | undefined
  const id = users?.[0]?.id
  if (!Array.isArray(users) || users.length === 0 || typeof id !== 'string') {
    throw new Error(`signIn(): the mock has no user with the email address ${emailAddress}. Add one first (mock.createUser({ emailAddress }), a fixture user, or POST ${api.apiUrl}/v1/users).`)
  }
  return id
}

async function signInToken(api: BackendApiAccess, userId: string): Promise<string> {
  const answer = (await backendApi(api, 'POST', '/sign_in_tokens', { user_id: userId })) as { token?: unknown }
  if (typeof answer.token !== 'string') throw new Error(`signIn(): POST ${api.apiUrl}/v1/sign_in_tokens answered without a token.`)
  return answer.token
}

// ---- the page ---------------------------------------------------------------------------------------

function assertOnAppPage(page: PageLike, fn: string): void {
  if (typeof page?.evaluate !== 'function' || typeof page.url !== 'function') throw new TypeError(`${fn}(page): page must be a Playwright Page.`)
  if (page.isClosed?.() === true) throw new Error(`${fn}(): the page is closed.`)
  const url = page.url()
  if (url === '' || url.startsWith('about:')) {
    throw new Error(`${fn}(): the page is at ${url || 'no URL'}; await page.goto(<your app>) first: the helper works through the clerk-js your app's page loads.`)
  }
}

type ClerkState = 'absent' | 'loading' | 'loaded'

/** Waits until the page's `window.Clerk` has loaded; a loud error when it never appears or never loads. */
async function clerkLoaded(page: PageLike, fn: string, timeout: number, deadline: AbortSignal): Promise<void> {
  const state = await poll(page, clerkState, null, deadline, (s) => s === 'loaded')
  if (state === 'loaded') return
  const url = page.url()
  if (state === 'loading') {
    throw new Error(`${fn}(): window.Clerk on ${url} did not finish loading within ${timeout} ms (Clerk.loaded stayed false). The app must call Clerk.load() (<ClerkProvider> does), and the mock must be reachable from the page (for https, ignoreHTTPSErrors: true or trust mock.certificate).`)
  }
  throw new Error(`${fn}(): ${url} has no window.Clerk after ${timeout} ms: the page does not load clerk-js. Go to a page of your app that does (<ClerkProvider>, or clerk-js's <script> tag), then call ${fn}(page, …).`)
}

/**
 * Calls `check` in the page until `done` says yes or `deadline` passes; the last value seen either
 * way. An evaluation the page interrupts (a navigation, a reload) is retried: the app may navigate
 * while it signs in. A closed page throws.
 */
async function poll<A, R>(page: PageLike, check: (arg: A) => R, arg: A, deadline: AbortSignal, done: (value: R) => boolean = (v) => v === true): Promise<R | 'page busy (navigating)' | undefined> {
  let last: R | 'page busy (navigating)' | undefined
  for (;;) {
    try {
      last = (await page.evaluate(check, arg)) as R
      if (done(last)) return last
    } catch (e) {
      if (page.isClosed?.() === true) throw e
      last = 'page busy (navigating)'
    }
    if (deadline.aborted) return last
    await sleep(POLL_MS)
  }
}

const describe = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'nothing')

// What runs inside the page: self-contained functions (Playwright sends their source), no imports.

function clerkState(): ClerkState {
  const clerk = (globalThis as { Clerk?: { loaded?: boolean } }).Clerk
  if (clerk === undefined || clerk === null) return 'absent'
  return clerk.loaded === true ? 'loaded' : 'loading'
}

type InPageSignIn = { ok: true; sessionId: string } | { ok: false; code: string | null; detail: string }

async function signInInPage({ ticket }: { ticket: string }): Promise<InPageSignIn> {
  const clerk = (globalThis as any).Clerk
  try {
    const attempt = await clerk.client.signIn.create({ strategy: 'ticket', ticket })
    if (attempt.status !== 'complete' || typeof attempt.createdSessionId !== 'string') {
      return { ok: false, code: null, detail: `the sign-in ended in status ${String(attempt.status)}, not complete` }
    }
    await clerk.setActive({ session: attempt.createdSessionId })
    return { ok: true, sessionId: attempt.createdSessionId }
  } catch (e: any) {
    const first = e?.errors?.[0]
    const code = typeof first?.code === 'string' ? first.code : null
    const detail = first ? `${e.status ?? ''} ${code}: ${first.longMessage ?? first.message}`.trim() : String(e?.message ?? e)
    return { ok: false, code, detail }
  }
}

function isSignedInAs({ userId, sessionId }: { userId: string; sessionId: string }): true | { user: string | null; session: string | null } {
  const clerk = (globalThis as any).Clerk
  const user = clerk?.user?.id ?? null
  const session = clerk?.session?.id ?? null
  return clerk?.loaded === true && user === userId && session === sessionId ? true : { user, session }
}

function startSignOutInPage({ redirectUrl }: { redirectUrl: string | null }): void {
  const g = globalThis as any
  g.__clerkFapiMockSignOutError = undefined
  void g.Clerk.signOut(redirectUrl === null ? undefined : { redirectUrl }).catch((e: any) => {
    g.__clerkFapiMockSignOutError = e?.errors?.[0]?.longMessage ?? String(e?.message ?? e)
  })
}

function isSignedOut(): true | { user: string | null; error?: string } {
  const g = globalThis as any
  const clerk = g.Clerk
  if (typeof g.__clerkFapiMockSignOutError === 'string') return { user: clerk?.user?.id ?? null, error: g.__clerkFapiMockSignOutError }
  return clerk?.loaded === true && clerk.user === null ? true : { user: clerk?.user?.id ?? null }
}
