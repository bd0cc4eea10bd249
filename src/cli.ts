/**
 * The command line: a thin shell over `startClerkMock`. `main(argv, io)` is testable in-process;
 * `bin.ts` only calls it.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { parseArgs } from 'node:util'
import { parseClockSetting } from './core/time.js'
import { endpointUrl, generateSecret, secretKey, WebhookConfigError } from './core/webhooks/index.js'
import { FixtureError } from './fixtures/load.js'
import { SECRET_KEY_PATTERN } from './http/bapi/auth.js'
import { isLoopbackName, isWildcardAddress } from './http/guard.js'
import { checkCredentials, type TlsCredentials } from './http/tls.js'
import { startClerkMock, type ClerkMock } from './mock.js'

/** The port the CLI listens on unless told otherwise: fixed, so a dev setup can hard-code it. */
export const DEFAULT_PORT = 4010

export const USAGE = `Usage: clerk-fapi-mock [options] [-- command [args...]]

A stateful mock of Clerk's Frontend API (clients and sessions) and Backend API (under /bapi)
for tests. One port answers http and https (a self-signed certificate for localhost, 127.0.0.1
and ::1 unless --tls-cert is given; GET /__mock/certificate.pem serves it).

Options:
  --port N            port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host H            address to bind (default 127.0.0.1)
  --fixtures FILE     fixture file (default: the shipped fixtures/default.json)
  --clock ISO|system  start the clock frozen at ISO, or follow real time
                      (default: the fixture's clock, else system)
  --strict-clients    requests without a client credential are 401 signed_out
  --allowed-host H    also answer requests whose Host is H (repeatable; '.test' allows
                      every subdomain of test); loopback names always work
  --allowed-origin O  also answer CORS for the origin O, e.g. http://app.test:3000
                      (repeatable); loopback origins always work
  --secret-key KEY    the one Backend API secret key accepted (sk_test_… or sk_live_…;
                      default: any, and one is printed)
  --tls-cert FILE     serve this PEM certificate over TLS (with --tls-key)
  --tls-key FILE      the PEM private key of --tls-cert
  --webhook URL       POST Clerk's webhook events (user.*, session.*) to URL, signed as
                      Svix signs them (repeatable; every event to each)
  --webhook-secret S  the signing secret of the --webhook endpoints (whsec_…; default:
                      one is made and printed); give the app the same one as
                      CLERK_WEBHOOK_SIGNING_SECRET
  --no-control        do not serve the control API under /__mock
  --json              print {"url","https_url","publishable_key","api_url","secret_key",
                      "jwks_url"} as the first stdout line (and "webhooks": [{"url",
                      "secret","events"}] when there are webhook endpoints)
  --log-requests      print one line per request to stderr
  --quiet             print nothing but errors (and the --json line)
  -h, --help          show this help
  -v, --version       show the version

With "-- command", runs the command with these set, stops the mock when it ends and exits
with its exit code: CLERK_MOCK_URL, CLERK_MOCK_HTTPS_URL, CLERK_MOCK_PUBLISHABLE_KEY, and the
names Clerk's SDKs read: CLERK_PUBLISHABLE_KEY, NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY,
VITE_CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY, CLERK_API_URL (the Backend API), and
CLERK_WEBHOOK_SIGNING_SECRET (the first webhook endpoint's secret) when there are endpoints.

Control API (unless --no-control): POST /__mock/reset, GET|POST /__mock/clock, GET /__mock/state,
POST /__mock/sessions, POST /__mock/users, GET /__mock/messages (the codes and links the mock
would have sent), GET /__mock/clients/ID/token, GET|DELETE /__mock/requests,
GET|POST|DELETE /__mock/faults, DELETE /__mock/faults/ID,
GET /__mock/sign-in?user_id=ID&redirect_url=URL, GET /__mock/certificate.pem,
GET /__mock/webhooks[?settled=true], POST /__mock/webhooks/ID/replay,
GET|POST /__mock/organizations, POST /__mock/organizations/ID/memberships.

SIGINT and SIGTERM stop the mock cleanly (exit 0; with a command, its process group gets the
signal first, and SIGKILL after a second signal or 10 s).
Exit codes: 0 ok, 1 could not start (bad fixture, port in use), 2 bad usage,
otherwise the wrapped command's.
`

export interface CliIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  env: NodeJS.ProcessEnv
  /** Resolves when the process is asked to stop; default: the first SIGINT or SIGTERM. */
  stopSignal?: Promise<unknown>
}

/**
 * Runs the CLI; resolves with the exit code.
 * @example process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const split = argv.indexOf('--')
  const own = split === -1 ? argv : argv.slice(0, split)
  const command = split === -1 ? [] : argv.slice(split + 1)
  const usageError = (message: string) => {
    io.stderr.write(`clerk-fapi-mock: ${message}\nTry 'clerk-fapi-mock --help'.\n`)
    return 2
  }

  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(own).values
  } catch (e) {
    return usageError((e as Error).message)
  }
  if (values.help) {
    io.stdout.write(USAGE)
    return 0
  }
  if (values.version) {
    io.stdout.write(`${version()}\n`)
    return 0
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port)
  if (values.port?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    return usageError(`--port must be an integer from 0 to 65535, got '${values.port}'`)
  }
  if (values.clock !== undefined) {
    try {
      parseClockSetting(values.clock, '--clock')
    } catch (e) {
      return usageError((e as Error).message)
    }
  }
  if (values.host !== undefined && values.host.trim() === '') return usageError('--host must not be empty')
  for (const origin of values['allowed-origin'] ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin.replace(/\/$/, ''))) return usageError(`--allowed-origin takes an origin such as http://app.test:3000, got '${origin}'`)
  }
  for (const host of values['allowed-host'] ?? []) {
    if (!/^\.?[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:]+\]?$/.test(host)) return usageError(`--allowed-host takes a host name such as mock.test (or .test for its subdomains), got '${host}'`)
  }
  if (values['secret-key'] !== undefined && !SECRET_KEY_PATTERN.test(values['secret-key'])) {
    return usageError(`--secret-key takes a Clerk secret key such as sk_test_abc123, got '${values['secret-key']}'`)
  }
  let tls: TlsCredentials | undefined
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) return usageError('--tls-cert and --tls-key go together: give both files, or neither for a self-signed certificate')
  if (values['tls-cert'] !== undefined && values['tls-key'] !== undefined) {
    try {
      tls = checkCredentials({ cert: readPem(values['tls-cert'], '--tls-cert'), key: readPem(values['tls-key'], '--tls-key') })
    } catch (e) {
      return usageError(`--tls-cert ${values['tls-cert']} --tls-key ${values['tls-key']}: ${(e as Error).message}`)
    }
  }
  const webhookUrls = values.webhook ?? []
  let webhookSecret = values['webhook-secret']
  try {
    for (const url of webhookUrls) endpointUrl(url, '--webhook')
    if (webhookSecret !== undefined) secretKey(webhookSecret, '--webhook-secret')
  } catch (e) {
    if (e instanceof WebhookConfigError) return usageError(e.message)
    throw e
  }
  if (webhookSecret !== undefined && webhookUrls.length === 0) return usageError('--webhook-secret is the secret of --webhook endpoints: give at least one --webhook URL')
  // One secret for every --webhook endpoint: the app under test reads one CLERK_WEBHOOK_SIGNING_SECRET.
  if (webhookUrls.length > 0) webhookSecret ??= generateSecret()
  if (split !== -1 && command.length === 0) return usageError("'--' must be followed by a command to run")

  // Listen for stop signals before starting, so a signal during start-up is not the default (abrupt) exit.
  const stop = io.stopSignal ?? signalled()
  let mock: ClerkMock
  try {
    mock = await startClerkMock({
      port,
      host: values.host,
      fixtures: values.fixtures,
      clock: values.clock,
      strictClients: values['strict-clients'],
      allowedHosts: values['allowed-host'],
      allowedOrigins: values['allowed-origin'],
      secretKey: values['secret-key'],
      tls,
      controlApi: !values['no-control'],
      logger: values['log-requests'] ? requestLogger(io) : false,
      // Without --webhook the fixture's endpoints (if any) stay.
      webhooks: webhookUrls.length > 0 ? webhookUrls.map((url) => ({ url, secret: webhookSecret })) : undefined,
    })
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err instanceof FixtureError) io.stderr.write(`clerk-fapi-mock: invalid fixture: ${err.message}\n`)
    else if (err.code === 'EADDRINUSE') io.stderr.write(`clerk-fapi-mock: port ${port} is already in use (try --port 0 for a free one)\n`)
    else io.stderr.write(`clerk-fapi-mock: could not start: ${err.message}\n`)
    return 1
  }

  const endpoints = mock.webhooks.endpoints
  if (values.json) {
    const webhooks = endpoints.length === 0 ? {} : { webhooks: endpoints.map(({ url, secret, events }) => ({ url, secret, events })) }
    io.stdout.write(
      JSON.stringify({ url: mock.url, https_url: mock.httpsUrl, publishable_key: mock.publishableKey, api_url: mock.apiUrl, secret_key: mock.secretKey, jwks_url: `${mock.url}/.well-known/jwks.json`, ...webhooks }) + '\n',
    )
  }
  const bound = values.host ?? '127.0.0.1'
  if (!values.quiet) {
    const control = values['no-control'] ? 'off (--no-control)' : `${mock.url}/__mock`
    const where = new URL(mock.url).hostname.replace(/^\[|\]$/g, '') === bound ? '' : ` (bound to ${bound}${isWildcardAddress(bound) ? ': every network interface' : ''})`
    io.stdout.write(
      `Clerk FAPI mock listening on ${mock.url} and ${mock.httpsUrl}${where}\nPublishable key: ${mock.publishableKey}\n` +
        `Backend API: ${mock.apiUrl}\nSecret key: ${mock.secretKey}\nControl API: ${control}\n` +
        endpoints.map((e) => `Webhook: ${e.url} (${e.events === null ? 'every event' : e.events.join(', ')}), signing secret ${e.secret}\n`).join(''),
    )
  }
  if (!isLoopbackName(bound)) {
    io.stderr.write(
      `clerk-fapi-mock: warning: bound to ${bound}, which is reachable from the network: anyone who can reach this machine can use the control API` +
        ` (${values['no-control'] ? 'off here' : 'reset, sign in as any user, read client tokens'}) and get session tokens signed by this mock's key. Bind 127.0.0.1 unless you need this.\n`,
    )
  }

  if (command.length === 0) {
    await stop
    await mock.stop()
    return 0
  }
  const code = await run(command, { ...io.env, ...commandEnv(mock) }, stop, io)
  await mock.stop()
  return code
}

/**
 * What the wrapped command is given: the mock's own names, and the ones Clerk's SDKs read (the
 * publishable key under each framework's name), so an app runs against the mock unchanged. They
 * replace any the caller had: a wrapped app must not reach a real instance.
 */
function commandEnv(mock: ClerkMock): NodeJS.ProcessEnv {
  const [endpoint] = mock.webhooks.endpoints
  return {
    ...(endpoint === undefined ? {} : { CLERK_WEBHOOK_SIGNING_SECRET: endpoint.secret }),
    CLERK_MOCK_URL: mock.url,
    CLERK_MOCK_HTTPS_URL: mock.httpsUrl,
    CLERK_MOCK_PUBLISHABLE_KEY: mock.publishableKey,
    CLERK_PUBLISHABLE_KEY: mock.publishableKey,
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: mock.publishableKey,
    VITE_CLERK_PUBLISHABLE_KEY: mock.publishableKey,
    CLERK_SECRET_KEY: mock.secretKey,
    CLERK_API_URL: mock.apiUrl,
  }
}

/** A PEM file's text; an unreadable file is named with its flag. */
function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    throw new Error(`cannot read ${flag} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      fixtures: { type: 'string' },
      clock: { type: 'string' },
      'strict-clients': { type: 'boolean' },
      'allowed-host': { type: 'string', multiple: true },
      'allowed-origin': { type: 'string', multiple: true },
      'secret-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      webhook: { type: 'string', multiple: true },
      'webhook-secret': { type: 'string' },
      // Spelled out rather than parseArgs' allowNegative, which Node 20 before 20.16 lacks.
      'no-control': { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      'log-requests': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  })
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** The first SIGINT or SIGTERM; later ones go to the `repeated` callbacks (a stuck command is then killed). */
function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false
    const on = (signal: NodeJS.Signals) => {
      if (seen) repeated.forEach((f) => f(signal))
      seen = true
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}
const repeated = new Set<(signal: NodeJS.Signals) => void>()

/** How long a wrapped command has, after the stop signal was passed on, before its process group is killed. */
export const COMMAND_GRACE_MS = 10_000

/**
 * Runs the wrapped command in its own process group; a stop signal is passed on to that group.
 * A command still running after a second signal, or COMMAND_GRACE_MS after the first, is killed
 * with its whole group, so nothing is left orphaned. Resolves with its exit code (128+n for a
 * signal, 127 if it cannot start).
 */
function run(command: string[], env: NodeJS.ProcessEnv, stop: Promise<unknown>, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    // Its own group, except on a terminal: there the command must stay in the foreground group to
    // read its input, and Ctrl-C already reaches every process of that group.
    const ownGroup = !process.stdin.isTTY
    const child = spawn(command[0], command.slice(1), { env, stdio: 'inherit', detached: ownGroup })
    const running = () => child.exitCode === null && child.signalCode === null
    const group = (signal: NodeJS.Signals) => {
      if (!running() || child.pid === undefined) return
      try {
        if (ownGroup) process.kill(-child.pid, signal)
        else child.kill(signal)
      } catch {
        child.kill(signal)
      }
    }
    let grace: NodeJS.Timeout | undefined
    const kill = () => group('SIGKILL')
    void stop.then((signal) => {
      if (!running()) return
      group(typeof signal === 'string' ? (signal as NodeJS.Signals) : 'SIGTERM')
      repeated.add(kill)
      grace = setTimeout(kill, COMMAND_GRACE_MS)
    })
    child.on('error', (e) => {
      io.stderr.write(`clerk-fapi-mock: could not run '${command[0]}': ${e.message}\n`)
      resolve(127)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(grace)
      repeated.delete(kill)
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}

/** Requests in flight the request log remembers; far more than any test keeps open at once. */
const PENDING_LIMIT = 1000

/** One line per request on stderr: `POST /v1/client/sessions/sess_…/end 200 1.2ms`. */
function requestLogger(io: CliIo) {
  // Fastify logs the method and URL on "incoming request" and the status on "request completed".
  const pending = new Map<string, string>()
  return {
    level: 'info',
    stream: {
      write(line: string) {
        const entry = JSON.parse(line) as { level?: number; reqId?: string; msg?: string; req?: { method: string; url: string }; res?: { statusCode: number }; responseTime?: number }
        const id = String(entry.reqId)
        // A bug in the mock (a 500) should be visible to whoever asked for request logs.
        if ((entry.level ?? 0) >= 50) io.stderr.write(`error: ${entry.msg ?? line}\n`)
        else if (entry.msg === 'incoming request' && entry.req) {
          pending.set(id, `${entry.req.method} ${entry.req.url}`)
          // An aborted request never completes: the oldest lines go, so they cannot pile up.
          if (pending.size > PENDING_LIMIT) pending.delete(pending.keys().next().value!)
        }
        else if (entry.msg === 'request completed' && entry.res) {
          io.stderr.write(`${pending.get(id) ?? '?'} ${entry.res.statusCode} ${(entry.responseTime ?? 0).toFixed(1)}ms\n`)
          pending.delete(id)
        }
      },
    },
  }
}
