/**
 * The "done when": an app's real webhook handler, with its real signature check, receives
 * and accepts user.created, session.created and session.ended from the mock. Two handlers as the
 * README recipes write them: Express with `@clerk/express/webhooks`, and a Next.js App Router
 * route handler (`POST(req: Request)`, what `app/api/webhooks/route.ts` exports) with the
 * `verifyWebhook` that `@clerk/nextjs/webhooks` hands a Web Request to (`@clerk/backend/webhooks`).
 */
import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
// @ts-expect-error express 5 ships no types, and @types/express is not a dependency of this project
import express from 'express'
import { verifyWebhook as verifyExpress } from '@clerk/express/webhooks'
import { verifyWebhook } from '@clerk/backend/webhooks'
import { execFile } from 'node:child_process'
import { startClerkMock } from '../src/index.js'
import { ROOT, ensureBuilt } from './helpers/build.js'
import { ADA, twoClients } from './helpers/mock.js'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

/** What the handlers saw, verified. */
const seen: { handler: string; type: string; id: string }[] = []

/** The Express recipe: the raw body (the signature is over the bytes sent), `verifyWebhook(req)` reads CLERK_WEBHOOK_SIGNING_SECRET. */
function expressApp() {
  const app = express()
  app.post('/api/webhooks', express.raw({ type: 'application/json' }), async (req: Parameters<typeof verifyExpress>[0], res: { send(body: string): void; status(code: number): { send(body: string): void } }) => {
    try {
      const evt = await verifyExpress(req)
      seen.push({ handler: 'express', type: evt.type, id: (evt.data as { id: string }).id })
      res.send('Webhook received')
    } catch {
      res.status(400).send('Webhook verification failed')
    }
  })
  return app
}

/** The Next.js recipe's route handler, as `app/api/webhooks/route.ts` would export it. */
async function POST(req: Request): Promise<Response> {
  try {
    const evt = await verifyWebhook(req)
    seen.push({ handler: 'next', type: evt.type, id: (evt.data as { id: string }).id })
    return new Response('Webhook received', { status: 200 })
  } catch {
    return new Response('Error verifying webhook', { status: 400 })
  }
}

/** Serves a Fetch-style handler over node:http, as Next.js does for a route handler. */
async function serveRoute(t: Test, handler: (req: Request) => Promise<Response>): Promise<string> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const answer = await handler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }))
    res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(await answer.text())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
}

async function listen(t: Test, app: { listen(port: number, host: string): import('node:http').Server }): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
}

t.test('Express and Next.js handlers accept user.created, session.created and session.ended from the mock', async (t) => {
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = SECRET
  seen.length = 0
  const expressUrl = await listen(t, expressApp())
  const nextUrl = await serveRoute(t, POST)
  const mock = await startClerkMock({ fixtures: twoClients(), webhooks: [{ url: expressUrl, secret: SECRET }, { url: nextUrl, secret: SECRET }] })
  t.teardown(() => mock.stop())

  const created = await fetch(`${mock.apiUrl}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mock.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email_address: ['grace@example.com'], first_name: 'Grace' }),
  }).then((r) => r.json() as Promise<{ id: string }>)
  const { session } = mock.createSession({ userId: created.id })
  t.equal((await fetch(`${mock.url}/v1/client/sessions/${session.id}/end`, { method: 'POST' })).status, 200)
  await mock.webhooks.settled()

  for (const handler of ['express', 'next']) {
    t.same(
      seen.filter((s) => s.handler === handler).map((s) => `${s.type} ${s.id}`),
      [`user.created ${created.id}`, `session.created ${session.id}`, `session.ended ${session.id}`],
      `${handler}: all three verified, in order`,
    )
  }
  const deliveries = mock.webhooks.deliveries
  t.equal(deliveries.length, 6)
  t.ok(deliveries.every((d) => d.status === 'succeeded' && d.attempts.length === 1 && d.attempts[0].status === 200), 'each accepted at the first attempt')
})

t.test('events caused over HTTP name the request (event_attributes.http_request); the handle\'s have none', async (t) => {
  const url = await listen(t, expressApp())
  const mock = await startClerkMock({ fixtures: twoClients(), webhooks: [{ url, secret: SECRET }] })
  t.teardown(() => mock.stop())
  // A JSON body (parsed before the handler runs) and a bodiless FAPI post, each with its own agent.
  const created = await fetch(`${mock.apiUrl}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mock.secretKey}`, 'content-type': 'application/json', 'user-agent': 'backend-sdk/1' },
    body: JSON.stringify({ email_address: ['grace@example.com'] }),
  }).then((r) => r.json() as Promise<{ id: string }>)
  const { session } = mock.createSession({ userId: created.id })
  await fetch(`${mock.url}/v1/client/sessions/${session.id}/end`, { method: 'POST', headers: { 'user-agent': 'browser/2' } })
  await mock.webhooks.settled()
  const attributes = mock.webhooks.deliveries.map((d) => `${d.type} ${JSON.stringify((d.event as { event_attributes: { http_request: unknown } }).event_attributes.http_request)}`)
  t.same(attributes, [
    'user.created {"client_ip":"127.0.0.1","user_agent":"backend-sdk/1"}',
    'session.created {"client_ip":"","user_agent":""}',
    'session.ended {"client_ip":"127.0.0.1","user_agent":"browser/2"}',
  ])
})

t.test('a handler with the wrong secret refuses: the delivery records the 400 and its body, and waits for the retry', async (t) => {
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = 'whsec_' + Buffer.alloc(24, 7).toString('base64')
  seen.length = 0
  const url = await listen(t, expressApp())
  const mock = await startClerkMock({ fixtures: twoClients(), webhooks: [{ url, secret: SECRET }] })
  t.teardown(() => mock.stop())
  mock.createSession({ userId: ADA })
  await mock.webhooks.settled()
  const [d] = mock.webhooks.deliveries
  t.same(d.attempts.map((a) => [a.status, a.response]), [[400, 'Webhook verification failed']])
  t.equal(d.status, 'pending')
  t.equal(d.next_attempt_at, d.attempts[0].time + 5000)
  t.same(seen, [])
})

t.test('examples/webhooks/handler.test.mjs (the README recipe) passes against the built package', { timeout: 180_000 }, async (t) => {
  await ensureBuilt()
  const r = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(process.execPath, ['--test', 'examples/webhooks/handler.test.mjs'], { cwd: ROOT, env: { ...process.env, TAP: '', TAP_CHILD_ID: '', NODE_OPTIONS: '' }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  )
  t.equal(r.code, 0, 'exits 0', { output: r.out })
  t.match(r.out, /# pass 3\n# fail 0/)
})
