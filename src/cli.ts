/**
 * The command line: a thin shell over `startClerkMock`. `main(argv, io)` is testable in-process;
 * `bin.ts` only calls it.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { FixtureError } from './fixtures/load.js'
import { startClerkMock, type ClerkMock } from './mock.js'

export const DEFAULT_PORT = 4010

const USAGE = `Usage: clerk-fapi-mock [options] [-- command [args...]]

A stateful mock of Clerk's Frontend API (clients and sessions) for tests.

Options:
  --port N           port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host H           address to bind (default 127.0.0.1)
  --fixtures FILE    fixture file (default: the shipped fixtures/default.json)
  --clock ISO|system start the clock frozen at ISO, or follow real time (default: the fixture's, else system)
  --strict-clients   requests without a client credential are 401 signed_out
  --json             print {"url","publishable_key","jwks_url"} as the first stdout line
  --log-requests     print one line per request to stderr
  --quiet            print nothing but errors (and the --json line)
  -h, --help         show this help
  -v, --version      show the version

With "-- command", runs the command with CLERK_MOCK_URL and CLERK_MOCK_PUBLISHABLE_KEY set,
stops the mock when it ends and exits with its exit code.

Exit codes: 0 ok, 1 could not start (bad fixture, port in use), 2 bad usage.
`

export interface CliIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  env: NodeJS.ProcessEnv
  /** Resolves when the process is asked to stop; default: SIGINT or SIGTERM. */
  stopSignal?: Promise<unknown>
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const split = argv.indexOf('--')
  const own = split === -1 ? argv : argv.slice(0, split)
  const command = split === -1 ? [] : argv.slice(split + 1)

  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(own).values
  } catch (e) {
    io.stderr.write(`clerk-fapi-mock: ${(e as Error).message}\nTry 'clerk-fapi-mock --help'.\n`)
    return 2
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
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr.write(`clerk-fapi-mock: --port must be an integer from 0 to 65535, got '${values.port}'\n`)
    return 2
  }
  if (split !== -1 && command.length === 0) {
    io.stderr.write(`clerk-fapi-mock: '--' must be followed by a command to run\n`)
    return 2
  }

  let mock: ClerkMock
  try {
    mock = await startClerkMock({
      port,
      host: values.host,
      fixtures: values.fixtures,
      clock: values.clock,
      strictClients: values['strict-clients'],
      logger: values['log-requests'] ? requestLogger(io) : false,
    })
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err instanceof FixtureError) io.stderr.write(`clerk-fapi-mock: invalid fixture: ${err.message}\n`)
    else if (err.code === 'EADDRINUSE') io.stderr.write(`clerk-fapi-mock: port ${port} is already in use (try --port 0 for a free one)\n`)
    else io.stderr.write(`clerk-fapi-mock: could not start: ${err.message}\n`)
    return 1
  }

  if (values.json) {
    io.stdout.write(JSON.stringify({ url: mock.url, publishable_key: mock.publishableKey, jwks_url: `${mock.url}/.well-known/jwks.json` }) + '\n')
  }
  if (!values.quiet) {
    io.stdout.write(`Clerk FAPI mock listening on ${mock.url}\nPublishable key: ${mock.publishableKey}\n`)
  }

  const stop = io.stopSignal ?? signalled()
  if (command.length === 0) {
    await stop
    await mock.stop()
    return 0
  }
  const code = await run(command, { ...io.env, CLERK_MOCK_URL: mock.url, CLERK_MOCK_PUBLISHABLE_KEY: mock.publishableKey }, stop, io)
  await mock.stop()
  return code
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

function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

/** Runs the wrapped command; a stop signal is passed on to it. Resolves with its exit code (128+n for a signal). */
function run(command: string[], env: NodeJS.ProcessEnv, stop: Promise<unknown>, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: 'inherit' })
    void stop.then((signal) => {
      if (child.exitCode === null) child.kill(typeof signal === 'string' ? (signal as NodeJS.Signals) : 'SIGTERM')
    })
    child.on('error', (e) => {
      io.stderr.write(`clerk-fapi-mock: could not run '${command[0]}': ${e.message}\n`)
      resolve(127)
    })
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15)))
  })
}

/** One line per request on stderr: `POST /v1/client/sessions/sess_…/end 200 1.2ms`. */
function requestLogger(io: CliIo) {
  return {
    level: 'info',
    stream: {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; req?: { method: string; url: string }; res?: { statusCode: number }; responseTime?: number }
        if (entry.msg === 'request completed' && entry.res) {
          io.stderr.write(`${entry.req?.method ?? ''} ${entry.req?.url ?? ''} ${entry.res.statusCode} ${entry.responseTime?.toFixed(1)}ms\n`)
        }
      },
    },
  }
}
