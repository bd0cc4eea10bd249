/**
 * TLS and HTTP on one port (REFERENCE §11): the first byte picks the protocol; the self-signed
 * certificate (made on first need, once per process and set of names) or the user's; the client
 * cookie's attributes by scheme; `iss`; `/__mock/certificate.pem`; bad bytes never hurt the server.
 * Real sockets on 127.0.0.1: TLS does not go through inject().
 */
import { X509Certificate } from 'node:crypto'
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https'
import { createRequire } from 'node:module'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t, { type Test } from 'tap'
import { createClerkMock, startClerkMock, type ClerkMock, type ClerkMockOptions } from '../src/index.js'
import { CHECKING_INTERVAL_MS, certificateNames, selfSignedCredentials } from '../src/http/tls.js'
import { REQUEST_TIMEOUT_MS } from '../src/http/app.js'
import { SESS_A, twoClients } from './helpers/mock.js'
import { assertClerkError } from './helpers/clerk-error.js'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** The certificate the server presented. */
  peer: X509Certificate
}

/** One https request with Node's own client, trusting only `ca` (the mock's certificate by default). */
function https(mock: ClerkMock, path: string, options: RequestOptions & { body?: string } = {}): Promise<Answer> {
  const { body, ...rest } = options
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${mock.httpsUrl}${path}`, { ca: mock.certificate, agent: false, ...rest }, (res) => {
      const peer = new X509Certificate((res.socket as import('node:tls').TLSSocket).getPeerCertificate(false).raw)
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, peer }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function started(t: Test, options: ClerkMockOptions = {}) {
  const mock = await startClerkMock({ fixtures: twoClients(), ...options })
  t.teardown(() => mock.stop())
  return mock
}

/** Opens a raw TCP connection to the mock's port and writes `bytes`; resolves with what came back when the server closed it (or after `ms`). */
function raw(mock: ClerkMock, bytes: Buffer | string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = netConnect(Number(new URL(mock.url).port), '127.0.0.1')
    let got = ''
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(got)
    }
    const timer = setTimeout(done, ms)
    socket.on('data', (d) => (got += d.toString('latin1')))
    socket.on('error', done)
    socket.on('close', done)
    socket.write(bytes)
  })
}

/** The mock still answers both protocols. */
async function stillServes(t: Test, mock: ClerkMock, after: string) {
  t.equal((await fetch(`${mock.url}/v1/client`)).status, 200, `${after}: http still served`)
  t.equal((await https(mock, '/v1/client')).status, 200, `${after}: https still served`)
}

t.test('start-up makes no certificate: the ASN.1 modules load on the first TLS connection', async (t) => {
  // Run first in this process: nothing here has needed a certificate yet.
  const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('asn1-x509'))
  const mock = await started(t)
  t.notOk(loaded(), 'not after start()')
  t.equal((await fetch(`${mock.url}/v1/client`)).status, 200)
  t.notOk(loaded(), 'not after plain http')
  // A raw TLS client that trusts nothing: the handshake alone needs the certificate.
  const peer = await new Promise<X509Certificate>((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: Number(new URL(mock.url).port), rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate().raw))
      socket.destroy()
    }).on('error', reject)
  })
  t.ok(loaded(), 'made for the first TLS connection')
  t.equal(peer.fingerprint256, new X509Certificate(mock.certificate).fingerprint256, 'mock.certificate is the one that connection got')
})

t.test('one port: https with the certificate trusted, and plain http, with the same answers and keep-alive', async (t) => {
  const mock = await started(t)
  t.match(mock.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  t.equal(new URL(mock.httpsUrl).port, new URL(mock.url).port, 'the same port')
  const agent = new Agent({ keepAlive: true, ca: mock.certificate })
  t.teardown(() => agent.destroy())
  const secure = await https(mock, `/v1/client/sessions/${SESS_A}`, { agent })
  t.equal(secure.status, 200)
  t.equal(JSON.parse(secure.body).response.id, SESS_A)
  const plain = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}`)
  t.equal(plain.status, 200)
  t.equal(((await plain.json()) as any).response.id, SESS_A)
  // Node's default keep-alive (5 s) reset clerk-js's reused sockets under load; Fastify's 72 s is kept.
  t.equal(secure.headers['keep-alive'], 'timeout=72', 'https keep-alive 72 s')
  t.equal(plain.headers.get('keep-alive'), 'timeout=72', 'http keep-alive 72 s')
  // A Host of localhost (a DNS name in the certificate), as a browser on http://localhost:3000 uses it.
  const byName = await https(mock, '/v1/client', { host: 'localhost', hostname: 'localhost', servername: 'localhost', headers: { host: `localhost:${new URL(mock.url).port}` } })
  t.equal(byName.status, 200, 'https://localhost:PORT verifies too')
  // A browser offers h2 first; the handler is Fastify's HTTP/1 one, so only http/1.1 is agreed.
  const alpn = await new Promise<string | false>((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: Number(new URL(mock.url).port), ca: mock.certificate, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      resolve(socket.alpnProtocol ?? false)
      socket.destroy()
    }).on('error', reject)
  })
  t.equal(alpn, 'http/1.1', 'ALPN: http/1.1, never h2')
  // A client that does not trust the certificate is refused by its own TLS check, nothing else.
  await t.rejects(https(mock, '/v1/client', { ca: undefined }), { code: /SELF_SIGNED|UNABLE_TO_VERIFY/ })
  await stillServes(t, mock, 'an untrusting client')
})

t.test('the self-signed certificate: names, validity, a leaf, one per process and set of names', async (t) => {
  const mock = await started(t)
  const cert = new X509Certificate(mock.certificate)
  t.same(cert.subjectAltName?.split(', ').sort(), ['DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'])
  t.equal(cert.checkHost('localhost'), 'localhost')
  t.equal(cert.checkIP('127.0.0.1'), '127.0.0.1')
  t.equal(cert.checkIP('::1'), '::1')
  t.equal(cert.checkHost('example.com'), undefined, 'no other name')
  t.ok(cert.verify(cert.publicKey), 'signed by its own key')
  t.equal(cert.issuer, cert.subject, 'self-issued')
  // Read with the ASN.1 schemas (node:crypto's `ca` also wants keyCertSign, so it cannot tell). Loaded
  // here, not at the top: the first test checks that nothing loaded them before a TLS connection.
  const { AsnConvert } = await import('@peculiar/asn1-schema')
  const asn = await import('@peculiar/asn1-x509')
  const extensions = AsnConvert.parse(cert.raw, asn.Certificate).tbsCertificate.extensions ?? []
  const basic = extensions.find((e) => e.extnID === asn.id_ce_basicConstraints)
  t.ok(basic?.critical, 'basic constraints, critical')
  t.equal(AsnConvert.parse(basic!.extnValue, asn.BasicConstraints).cA, false, 'a leaf: Firefox refuses a CA certificate as a server certificate')
  t.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'EC P-256')
  t.same(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'for TLS servers')
  const now = Date.now()
  t.ok(Date.parse(cert.validFrom) < now && Date.parse(cert.validTo) > now + 300 * 86_400_000, `valid now and for months: ${cert.validFrom} – ${cert.validTo}`)

  const other = createClerkMock({ fixtures: twoClients() })
  t.equal(other.certificate, mock.certificate, 'another instance with the same names: the same certificate, made once')
  t.equal((await https(mock, '/v1/client')).peer.fingerprint256, cert.fingerprint256, 'and it is the one served')
})

t.test('every certificate is valid DER: a positive serial in its shortest form', async (t) => {
  // A serial starting 0x00 then a byte under 0x80 is refused by OpenSSL; that came up once in 256.
  let bad = 0
  for (let i = 0; i < 256; i++) {
    const serial = new X509Certificate(selfSignedCredentials([`serial-${i}.test`]).cert).serialNumber
    if (!/^(0[1-9A-F]|[1-7][0-9A-F])/.test(serial)) bad++
  }
  t.equal(bad, 0, 'no serial outside 0x01…0x7f in its first byte')
})

t.test('the names follow the bound host and the allowed hosts', async (t) => {
  t.same(certificateNames(), ['localhost', '127.0.0.1', '::1'])
  t.same(certificateNames('0.0.0.0'), ['localhost', '127.0.0.1', '::1'], 'a wildcard bind names no address')
  t.same(certificateNames('::'), ['localhost', '127.0.0.1', '::1'])
  t.same(certificateNames('127.0.0.2'), ['localhost', '127.0.0.1', '::1', '127.0.0.2'], 'another loopback address: the URL names it')
  t.same(certificateNames('localhost'), ['localhost', '127.0.0.1', '::1'])
  t.same(certificateNames('192.168.1.20', ['Mock.Test', '[fd00::1]', '.dev.example.test', '.test', 'localhost']), ['localhost', '127.0.0.1', '::1', '192.168.1.20', 'mock.test', 'fd00::1', '*.dev.example.test'])

  const mock = await started(t, { allowedHosts: ['mock.test', '.dev.example.test'] })
  const cert = new X509Certificate(mock.certificate)
  t.equal(cert.checkHost('mock.test'), 'mock.test')
  t.equal(cert.checkHost('app.dev.example.test'), '*.dev.example.test')
  t.equal(cert.checkHost('localhost'), 'localhost')
  t.not(mock.certificate, selfSignedCredentials(['localhost', '127.0.0.1', '::1']).cert, 'another set of names, another certificate')
  // Connect to 127.0.0.1 but verify the name mock.test, as a browser mapping mock.test to this machine does.
  const res = await https(mock, '/v1/client', { servername: 'mock.test', headers: { host: `mock.test:${new URL(mock.url).port}` } })
  t.equal(res.status, 200)
})

t.test('a supplied certificate is the one served; a bad pair fails at creation', async (t) => {
  const supplied = selfSignedCredentials(['127.0.0.1', 'supplied.test'])
  const mock = await started(t, { tls: supplied })
  t.equal(mock.certificate, supplied.cert)
  const res = await https(mock, '/v1/client', { ca: supplied.cert })
  t.equal(res.status, 200)
  t.equal(res.peer.fingerprint256, new X509Certificate(supplied.cert).fingerprint256, 'served over TLS')
  t.equal((await fetch(`${mock.url}/__mock/certificate.pem`).then((r) => r.text())), supplied.cert, 'and by the control API')

  const another = selfSignedCredentials(['localhost'])
  t.throws(() => createClerkMock({ tls: { cert: supplied.cert, key: another.key } }), /TLS certificate and key cannot be used: .*key values mismatch/)
  t.throws(() => createClerkMock({ tls: { cert: 'not a certificate', key: supplied.key } }), /TLS certificate must be a PEM string/)
  t.throws(() => createClerkMock({ tls: { cert: supplied.cert, key: 'nope' } }), /TLS key must be a PEM private key/)
  const garbled = supplied.cert.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA')
  t.throws(() => createClerkMock({ tls: { cert: garbled, key: supplied.key } }), /TLS certificate and key cannot be used/)
})

t.test('the __client cookie: SameSite=None; Secure; Partitioned over TLS, SameSite=Lax over http; cleared alike', async (t) => {
  const mock = await started(t)
  const secure = await https(mock, '/v1/client', { method: 'PUT' })
  t.equal(secure.status, 200)
  t.match(String(secure.headers['set-cookie']), /^__client=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; Partitioned; SameSite=None$/)
  const plain = await fetch(`${mock.url}/v1/client`, { method: 'PUT' })
  const plainCookie = plain.headers.get('set-cookie') ?? ''
  t.match(plainCookie, /^__client=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/)
  t.notMatch(plainCookie, /Secure|Partitioned/, 'no Secure, no Partitioned over http')

  // A cookie this mock cannot use is cleared with the attributes it was set with, or the browser keeps it.
  const cleared = await https(mock, '/v1/client', { headers: { cookie: '__client=forged.token.here' } })
  t.same(JSON.parse(cleared.body), { response: null, client: null })
  t.match(String(cleared.headers['set-cookie']), /^__client=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; Partitioned; SameSite=None$/)
  const plainCleared = await fetch(`${mock.url}/v1/client`, { headers: { cookie: '__client=forged.token.here' } })
  t.match(plainCleared.headers.get('set-cookie') ?? '', /^__client=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/)

  // The sign-in helper over TLS (a top-level navigation to https://…): the same attributes.
  const helper = await https(mock, `/__mock/sign-in?user_id=${twoClients().users![0].id}&redirect_url=/v1/client`)
  t.equal(helper.status, 302)
  t.match(String(helper.headers['set-cookie']), /; Secure; Partitioned; SameSite=None$/)
})

t.test("token iss is https://<publishable key host>, over either scheme and whatever the Host", async (t) => {
  const mock = await started(t)
  const keyHost = Buffer.from(mock.publishableKey.replace(/^pk_test_/, ''), 'base64').toString().replace(/\$$/, '')
  t.equal(mock.httpsUrl, `https://${keyHost}`)
  const iss = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).iss
  const overTls = await https(mock, `/v1/client/sessions/${SESS_A}/tokens`, { method: 'POST', headers: { host: `localhost:${new URL(mock.url).port}` } })
  t.equal(iss(JSON.parse(overTls.body).jwt), `https://${keyHost}`)
  const plain = (await (await fetch(`${mock.url}/v1/client/sessions/${SESS_A}/tokens`, { method: 'POST' })).json()) as { jwt: string }
  t.equal(iss(plain.jwt), `https://${keyHost}`)
})

t.test('GET /__mock/certificate.pem: the certificate as application/x-pem-file, over both schemes', async (t) => {
  const mock = await started(t)
  const plain = await fetch(`${mock.url}/__mock/certificate.pem`)
  t.equal(plain.status, 200)
  t.equal(plain.headers.get('content-type'), 'application/x-pem-file')
  t.equal(await plain.text(), mock.certificate)
  const secure = await https(mock, '/__mock/certificate.pem')
  t.equal(secure.body, mock.certificate)
  t.equal(secure.headers['content-type'], 'application/x-pem-file')
  t.equal(new X509Certificate(secure.body).fingerprint256, secure.peer.fingerprint256, 'the one this very connection was served')

  const off = await started(t, { controlApi: false })
  const none = await fetch(`${off.url}/__mock/certificate.pem`)
  assertClerkError(t, { status: none.status, json: await none.json() }, 404, 'resource_not_found')
  t.equal((await https(off, '/v1/client')).status, 200, 'TLS works without the control API')
  const inject = await createClerkMock({ fixtures: twoClients() }).inject({ url: '/__mock/certificate.pem' })
  t.equal(inject.body, createClerkMock().certificate, 'inject() reads it too (no listening needed)')
})

t.test('bad bytes and broken handshakes never hurt the server', async (t) => {
  const mock = await started(t)
  const hello = await helloBytes()
  const cases: [string, Buffer | string][] = [
    ['binary garbage', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x00, 0x0a, 0x0d, 0x0a])],
    ['0x16 then garbage (not a TLS record)', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]), Buffer.from('hello, not tls at all\r\n\r\n')])],
    ['a lone 0x16', Buffer.from([0x16])],
    ['a truncated ClientHello', hello.subarray(0, Math.floor(hello.length / 2))],
    ['a whole ClientHello, then nothing', hello],
    ['an SSLv2-style hello', Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15])],
    ['a SOCKS5 greeting', Buffer.from([0x05, 0x01, 0x00])],
    ['an HTTP/2 preface in clear text', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + '\x00\x00\x00\x04\x00\x00\x00\x00\x00'],
    ['half an HTTP/2 preface', 'PRI * HTT'],
    ['plain HTTP with a bad request line', 'GET /v1/client HTTP/9.9\r\n\r\n'],
    ['a TLS record header claiming 16 MB', Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff])],
  ]
  const answers = await Promise.all(cases.map(([, bytes]) => raw(mock, bytes)))
  for (const [i, [what]] of cases.entries()) t.notMatch(answers[i], /HTTP\/1\.1 5\d\d/, `${what}: no 5xx (${JSON.stringify(answers[i].slice(0, 40))})`)
  t.match(answers[0], /^HTTP\/1\.1 400/, 'garbage over plain text gets a 400')
  await stillServes(t, mock, 'all the bad input')
})

t.test('stop() does not wait for idle sockets: mid-sniff, mid-handshake, or TLS kept alive', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  const port = Number(new URL(mock.url).port)
  const open = (s: Socket) => new Promise<Socket>((resolve) => s.once('connect', () => resolve(s)).once('secureConnect', () => resolve(s)))
  const silent = await open(netConnect(port, '127.0.0.1')) // a browser's preconnect: no byte yet
  const halfTls = await open(netConnect(port, '127.0.0.1'))
  halfTls.write(Buffer.from([0x16, 0x03, 0x01])) // a ClientHello that never finishes
  const kept = await https(mock, '/v1/client', { agent: new Agent({ keepAlive: true, ca: mock.certificate }) })
  t.equal(kept.status, 200)
  const closed = (s: Socket) => new Promise((resolve) => (s.destroyed ? resolve(true) : s.once('close', resolve)))
  for (const s of [silent, halfTls]) s.on('error', () => undefined)
  const start = performance.now()
  await mock.stop()
  const took = performance.now() - start
  t.ok(took < 2000, `stopped in ${took.toFixed(0)} ms`)
  await Promise.all([closed(silent), closed(halfTls)])
  t.pass('the idle sockets were closed by the server')
})

t.test('a request that never finishes is cut after the request timeout, over http and over TLS', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  const port = Number(new URL(mock.url).port)
  const partial = 'GET /v1/client HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
  const started = performance.now()
  const cut = (socket: Socket) =>
    new Promise<{ ms: number; got: string }>((resolve) => {
      let got = ''
      socket.on('data', (d) => (got += d.toString('latin1')))
      socket.on('error', () => undefined)
      socket.on('close', () => resolve({ ms: performance.now() - started, got }))
    })
  const plain = netConnect(port, '127.0.0.1', () => plain.write(partial))
  const secure = tlsConnect({ host: '127.0.0.1', port, ca: mock.certificate }, () => secure.write(partial))
  const [a, b] = await Promise.all([cut(plain), cut(secure)])
  const limit = REQUEST_TIMEOUT_MS + CHECKING_INTERVAL_MS + 2000
  for (const [what, r] of [['http', a], ['https', b]] as const) {
    t.ok(r.ms >= REQUEST_TIMEOUT_MS - 100 && r.ms < limit, `${what}: cut after ${r.ms.toFixed(0)} ms`)
    t.match(r.got, /^HTTP\/1\.1 408/, `${what}: 408 Request Timeout`)
  }
  await stillServes(t, mock, 'the slow requests')
  await mock.stop()
})

t.test('a stopped mock is garbage: the timeout checks stop with it', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  // The checks' timer holds the inner server, and through Fastify's handler the whole app and core.
  const refs: WeakRef<object>[] = []
  for (let i = 0; i < 4; i++) {
    const mock = await startClerkMock({ fixtures: twoClients() })
    t.equal((await https(mock, '/v1/client')).status, 200)
    refs.push(new WeakRef(mock.clock))
    await mock.stop()
  }
  // The newest may still be held for a while by the last request's leftovers (also over plain http).
  const older = refs.slice(0, -1)
  for (let i = 0; i < 20 && older.some((r) => r.deref() !== undefined); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    gc()
  }
  t.equal(older.filter((r) => r.deref() !== undefined).length, 0, 'every older stopped mock was collected')
})

/** A real TLS ClientHello, captured from Node's client (as sent to the mock's port). */
async function helloBytes(): Promise<Buffer> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const sink = createServer((socket) => {
      socket.once('data', (d) => {
        resolve(d)
        socket.destroy()
        sink.close()
      })
    }).listen(0, '127.0.0.1', () => {
      const port = (sink.address() as { port: number }).port
      tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }).on('error', () => undefined)
    })
  })
}
