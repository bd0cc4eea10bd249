/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 (port 0) that keeps every request
 * and answers with the statuses a test lines up (200 once the list is used). It checks nothing
 * itself: tests verify signatures with the real `svix` and `@clerk/backend` packages.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** How many requests were being handled at once when this one arrived (1: alone). */
  concurrent: number
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Real milliseconds to wait before answering. */
  delayMs?: number
  /** Never answer (the request hangs until the client gives up or the receiver closes). */
  hang?: boolean
}

export interface Receiver {
  url: string
  received: Received[]
  /** Answers for the next requests, in order. */
  answer(...answers: (Answer | number)[]): void
  /** Resolves when `n` requests have arrived; rejects after `timeoutMs` (real time) so a missing delivery fails fast. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>
  close(): Promise<void>
}

/** Starts a receiver; `path` is the handler's path in `url`. */
export async function startReceiver(path = '/api/webhooks'): Promise<Receiver> {
  const received: Received[] = []
  const queue: Answer[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  let active = 0
  const server: Server = createServer((req, res) => {
    active++
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), concurrent: active })
      for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve()
      const a = queue.shift() ?? { status: 200 }
      if (a.hang) return
      const reply = () => {
        active--
        res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers }).end(a.body ?? '')
      }
      if (a.delayMs) setTimeout(reply, a.delayMs)
      else reply()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer: (...answers) => queue.push(...answers.map((a) => (typeof a === 'number' ? { status: a } : a))),
    waitFor: (n, timeoutMs = 10_000) =>
      received.length >= n
        ? Promise.resolve(received)
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${received.length} of ${n} webhook requests arrived within ${timeoutMs} ms`)), timeoutMs)
            waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(received)) })
          }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/api/webhooks`
}
