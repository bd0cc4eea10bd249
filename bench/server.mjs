// The bench's child process, so the servers never share an event loop with autocannon.
//   node bench/server.mjs serve CLIENT SESSION [FIXTURE]
//                                          start a mock (FIXTURE or the default one) and a bare Fastify app
//                                          whose routes return the mock's answers for SESSION (on CLIENT)
//                                          as static bodies; print one JSON line, then serve until SIGTERM
//   node bench/server.mjs load FIXTURE     time createClerkMock() and reset() over FIXTURE, measure RSS,
//                                          print one JSON line and exit
import Fastify from 'fastify'
import { createClerkMock, startClerkMock } from '../dist/index.js'

const [mode, ...args] = process.argv.slice(2)

if (mode === 'load') {
  const rssBefore = process.memoryUsage().rss
  let t = performance.now()
  const mock = createClerkMock({ fixtures: args[0] })
  const loadMs = performance.now() - t
  const rss = process.memoryUsage().rss
  t = performance.now()
  mock.reset()
  const resetMs = performance.now() - t
  const rssAfterReset = process.memoryUsage().rss
  await mock.stop()
  process.stdout.write(`${JSON.stringify({ loadMs, resetMs, rss, rssBefore, rssAfterReset })}\n`)
  process.exit(0)
}

if (mode !== 'serve') throw new Error(`unknown mode ${mode}`)

const [clientId, sessionId, fixture] = args
const mock = await startClerkMock(fixture ? { fixtures: fixture } : {})
const cookie = `__client=${mock.clientToken(clientId)}`
const headers = { cookie }

const answer = async (method, path) => {
  const res = await fetch(`${mock.url}${path}`, { method, headers })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text
}
const paths = {
  session: `/v1/client/sessions/${sessionId}`,
  touch: `/v1/client/sessions/${sessionId}/touch`,
  client: '/v1/client',
  tokens: `/v1/client/sessions/${sessionId}/tokens`,
  me: `/v1/me/sessions?_clerk_session_id=${sessionId}`,
}
const bodies = {
  session: await answer('GET', paths.session),
  touch: await answer('POST', paths.touch),
  client: await answer('GET', paths.client),
}
const jwt = JSON.parse(await answer('POST', paths.tokens)).jwt

// The baseline: same answers, as static objects Fastify serialises with JSON.stringify.
const bare = Fastify()
const statics = Object.fromEntries(Object.entries(bodies).map(([k, v]) => [k, JSON.parse(v)]))
bare.get('/session', async () => statics.session)
bare.post('/touch', async () => statics.touch)
bare.get('/client', async () => statics.client)
await bare.listen({ port: 0, host: '127.0.0.1' })

process.stdout.write(
  `${JSON.stringify({
    mock: mock.url,
    bare: `http://127.0.0.1:${bare.server.address().port}`,
    paths,
    cookie,
    jwt,
    sizes: Object.fromEntries(Object.entries(bodies).map(([k, v]) => [k, Buffer.byteLength(v)])),
  })}\n`,
)
const stop = () => Promise.all([mock.stop(), bare.close()]).then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
