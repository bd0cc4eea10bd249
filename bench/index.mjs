// `npm run bench`: every figure next to a baseline measured in the same run, alternating, medians.
// Runs against the built dist/ (npm run bench builds first). `--quick` shortens every phase (for
// trying the bench itself, not for numbers).
import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { startClerkMock } from '../dist/index.js'
import { writeScaleFixture } from './fixture.mjs'
import { alternate, cannon, cannonMedian, median, probe, spawnUntilLine, stopChild } from './lib.mjs'

const quick = process.argv.includes('--quick')
const ROUNDS = quick ? 3 : 5
const DURATION = quick ? 0.5 : 1.5 // seconds per autocannon run
const STARTS = quick ? 15 : 60 // in-process start-ups of each kind
const SPAWNS = quick ? 3 : 10 // process spawns of each kind
const PROBES = quick ? 300 : 1500 // sequential requests per latency probe

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const BIN = here('../dist/bin.js')
const SERVER = here('./server.mjs')
const BARE_SERVER = here('./bare-server.mjs')
const DEFAULT_CLIENT = 'client_1q8sn8pLHjqTU2g1UheJwJ7YWU6'
const DEFAULT_SESSION = 'sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER'

const rows = []
const log = (message) => process.stderr.write(`bench: ${message}\n`)
/** `higher`: the mock's figure should be high (throughput); otherwise low (time, memory). */
function row(name, mock, base, { unit, target, limit, higher = false, note = '' }) {
  const ratio = mock.value / base.value
  const met = higher ? ratio >= limit : ratio <= limit
  rows.push({ name, mock: mock.text ?? fmt(mock.value, unit), base: base.text ?? fmt(base.value, unit), ratio, target, met, note })
}
function absolute(name, value, { unit, target, met, base = '—', note = '' }) {
  rows.push({ name, mock: fmt(value, unit), base, ratio: null, target, met, note })
}
function fmt(v, unit) {
  if (unit === 'ms') return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`
  if (unit === 'rps') return `${Math.round(v).toLocaleString('en-US')}/s`
  if (unit === 'MB') return `${(v / 1e6).toFixed(0)} MB`
  if (unit === 'µs') return `${v.toFixed(0)} µs`
  return String(v)
}

// ---- start-up ----------------------------------------------------------------------------------

async function startup() {
  log('start-up in a warm process')
  const bare = async () => {
    const t0 = performance.now()
    const app = Fastify()
    app.get('/', async () => ({ ok: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const ms = performance.now() - t0
    await app.close()
    return ms
  }
  const mock = async () => {
    const t0 = performance.now()
    const m = await startClerkMock()
    const ms = performance.now() - t0
    await m.stop()
    return ms
  }
  for (let i = 0; i < 5; i++) await alternate(1, mock, bare) // warm-up: JIT, module caches, lazy compilers
  const s = await alternate(STARTS, mock, bare)
  row('new instance until listening (warm process)', { value: median(s.a) }, { value: median(s.b) }, { unit: 'ms', target: '≤ 8×', limit: 8 })

  log('CLI spawn until the URL is printed')
  const spawnCli = async () => {
    const { child, ms } = await spawnUntilLine([BIN, '--port', '0', '--json', '--quiet'])
    await stopChild(child)
    return ms
  }
  const spawnBare = async () => {
    const { child, ms } = await spawnUntilLine([BARE_SERVER])
    await stopChild(child)
    return ms
  }
  await alternate(1, spawnCli, spawnBare) // warm the file-system cache
  const c = await alternate(SPAWNS, spawnCli, spawnBare)
  row('CLI spawn until URL printed', { value: median(c.a) }, { value: median(c.b) }, { unit: 'ms', target: '≤ 1.5×', limit: 1.5 })
}

// ---- requests ----------------------------------------------------------------------------------

async function requests() {
  log('throughput and latency against a bare Fastify route')
  const { child, json: srv } = await spawnUntilLine([SERVER, 'serve', DEFAULT_CLIENT, DEFAULT_SESSION])
  try {
    const headers = { cookie: srv.cookie }
    const cases = [
      { key: 'session', name: 'GET /v1/client/sessions/:id', method: 'GET' },
      { key: 'touch', name: 'POST /v1/client/sessions/:id/touch', method: 'POST' },
      { key: 'client', name: 'GET /v1/client (__client cookie)', method: 'GET' },
    ]
    for (const c of cases) {
      const mockUrl = srv.mock + srv.paths[c.key]
      const bareUrl = `${srv.bare}/${c.key}`
      const load = (url) => () => cannon({ url, method: c.method, headers, duration: DURATION })
      await alternate(1, () => cannon({ url: mockUrl, method: c.method, headers, duration: 0.5 }), () => cannon({ url: bareUrl, method: c.method, headers, duration: 0.5 }))
      const t = await alternate(ROUNDS, load(mockUrl), load(bareUrl))
      const l = await alternate(ROUNDS, () => probe({ url: mockUrl, method: c.method, headers, count: PROBES }), () => probe({ url: bareUrl, method: c.method, headers, count: PROBES }))
      const m = cannonMedian(t.a)
      const b = cannonMedian(t.b)
      const lat = (xs) => `${median(xs.map((x) => x.p50)).toFixed(0)}/${median(xs.map((x) => x.p99)).toFixed(0)} µs`
      row(
        `${c.name} (${srv.sizes[c.key]} B)`,
        { value: m.rps, text: `${fmt(m.rps, 'rps')}, ${lat(l.a)}` },
        { value: b.rps, text: `${fmt(b.rps, 'rps')}, ${lat(l.b)}` },
        { target: '≥ 70%', limit: 0.7, higher: true },
      )
    }

    log('tokens against bare RS256 signing')
    const [head, payload] = srv.jwt.split('.')
    const header = JSON.parse(Buffer.from(head, 'base64url').toString())
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const b64 = (x) => Buffer.from(x).toString('base64url')
    const signLoop = async () => {
      // One process, one core, nothing but building and signing the same JWT.
      const end = performance.now() + DURATION * 1000
      const t0 = performance.now()
      let n = 0
      while (performance.now() < end) {
        const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`
        b64(sign('RSA-SHA256', Buffer.from(input), privateKey))
        n++
      }
      return { rps: n / ((performance.now() - t0) / 1000) }
    }
    const tokens = () => cannon({ url: srv.mock + srv.paths.tokens, method: 'POST', headers, duration: DURATION })
    await alternate(1, () => cannon({ url: srv.mock + srv.paths.tokens, method: 'POST', headers, duration: 0.5 }), signLoop)
    const t = await alternate(ROUNDS, tokens, signLoop)
    row('POST /v1/client/sessions/:id/tokens vs RS256 signing', { value: median(t.a.map((x) => x.rps)) }, { value: median(t.b.map((x) => x.rps)) }, {
      unit: 'rps',
      target: '≥ 80%',
      limit: 0.8,
      higher: true,
    })
  } finally {
    await stopChild(child)
  }
}

// ---- scale ---------------------------------------------------------------------------------------

async function scale() {
  const dir = mkdtempSync(join(tmpdir(), 'clerk-mock-bench-'))
  try {
    log('writing the 100,000-session fixture')
    const big = writeScaleFixture(join(dir, 'big.json'), 10_000, 10)
    const small = writeScaleFixture(join(dir, 'small.json'), 1, 10)
    const load = (file) => async () => {
      const { child, json } = await spawnUntilLine([SERVER, 'load', file])
      await stopChild(child)
      return json
    }
    log('loading it in child processes')
    const l = await alternate(quick ? 1 : 3, load(big), load(small))
    const pick = (xs, k) => median(xs.map((x) => x[k]))
    row('100k sessions / 10k clients: load (createClerkMock)', { value: pick(l.a, 'loadMs') }, { value: pick(l.b, 'loadMs') }, { unit: 'ms', target: '< 1500 ms', limit: Infinity })
    rows.at(-1).met = pick(l.a, 'loadMs') < 1500
    row('100k sessions: resident memory after load', { value: pick(l.a, 'rss') }, { value: pick(l.b, 'rss') }, { unit: 'MB', target: '< 300 MB', limit: Infinity })
    rows.at(-1).met = pick(l.a, 'rss') < 300e6
    row('100k sessions: reset()', { value: pick(l.a, 'resetMs') }, { value: pick(l.b, 'resetMs') }, { unit: 'ms', target: '—', limit: Infinity })
    rows.at(-1).met = null

    log('GET session latency at 100k vs 10 sessions')
    const a = await spawnUntilLine([SERVER, 'serve', 'client_bench00005000', 'sess_bench00050000', big])
    const b = await spawnUntilLine([SERVER, 'serve', 'client_bench00000000', 'sess_bench00000000', small])
    try {
      for (const [key, name, target] of [
        ['session', 'GET session p50 latency: 100k vs 10 sessions', '≤ 1.1×'],
        ['me', "GET /v1/me/sessions (a user's 10) p50: 100k vs 10", '(≤ 1.1×)'],
      ]) {
        const p = (srv) => () => probe({ url: srv.mock + srv.paths[key], headers: { cookie: srv.cookie }, count: PROBES })
        await alternate(1, p(a.json), p(b.json))
        const r = await alternate(ROUNDS, p(a.json), p(b.json))
        const ma = median(r.a.map((x) => x.p50))
        const mb = median(r.b.map((x) => x.p50))
        row(
          name,
          { value: ma, text: `${ma.toFixed(0)} µs (p99 ${median(r.a.map((x) => x.p99)).toFixed(0)})` },
          { value: mb, text: `${mb.toFixed(0)} µs (p99 ${median(r.b.map((x) => x.p99)).toFixed(0)})` },
          { target, limit: 1.1 },
        )
      }
    } finally {
      await Promise.all([stopChild(a.child), stopChild(b.child)])
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---- table -----------------------------------------------------------------------------------------

function table() {
  const head = ['measure', 'mock', 'baseline', 'ratio', 'target', 'met']
  const body = rows.map((r) => [
    r.name,
    r.mock,
    r.base,
    r.ratio === null ? '—' : r.ratio >= 0.1 && r.ratio < 10 && r.target.includes('%') ? `${(r.ratio * 100).toFixed(0)}%` : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const pkg = JSON.parse(readFileSync(here('../package.json'), 'utf8'))
  return [
    `clerk-fapi-mock ${pkg.version} — Node ${process.version}, ${cpus().length} × ${cpu}${quick ? ' (--quick: indicative only)' : ''}`,
    `medians of ${ROUNDS} alternating runs (${DURATION}s autocannon, 10 connections; latency: ${PROBES} sequential requests, one connection); start-up: ${STARTS} in-process, ${SPAWNS} spawns`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n')
}

const t0 = performance.now()
await startup()
await requests()
await scale()
process.stdout.write(`${table()}\n`)
log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
