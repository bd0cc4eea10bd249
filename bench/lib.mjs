// Shared helpers: statistics, alternation, autocannon runs and child processes.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import autocannon from 'autocannon'

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Runs `a` and `b` alternately `rounds` times (a, b, b, a, a, b, …: neither always goes first) and
 * returns every sample of each, so a noisy moment hurts both sides alike.
 */
export async function alternate(rounds, a, b) {
  const out = { a: [], b: [] }
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a())
      out.b.push(await b())
    } else {
      out.b.push(await b())
      out.a.push(await a())
    }
  }
  return out
}

/** One bounded autocannon run against 127.0.0.1: requests/s and latency percentiles (ms). */
export async function cannon({ url, method = 'GET', headers = {}, body, duration, connections = 10 }) {
  const result = await autocannon({ url, method, headers, body, duration, connections, pipelining: 1 })
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad > 0) throw new Error(`${method} ${url}: ${bad} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** Medians of autocannon samples. */
export const cannonMedian = (samples) => ({
  rps: median(samples.map((s) => s.rps)),
  p50: median(samples.map((s) => s.p50)),
  p99: median(samples.map((s) => s.p99)),
})

/**
 * Spawns `node args…` and resolves with the child and its first stdout line (parsed as JSON), once
 * that line arrives. `ms` is the time from spawn() to that line.
 */
export async function spawnUntilLine(args, options = {}) {
  const t0 = performance.now()
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options })
  let buffered = ''
  const line = await new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`node ${args.join(' ')} exited (${code}) before printing a line`)))
    child.stdout.on('data', (chunk) => {
      buffered += chunk
      const nl = buffered.indexOf('\n')
      if (nl !== -1) resolve(buffered.slice(0, nl))
    })
  })
  const ms = performance.now() - t0
  child.removeAllListeners('exit')
  return { child, ms, json: JSON.parse(line) }
}

/** Stops a child this bench started and waits for it to go. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = once(child, 'exit')
  child.kill('SIGTERM')
  await gone
}

/**
 * Unloaded latency: `count` requests one after another on one keep-alive connection, timed from
 * request to the last byte. autocannon rounds latencies to whole milliseconds, too coarse here.
 */
export async function probe({ url, method = 'GET', headers = {}, count }) {
  const { Agent, request } = await import('node:http')
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const times = []
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      const status = await new Promise((resolve, reject) => {
        const req = request(url, { method, headers, agent }, (res) => {
          res.on('data', () => {})
          res.on('end', () => resolve(res.statusCode))
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end()
      })
      if (status !== 200) throw new Error(`${method} ${url}: ${status}`)
      times.push((performance.now() - t0) * 1000)
    }
  } finally {
    agent.destroy()
  }
  times.sort((a, b) => a - b)
  return { p50: times[Math.floor(times.length * 0.5)], p99: times[Math.floor(times.length * 0.99)] }
}
