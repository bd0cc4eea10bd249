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
import type { Browser, BrowserContext } from 'playwright-core'
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
