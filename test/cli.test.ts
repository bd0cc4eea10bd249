/**
 * The command line: output, flags, exit codes, the command wrapper, signals. Usage runs in-process
 * through `main(argv, io)` with a fake io (a stop promise stands in for the signal); the built bin is
 * spawned only for what takes a process: real SIGINT/SIGTERM, the `--` wrapper's output and signal
 * hand-off, and a smoke test of dist/bin.js.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import t from 'tap'
import { main, USAGE } from '../src/cli.js'
import { buildApp } from '../src/http/app.js'
import { MockCore } from '../src/core/mock-core.js'
import { loadSeed } from '../src/fixtures/load.js'
import { selfSignedCredentials } from '../src/http/tls.js'
import { BIN, ROOT, ensureBuilt } from './helpers/build.js'

// A spawned case is a Node start-up (a second or so on a slow CI box); the in-process ones are quick.
// The whole file took 95 s on a machine at load 12 and once passed 120 s at load 23: twice that.
t.setTimeout(240_000)
t.before(ensureBuilt)

interface Run {
  stdout: () => string
  stderr: () => string
  /** The first stdout line. */
  firstLine: Promise<string>
}
interface Spawned extends Run {
  child: ChildProcess
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}
interface InProcess extends Run {
  /** Resolves the stop promise, as a SIGTERM would. */
  stop: () => void
  /** main()'s exit code. */
  exit: Promise<number>
}

const running = new Set<ChildProcess>()
const stoppers = new Set<() => void>()
t.teardown(() => {
  for (const child of running) child.kill('SIGKILL')
  for (const stop of stoppers) stop()
})

/** Collects output and resolves `firstLine` once a whole line is there; `ended` rejects it. */
function collector() {
  let out = ''
  let err = ''
  let resolveLine!: (line: string) => void
  let rejectLine!: (e: Error) => void
  const firstLine = new Promise<string>((resolve, reject) => ([resolveLine, rejectLine] = [resolve, reject]))
  firstLine.catch(() => undefined)
  return {
    out: (d: string) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl !== -1) resolveLine(out.slice(0, nl))
    },
    err: (d: string) => (err += d),
    ended: () => rejectLine(new Error(`exited before printing a line; stderr: ${err}`)),
    stdout: () => out,
    stderr: () => err,
    firstLine,
  }
}

/** The CLI in this process: `main(args, io)` with collected output and a stop promise in place of signals. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): InProcess {
  const c = collector()
  let stop!: () => void
  const stopSignal = new Promise((resolve) => (stop = () => resolve('SIGTERM')))
  stoppers.add(stop)
  const exit = main(args, { stdout: { write: c.out }, stderr: { write: c.err }, env: { ...process.env, ...env }, stopSignal }).finally(() => {
    stoppers.delete(stop)
    c.ended()
  })
  return { stdout: c.stdout, stderr: c.stderr, firstLine: c.firstLine, stop, exit }
}

// As users run it: without tap's NODE_OPTIONS (its process-tracking import costs each Node start-up
// about a second on a busy 2-core machine, and the bin's code is covered in-process anyway).
const userEnv = { ...process.env, NODE_OPTIONS: '', TAP: '', TAP_CHILD_ID: '' }

/** The built bin, spawned as users run it. */
function bin(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...userEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  const c = collector()
  child.stdout!.setEncoding('utf8').on('data', c.out)
  child.stderr!.setEncoding('utf8').on('data', c.err)
  child.on('exit', c.ended)
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    }),
  )
  return { child, stdout: c.stdout, stderr: c.stderr, firstLine: c.firstLine, exit }
}

/** Runs main() to its end: for usage that returns without starting a mock (or fails to start one). */
async function completes(args: string[], env?: NodeJS.ProcessEnv) {
  const run = cli(args, env)
  const code = await run.exit
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

async function binCompletes(args: string[], env?: NodeJS.ProcessEnv) {
  const run = bin(args, env)
  const { code } = await run.exit
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

type Info = { url: string; https_url: string; publishable_key: string; api_url: string; secret_key: string; jwks_url: string }

/** The human start lines for a mock on the default host. */
const startLines = (info: Info) =>
  `Clerk FAPI mock listening on ${info.url} and ${info.https_url}\nPublishable key: ${info.publishable_key}\n` +
  `Backend API: ${info.api_url}\nSecret key: ${info.secret_key}\nControl API: ${info.url}/__mock\n`

/** Starts in-process with --json and returns the parsed first line. */
async function started(args: string[] = []) {
  const run = cli(['--port', '0', '--json', ...args])
  const info = JSON.parse(await run.firstLine) as Info
  return { run, info }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

const refused = (url: string) => fetch(url).then(() => false, () => true)
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

t.test('--help and --version', async (t) => {
  for (const flag of ['--help', '-h']) {
    const { code, stdout, stderr } = await completes([flag])
    t.equal(code, 0)
    t.match(stdout, /^Usage: clerk-fapi-mock \[options\] \[-- command/)
    for (const option of ['--port N', 'default 4010', '--json', '--no-control', '--log-requests', '--strict-clients', 'CLERK_MOCK_URL', '/__mock/reset', '--secret-key KEY', '--tls-cert FILE', '--tls-key FILE', '"https_url"', '"api_url"', '"secret_key"', 'CLERK_SECRET_KEY', 'CLERK_API_URL', 'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', '/__mock/certificate.pem']) t.match(stdout, option)
    t.equal(stderr, '')
  }
  t.same(await completes(['--version']), { code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  t.equal((await completes(['-v'])).stdout, `${pkg.version}\n`)
})

// Mutations tried (red, then reverted): the help as it was before this test → "missing from
// --help" names the six it lacked (DELETE /__mock/faults/ID, GET /__mock/messages, GET|POST
// /__mock/organizations, POST /__mock/organizations/ID/memberships, POST /__mock/users); a route
// the app does not have added (`GET /__mock/users`) → "in --help but not registered".
t.test('--help lists exactly the control routes the app registers', async (t) => {
  const app = buildApp(new MockCore(loadSeed({})), { strictClients: false, logger: false })
  const registered = new Set<string>()
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) {
      // HEAD is Fastify's twin of each GET; a parameter is written ID in the help.
      if (route.url.startsWith('/__mock') && method !== 'HEAD') registered.add(`${method} ${route.url.replace(/:[A-Za-z_]+/g, 'ID')}`)
    }
  })
  await app.ready()
  await app.close()
  const control = USAGE.slice(USAGE.indexOf('Control API'))
  const listed = new Set<string>()
  // `GET|POST /__mock/clock`, `GET /__mock/sign-in?user_id=…`, `GET /__mock/webhooks[?settled=true]`.
  for (const [, verbs, path] of control.matchAll(/\b((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) (\/__mock[^\s,?[]*?)(?=[\s,?[]|\.(?:\s|$))/g)) {
    for (const verb of verbs.split('|')) listed.add(`${verb} ${path}`)
  }
  t.ok(registered.size > 10, `the app registers ${registered.size} control routes`)
  t.same([...registered].filter((r) => !listed.has(r)).sort(), [], 'missing from --help')
  t.same([...listed].filter((r) => !registered.has(r)).sort(), [], 'in --help but not registered')
})

t.test('bad usage exits 2 with a message', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--nope'], /Unknown option '--nope'/],
    [['stray'], /positional argument/],
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, got 'abc'/],
    [['--port', '70000'], /--port must be an integer/],
    [['--port', '-1'], /--port/],
    [['--port'], /--port/],
    [['--clock', 'tomorrow'], /--clock: "tomorrow" is not a time/],
    // Epoch seconds are a mistake here (the clock takes milliseconds), not a date in 1970.
    [['--clock', '1893456000'], /--clock: "1893456000" looks like epoch seconds/],
    [['--host', ''], /--host must not be empty/],
    [['--'], /'--' must be followed by a command/],
    [['--secret-key', 'pk_test_abc'], /--secret-key takes a Clerk secret key such as sk_test_abc123, got 'pk_test_abc'/],
    [['--secret-key', 'sk_test_'], /--secret-key takes a Clerk secret key/],
    [['--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together/],
    [['--tls-key', 'key.pem'], /--tls-cert and --tls-key go together/],
    [['--tls-cert', '/no/such/cert.pem', '--tls-key', '/no/such/key.pem'], /--tls-cert \/no\/such\/cert\.pem --tls-key \/no\/such\/key\.pem: cannot read --tls-cert \/no\/such\/cert\.pem \(ENOENT\)/],
    [['--tls-cert', 'package.json', '--tls-key', 'package.json'], /the TLS certificate must be a PEM string/],
  ]
  const results = await Promise.all(cases.map(([args]) => completes(args)))
  for (const [i, [args, message]] of cases.entries()) {
    const { code, stdout, stderr } = results[i]
    t.equal(code, 2, args.join(' '))
    t.match(stderr, message)
    t.match(stderr, /Try 'clerk-fapi-mock --help'/)
    t.equal(stdout, '')
  }
})

t.test('unreadable or invalid fixtures and a port in use exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clerk-mock-cli-'))
  const missing = join(dir, 'missing.json')
  let r = await completes(['--port', '0', '--fixtures', missing])
  t.equal(r.code, 1)
  t.match(r.stderr, `invalid fixture: ${missing}`)
  t.match(r.stderr, /cannot read the file \(ENOENT\)/)

  writeFileSync(join(dir, 'broken.json'), '{"users": [')
  r = await completes(['--port', '0', '--fixtures', join(dir, 'broken.json')])
  t.equal(r.code, 1)
  t.match(r.stderr, /broken\.json: \(root\): invalid JSON/)

  writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ users: [{ id: 'user_x', first_name: 42 }] }))
  r = await completes(['--port', '0', '--fixtures', join(dir, 'wrong.json')])
  t.equal(r.code, 1)
  t.match(r.stderr, /wrong\.json: .*users/)

  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as { port: number }).port
  r = await completes(['--port', String(port)])
  t.equal(r.code, 1)
  t.match(r.stderr, `port ${port} is already in use (try --port 0 for a free one)`)
  t.equal(r.stdout, '')
})

t.test('in-process: the stop promise stops the mock; main() resolves 0', async (t) => {
  const { run, info } = await started()
  t.equal((await fetch(`${info.url}/v1/client`)).status, 200)
  run.stop()
  t.equal(await run.exit, 0)
  t.ok(await refused(`${info.url}/v1/client`), 'no longer listening')
  t.equal(run.stdout(), `${JSON.stringify(info)}\n${startLines(info)}`)
  t.equal(run.stderr(), '')
})

t.test('--json names the https URL, the Backend API and a secret key that works; --secret-key fixes it', async (t) => {
  const { run, info } = await started()
  t.same(Object.keys(info), ['url', 'https_url', 'publishable_key', 'api_url', 'secret_key', 'jwks_url'])
  t.equal(info.https_url, info.url.replace(/^http:/, 'https:'), 'https on the same port')
  t.equal(info.api_url, `${info.url}/bapi`)
  t.match(info.secret_key, /^sk_test_[0-9A-Za-z]{40}$/)
  const bapi = (key: string) => fetch(`${info.api_url}/v1/users/user_none`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status)
  t.not(await bapi(info.secret_key), 401, 'the printed key works')
  const pem = await fetch(`${info.url}/__mock/certificate.pem`).then((r) => r.text())
  t.match(pem, /^-----BEGIN CERTIFICATE-----/, 'the certificate the https URL serves')
  run.stop()
  t.equal(await run.exit, 0)

  const fixed = await started(['--secret-key', 'sk_test_fixed123'])
  t.equal(fixed.info.secret_key, 'sk_test_fixed123')
  t.not(await fetch(`${fixed.info.api_url}/v1/users/user_none`, { headers: { authorization: 'Bearer sk_test_fixed123' } }).then((r) => r.status), 401)
  t.equal(await fetch(`${fixed.info.api_url}/v1/users/user_none`, { headers: { authorization: 'Bearer sk_test_other' } }).then((r) => r.status), 401, 'only that key')
  fixed.run.stop()
  t.equal(await fixed.run.exit, 0)
  t.match(fixed.run.stdout(), 'Secret key: sk_test_fixed123\n')
})

t.test('--tls-cert/--tls-key: that certificate is served; a mismatched pair exits 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clerk-mock-tls-'))
  const mine = selfSignedCredentials(['127.0.0.1', 'cli.test'])
  const other = selfSignedCredentials(['127.0.0.1', 'other.test'])
  writeFileSync(join(dir, 'cert.pem'), mine.cert)
  writeFileSync(join(dir, 'key.pem'), mine.key)
  writeFileSync(join(dir, 'other-key.pem'), other.key)
  const mismatch = await completes(['--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'other-key.pem')])
  t.equal(mismatch.code, 2)
  t.match(mismatch.stderr, /the TLS certificate and key cannot be used: .*key values mismatch/)
  t.equal(mismatch.stdout, '')

  const { run, info } = await started(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')])
  const peer = await new Promise<string>((resolve, reject) => {
    httpsGet(`${info.https_url}/v1/client`, { ca: mine.cert, agent: false }, (res) => {
      resolve(new X509Certificate((res.socket as TLSSocket).getPeerCertificate().raw).fingerprint256)
      res.resume()
    }).on('error', reject)
  })
  t.equal(peer, new X509Certificate(mine.cert).fingerprint256, 'the supplied certificate is served')
  t.equal(await fetch(`${info.url}/__mock/certificate.pem`).then((r) => r.text()), mine.cert)
  run.stop()
  t.equal(await run.exit, 0)
})

const defaultPortFree = await new Promise<boolean>((resolve) => {
  const probe = createServer().once('error', () => resolve(false))
  probe.listen(4010, '127.0.0.1', () => probe.close(() => resolve(true)))
})

t.test('the default port is 4010', { skip: defaultPortFree ? false : 'port 4010 is taken on this machine' }, async (t) => {
  const run = cli(['--json'])
  t.equal(JSON.parse(await run.firstLine).url, 'http://127.0.0.1:4010')
  run.stop()
  t.equal(await run.exit, 0)
})

t.test('--quiet, --log-requests, --no-control, --clock, --fixtures, --strict-clients', async (t) => {
  const port = await freePort()
  const quiet = cli(['--port', String(port), '--quiet'])
  while (await refused(`http://127.0.0.1:${port}/v1/client`)) await new Promise((r) => setTimeout(r, 50))
  t.equal(quiet.stdout(), '', '--quiet without --json prints nothing')
  quiet.stop()
  t.equal(await quiet.exit, 0)

  const { run, info } = await started([
    '--quiet',
    '--log-requests',
    '--no-control',
    '--clock',
    '2030-01-01T00:00:00Z',
    '--fixtures',
    'test/fixtures/seed-example.json',
    '--strict-clients',
  ])
  const anonymous = await fetch(`${info.url}/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER?_clerk_js_version=6`)
  t.equal(anonymous.status, 401, 'strict clients')
  t.equal(((await anonymous.json()) as any).errors[0].code, 'signed_out')
  const control = await fetch(`${info.url}/__mock/clock`)
  t.equal(control.status, 404, 'no control API')
  t.equal(((await control.json()) as any).errors[0].code, 'resource_not_found')
  run.stop()
  t.equal(await run.exit, 0)
  t.equal(run.stdout(), JSON.stringify(info) + '\n', '--quiet leaves only the --json line')
  t.match(run.stderr(), /^GET \/v1\/client\/sessions\/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER\?_clerk_js_version=6 401 \d+\.\dms\nGET \/__mock\/clock 404 \d+\.\dms\n$/)

  const seeded = await started(['--quiet', '--clock', '2030-01-01T00:00:00Z', '--fixtures', 'test/fixtures/seed-example.json'])
  t.same(await (await fetch(`${seeded.info.url}/__mock/clock`)).json(), { now: Date.parse('2030-01-01T00:00:00Z'), frozen: true })
  const session = (await (await fetch(`${seeded.info.url}/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER`)).json()) as any
  t.equal(session.response.status, 'expired', 'the seed session, seen in 2030')
  seeded.run.stop()
  t.equal(await seeded.run.exit, 0)
})

// Each of these starts Node processes (a second or so apiece on a busy 2-core machine) that mostly wait:
// side by side. The in-process tests above stay serial: they pick free ports and bind 4010.
t.test('the built bin, as a process', { jobs: 4 }, async (t) => {
  t.test('smoke: the built bin runs as a process (and finds package.json from dist/)', async (t) => {
    t.same(await binCompletes(['--version']), { code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  t.test('--port 0 --json: the first line, a working mock, a clean stop on SIGTERM and SIGINT', async (t) => {
    // Real signals, so the built bin; both at once.
    await Promise.all(
      (['SIGTERM', 'SIGINT'] as const).map(async (signal) => {
        const run = bin(['--port', '0', '--json'])
        const info = JSON.parse(await run.firstLine) as Info
        t.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/)
        t.equal(info.jwks_url, `${info.url}/.well-known/jwks.json`)
        t.equal(Buffer.from(info.publishable_key.replace(/^pk_test_/, ''), 'base64').toString(), `${new URL(info.url).host}$`)
        t.equal((await fetch(`${info.url}/v1/client`)).status, 200)
        t.equal((await fetch(`${info.url}/__mock/clock`)).status, 200)
        run.child.kill(signal)
        t.same(await run.exit, { code: 0, signal: null }, `${signal}: exit 0`)
        t.ok(await refused(`${info.url}/v1/client`), 'no longer listening')
        t.match(run.stdout(), startLines(info))
        t.equal(run.stderr(), '', 'quiet by default: no request logs')
      }),
    )
  })

  t.test('-- command: env set, exit code passed through, mock stopped afterwards', async (t) => {
    const script = `
      const url = process.env.CLERK_MOCK_URL
      console.log('child sees', url, process.env.CLERK_MOCK_PUBLISHABLE_KEY)
      const names = ['CLERK_MOCK_HTTPS_URL', 'CLERK_PUBLISHABLE_KEY', 'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', 'VITE_CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY', 'CLERK_API_URL']
      console.log('sdk env', JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env[n]]))))
      const res = await fetch(url + '/v1/client')
      console.log('status', res.status)
      process.exit(7)
    `
    // The command shares the CLI's stdout, so what it prints is only seen from outside: the built bin.
    // A real instance's keys in the caller's environment are replaced: the wrapped app must reach the mock.
    const run = bin(['--port', '0', '--json', '--', process.execPath, '--input-type=module', '-e', script], { CLERK_SECRET_KEY: 'sk_live_real', CLERK_API_URL: 'https://api.clerk.com' })
    // The command exits 0, and one that cannot start is 127: nothing to capture, so in-process.
    const [zero, missing] = await Promise.all([
      completes(['--port', '0', '--quiet', '--', process.execPath, '-e', 'process.exit(0)'], { NODE_OPTIONS: '' }),
      completes(['--port', '0', '--quiet', '--', 'no-such-command-clerk-mock']),
    ])
    const info = JSON.parse(await run.firstLine) as Info
    const { code } = await run.exit
    t.equal(code, 7, "the command's exit code")
    t.match(run.stdout(), `child sees ${info.url} ${info.publishable_key}\n`)
    t.match(run.stdout(), `\nstatus 200\n`)
    const sdkEnv = JSON.parse(/^sdk env (.*)$/m.exec(run.stdout())![1])
    t.same(sdkEnv, {
      CLERK_MOCK_HTTPS_URL: info.https_url,
      CLERK_PUBLISHABLE_KEY: info.publishable_key,
      NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: info.publishable_key,
      VITE_CLERK_PUBLISHABLE_KEY: info.publishable_key,
      CLERK_SECRET_KEY: info.secret_key,
      CLERK_API_URL: info.api_url,
    })
    t.ok(await refused(`${info.url}/v1/client`), 'the mock stopped with the command')

    t.equal(zero.code, 0)
    t.equal(missing.code, 127)
    t.match(missing.stderr, /could not run 'no-such-command-clerk-mock'/)
  })

  t.test('-- command: a stop signal is passed to the command, then the mock stops', async (t) => {
    // The command traps SIGTERM and exits 3 after cleaning up; one that does not is killed by it (143).
    const trap = `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(3) }); console.log('ready'); setInterval(() => {}, 1000)`
    const run = bin(['--port', '0', '--quiet', '--', process.execPath, '-e', trap])
    const plain = bin(['--port', '0', '--quiet', '--', process.execPath, '-e', `console.log('ready'); setInterval(() => {}, 1000)`])

    t.equal(await run.firstLine, 'ready')
    run.child.kill('SIGTERM')
    t.same(await run.exit, { code: 3, signal: null })
    t.match(run.stdout(), 'child got SIGTERM')

    t.equal(await plain.firstLine, 'ready')
    plain.child.kill('SIGTERM')
    t.same(await plain.exit, { code: 143, signal: null }, '128 + SIGTERM')
  })
})
