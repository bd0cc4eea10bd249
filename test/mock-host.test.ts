/** A mock bound to a wildcard address still hands out a URL a client can connect to. */
import t from 'tap'
import { main } from '../src/cli.js'
import { startClerkMock } from '../src/index.js'
import { twoClients } from './helpers/mock.js'

const decodeKey = (key: string) => Buffer.from(key.replace(/^pk_test_/, ''), 'base64').toString()

for (const [host, loopback] of [
  ['0.0.0.0', '127.0.0.1'],
  ['::', '[::1]'],
  ['0:0:0:0:0:0:0:0', '[::1]'],
] as const) {
  t.test(`host ${host}: url and publishable key name ${loopback}`, async (t) => {
    let mock
    try {
      mock = await startClerkMock({ fixtures: twoClients(), host })
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (host !== '0.0.0.0' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')) return t.pass(`skipped: no IPv6 here (${code})`)
      throw e
    }
    t.teardown(() => mock.stop())
    t.match(mock.url, new RegExp(`^http://${loopback.replace(/[[\]]/g, '\\$&')}:\\d+$`))
    t.equal(decodeKey(mock.publishableKey), `${new URL(mock.url).host}$`)
    const res = await fetch(`${mock.url}/v1/client`).catch((e: Error) => e)
    if (res instanceof Error) return t.pass(`skipped: loopback not reachable here (${res.message})`)
    t.equal(res.status, 200, 'the URL answers')
  })
}

t.test('named hosts are kept as given', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients(), host: '127.0.0.1' })
  t.teardown(() => mock.stop())
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
})

t.test('CLI --host 0.0.0.0: --json and CLERK_MOCK_URL carry the loopback URL', async (t) => {
  let out = ''
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env: { PATH: process.env.PATH } }
  // The child's output is not captured (stdio is inherited), so its exit code says what it saw.
  const script = `
    const url = process.env.CLERK_MOCK_URL
    if (!/^http:\\/\\/127\\.0\\.0\\.1:\\d+$/.test(url)) process.exit(3)
    fetch(url + '/v1/client').then((r) => process.exit(r.status === 200 ? 0 : 4), () => process.exit(5))
  `
  const code = await main(['--port', '0', '--host', '0.0.0.0', '--json', '--quiet', '--', process.execPath, '-e', script], io)
  t.equal(code, 0, 'the command saw a loopback CLERK_MOCK_URL that answers', { out })
  const json = JSON.parse(out.split('\n')[0]) as { url: string; publishable_key: string }
  t.match(json.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(decodeKey(json.publishable_key), `${new URL(json.url).host}$`)
})
