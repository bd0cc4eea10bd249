/**
 * examples/fastify: the real Fastify 5 app on @clerk/fastify 3.1, run as its own process and configured
 * only by its environment, against the mock: the server-app contract (server-app-contract.ts), and
 * the plugin's apiUrl trap.
 */
import { execFile } from 'node:child_process'
import t from 'tap'
import { startClerkMock } from '../../src/index.js'
import { ADA, SERVER_APP_FIXTURE as fixture, appEnvironment, clerkEnv, mintToken, ROOT } from './helpers.js'
import { serverAppContract } from './server-app-contract.js'

serverAppContract(t, 'examples/fastify/server.mjs', { protectedPage: false })

// The trap the recipe's `apiUrl` option avoids, measured: clerkPlugin builds its own client from the
// publishable key (apiUrlFromPublishableKey → https://api.clerk.com) and never reads CLERK_API_URL.
// The child answers every request that does not go to the mock itself as api.clerk.com answers an
// unknown secret key (401), so no network is used.
const PLUGIN_PROBE = `
const mockUrl = process.env.CLERK_API_URL
const real = globalThis.fetch
const seen = []
// Installed before @clerk/backend loads: it binds fetch once, at import.
globalThis.fetch = (url, init) => {
  seen.push(String(url))
  if (String(url).startsWith(mockUrl)) return real(url, init)
  const body = { errors: [{ message: 'Invalid authentication', long_message: 'The provided secret key is invalid', code: 'authentication_invalid' }] }
  return Promise.resolve(new Response(JSON.stringify(body), { status: 401, headers: { 'content-type': 'application/json' } }))
}
const { default: Fastify } = await import('fastify')
const { clerkPlugin, getAuth } = await import('@clerk/fastify')
const results = {}
for (const [name, options] of [['without apiUrl', {}], ['with apiUrl', { apiUrl: mockUrl }]]) {
  const app = Fastify()
  await app.register(clerkPlugin, options)
  app.get('/', async (request) => ({ userId: getAuth(request).userId }))
  const res = await app.inject({ url: '/', headers: { authorization: 'Bearer ' + process.env.TOKEN } })
  results[name] = { userId: res.json().userId, reason: res.headers['x-clerk-auth-reason'] ?? null, fetched: [...new Set(seen.splice(0))] }
  await app.close()
}
console.log(JSON.stringify(results))
`

t.test('clerkPlugin needs apiUrl as an option: CLERK_API_URL alone does not reach it', async (t) => {
  const mock = await startClerkMock({ fixtures: fixture })
  t.teardown(() => mock.stop())
  const s = mock.createSession({ userId: ADA })
  const token = await mintToken(mock, s.session.id, s.clientToken)
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', PLUGIN_PROBE], { cwd: ROOT, env: appEnvironment({ ...clerkEnv(mock), TOKEN: token }), timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    )
  })
  const results = JSON.parse(out)
  t.same(results['without apiUrl'], { userId: null, reason: 'jwk-remote-failed-to-load', fetched: ['https://api.clerk.com/v1/jwks'] })
  t.same(results['with apiUrl'], { userId: ADA, reason: null, fetched: [`${mock.apiUrl}/v1/jwks`] })
})
