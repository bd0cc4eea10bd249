/**
 * Shared by the app tests under test/apps/ (run by `npm run test:apps`, not by `npm test`): each
 * example app runs as its own process with exactly the environment a user would give it, against a
 * mock started in the test, and is driven by headless Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Browser, BrowserContext, Response as PageResponse } from 'playwright-core'
import type { ClerkMock } from '../../src/index.js'
import type { Fixture } from '../../src/fixtures/schema.js'
import { ROOT } from '../helpers/build.js'

export { ROOT }
export const EXAMPLES = join(ROOT, 'examples')

/**
 * The environment an app process starts with: PATH and HOME only, plus `env`. tap's own variables
 * (NODE_OPTIONS carries its TypeScript loader, TAP_* its child protocol) must not leak into the app,
 * and neither must a developer's real CLERK_* keys.
 */
export function appEnvironment(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_OPTIONS: '',
    CLERK_TELEMETRY_DISABLED: '1',
    NEXT_TELEMETRY_DISABLED: '1',
    ...env,
  }
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port free on 127.0.0.1 now (the OS's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Runs `fn`, returns its result and how long it took in seconds (one decimal). */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now()
  const value = await fn()
  return { value, seconds: Math.round((performance.now() - start) / 100) / 10 }
}

/** A Tap test, as far as these helpers need one (tap's own type is a deep generic). */
interface Teardowns {
  teardown(fn: () => unknown): void
}

export interface AppProcess {
  child: ChildProcess
  /** The first match of `ready` in the app's stdout. */
  match: RegExpExecArray
  /** Everything the app printed so far (stdout and stderr interleaved), for failure messages. */
  output(): string
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>
}

/**
 * Starts an app process and resolves once a line of its stdout matches `ready` (it rejects if the
 * process exits first or `timeoutMs` passes). The process is stopped at the test's teardown.
 */
export function startApp(
  t: Teardowns,
  options: { command: string; args: string[]; cwd: string; env: Record<string, string>; ready: RegExp; timeoutMs?: number },
): Promise<AppProcess> {
  // detached: the app gets its own process group, so stop() also ends the workers it forks (next start does).
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  let stdoutLine = ''
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, name)
      } catch {
        // already gone
      }
    }
    signal('SIGTERM')
    const kill = setTimeout(() => signal('SIGKILL'), 5000)
    await exited
    clearTimeout(kill)
  }
  t.teardown(stop)
  // If the test process ends before its teardown (an uncaught error, process.exit), take the app
  // and its workers with it rather than leave a server running on the machine.
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  process.once('exit', killGroup)
  child.once('exit', () => process.off('exit', killGroup))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${options.command} ${options.args.join(' ')} printed nothing matching ${options.ready} within ${options.timeoutMs ?? 60_000} ms:\n${output}`))
    }, options.timeoutMs ?? 60_000)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk
      stdoutLine += chunk
      const lines = stdoutLine.split('\n')
      stdoutLine = lines.pop()!
      for (const line of lines) {
        const match = options.ready.exec(line)
        if (match) {
          clearTimeout(timer)
          resolve({ child, match, output: () => output, stop })
        }
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${options.command} ${options.args.join(' ')} exited (${code ?? signal}) before it was ready:\n${output}`))
    })
  })
}

/**
 * A fresh browser context (its own cookies) for an app test. It accepts the mock's self-signed
 * certificate: clerk-js and the handshake always reach the mock over https (REFERENCE §11).
 */
export async function newContext(t: Teardowns, browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  t.teardown(() => context.close())
  return context
}

/** The files whose contents decide a build: everything in `dir` but dependencies, outputs and `ignore`. */
export function sourceFiles(dir: string, ignore: (relativePath: string) => boolean): string[] {
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((entry) => {
        const path = join(at, entry.name)
        const rel = relative(dir, path)
        if (entry.name === 'node_modules' || ignore(rel)) return []
        return entry.isDirectory() ? walk(path) : [path]
      })
  return walk(dir)
}

/**
 * A build cache for an example: `key` hashes its sources (names and contents) and every input that
 * ends up inside the build (the values a framework inlines at build time, such as NEXT_PUBLIC_*).
 * The stamp lives inside the build's output folder, so deleting the output invalidates it, and it is
 * removed before a build starts, so an interrupted build is never taken for a finished one.
 */
export class BuildCache {
  readonly key: string
  constructor(
    readonly dir: string,
    readonly stampFile: string,
    files: string[],
    inlined: Record<string, string>,
  ) {
    const hash = createHash('sha256')
    for (const file of files) hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0')
    for (const name of Object.keys(inlined).sort()) hash.update(`${name}=${inlined[name]}\0`)
    this.key = hash.digest('hex')
  }

  /** The stamp a previous build left, whatever its key (undefined when there is none). */
  static previous(stampFile: string): { key: string; [name: string]: unknown } | undefined {
    try {
      return JSON.parse(readFileSync(stampFile, 'utf8'))
    } catch {
      return undefined
    }
  }

  get fresh(): boolean {
    return BuildCache.previous(this.stampFile)?.key === this.key
  }

  invalidate(): void {
    rmSync(this.stampFile, { force: true })
  }

  /** Marks the build finished, with `extra` (e.g. the port it was built for) kept for the next run. */
  stamp(extra: Record<string, unknown> = {}): void {
    writeFileSync(this.stampFile, JSON.stringify({ ...extra, key: this.key }) + '\n')
  }
}

/** Whether an example's own dependencies are installed (scripts/test-apps.mjs installs them). */
export function installed(app: string): boolean {
  return existsSync(join(EXAMPLES, app, 'node_modules', '.package-lock.json'))
}

// ---- server apps (examples/express, examples/fastify) ---------------------------------------------

export const ADA = 'user_ada000000000000000000000000'
export const GRACE = 'user_grace0000000000000000000000'

/** Two users and no clients. The clock follows real time: the app's @clerk/backend checks exp/nbf/iat against the real clock. */
export const SERVER_APP_FIXTURE: Fixture = {
  users: [
    { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com' },
    { id: GRACE, first_name: 'Grace', last_name: 'Hopper', email_address: 'grace@example.com' },
  ],
  clients: [],
}

/** The three variables a server app is configured by. */
export const clerkEnv = (mock: ClerkMock) => ({ CLERK_PUBLISHABLE_KEY: mock.publishableKey, CLERK_SECRET_KEY: mock.secretKey, CLERK_API_URL: mock.apiUrl })

/** The app as a user runs it: `node <server>` with the three CLERK_* variables; its URL. */
export async function startServerExample(t: Teardowns & { comment(message: string): unknown }, mock: ClerkMock, server: string): Promise<string> {
  const env = appEnvironment({ ...clerkEnv(mock), PORT: '0' })
  const { value, seconds } = await timed(() => startApp(t, { command: process.execPath, args: [server], cwd: ROOT, env, ready: /^listening on (\S+)$/ }))
  t.comment(`${server}: listening after ${seconds} s`)
  return value.match[1]!
}

/** `POST /v1/client/sessions/{id}/tokens` on the mock's Frontend API, as clerk-js asks for a session token. */
export function mintRaw(mock: ClerkMock, sessionId: string, clientToken: string): Promise<Response> {
  return fetch(`${mock.url}/v1/client/sessions/${sessionId}/tokens`, { method: 'POST', headers: { cookie: `__client=${clientToken}` } })
}

export async function mintToken(mock: ClerkMock, sessionId: string, clientToken: string): Promise<string> {
  const res = await mintRaw(mock, sessionId, clientToken)
  if (res.status !== 200) throw new Error(`minting a token for ${sessionId}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { jwt: string }).jwt
}

/** A GET with an optional Bearer token; `auth` is @clerk/backend's verdict (the `x-clerk-auth-*` debug headers it sets). */
export async function bearerGet(url: string, token?: string): Promise<{ status: number; body: any; location: string | null; auth: string }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' })
  const text = await res.text()
  return { status: res.status, body: text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text, location: res.headers.get('location'), auth: [res.headers.get('x-clerk-auth-status'), res.headers.get('x-clerk-auth-reason'), res.headers.get('x-clerk-auth-message')].filter(Boolean).join(' | ') }
}

/** The claims of a session JWT (no check: the app already verified it). */
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string }

/** A server app driven by headless Chromium: navigations, the handshakes on the way, the app's session cookie. */
export function handshakeBrowser(browser: Browser, mock: ClerkMock, app: string) {
  const handshake = `${mock.httpsUrl}/v1/client/handshake?`

  /** Navigates; returns the final answer's JSON and every document request on the way (redirects included). */
  async function visit(context: BrowserContext, url: string): Promise<{ body: any; documents: string[]; final: string }> {
    const page = context.pages()[0] ?? (await context.newPage())
    const documents: string[] = []
    const record = (r: { isNavigationRequest(): boolean; url(): string }) => r.isNavigationRequest() && documents.push(r.url())
    page.on('request', record)
    const res: PageResponse | null = await page.goto(url).finally(() => page.off('request', record))
    const text = (await res?.text()) ?? ''
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: kept as text for the failure message
    }
    return { body, documents, final: page.url() }
  }

  return {
    visit,
    // @clerk/backend gives up after 3 round trips (cookie __clerk_redirect_count) and treats the request as
    // signed out: a handshake that fails looks signed out too, so every flow counts its round trips.
    roundTrips: (visited: { documents: string[] }) => visited.documents.filter((u) => u.startsWith(handshake)).length,

    /** The session token the app's cookie holds (`__session`), decoded. */
    async sessionCookie(context: BrowserContext): Promise<{ sub: string; sid: string } | null> {
      const cookie = (await context.cookies(app)).find((c) => c.name === '__session' && c.value !== '')
      return cookie ? claimsOf(cookie.value) : null
    },

    /** What happens when the cookie token expires (60 s after it was minted), without waiting a minute. */
    dropSessionCookies: (context: BrowserContext) => context.clearCookies({ name: /^__session/ }),

    /** A fresh browser signed in as `userId` in one navigation: the mock's sign-in helper, then the app's handshake. */
    async signedInBrowser(t: Teardowns, userId: string) {
      const context = await newContext(t, browser)
      const signIn = `${mock.httpsUrl}/__mock/sign-in?user_id=${userId}&redirect_url=${encodeURIComponent(`${app}/`)}`
      return { context, first: await visit(context, signIn) }
    },
  }
}
