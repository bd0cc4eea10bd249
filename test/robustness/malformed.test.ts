/**
 * Malformed input (REFERENCE §1, §5, §7): random verbs, paths, query strings, headers, client tokens
 * and bodies. Whatever arrives, the answer is never a 5xx, every error is a Clerk-format JSON body,
 * an error never changes the state, and a known-good request still gets the right answer afterwards.
 * Through inject() first, then over a real socket (http.request, and raw bytes with node:net).
 */
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { deepStrictEqual, equal, ok } from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import { createClerkMock, startClerkMock, type ClerkMock } from '../../src/index.js'
import { ADA, CLIENT_A, CLIENT_B, SESS_A, SESS_B, mockWith, twoClients } from '../helpers/mock.js'
import { clerkErrorProblems, fcParams } from '../helpers/robustness.js'
import { assertClerkError } from '../helpers/clerk-error.js'

// ---- what a random request is made of --------------------------------------------------------

type TokenKind = 'real' | 'truncated' | 'swapped-payload' | 'alg-none' | 'other-instance' | 'stale' | 'garbage' | 'empty' | 'huge' | 'two-cookies' | 'bearer'

interface Req {
  method: string
  path: string
  query: [string, string][]
  headers: Record<string, string>
  token: { kind: TokenKind; via: 'cookie' | 'native' } | null
  body: string | Buffer | undefined
}

const PERCENT_GARBAGE = ['%', '%%', '%zz', '%E0%A4%A', '%00', '%2F', '%C0%AF', '%FF%FE', '%u0041', '%25%32%35']
const garbage = fc.oneof(
  fc.constantFrom(...PERCENT_GARBAGE, '..', '.', '', ' ', '\u00ff', 'ü', '\u{1F600}', 'a'.repeat(300), '\t', '?', '#', ';'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
)
const id = fc.oneof(fc.constantFrom(SESS_A, SESS_B, 'sess_unknown00000000000000000000', 'sess_', CLIENT_A), garbage)

const path = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('', '/touch', '/end', '/remove', '/tokens', '/tokens/supabase', '/tokens/'), id).map(([action, sid]) => `/v1/client/sessions/${sid}${action}`) },
  { weight: 2, arbitrary: id.map((sid) => `/v1/me/sessions/${sid}/revoke`) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '/v1/client',
      '/v1/client/',
      '/v1/client/sessions',
      '/v1/me/sessions',
      '/v1/me/sessions/active',
      '/v1/environment',
      '/v1/dev_browser',
      '/v1/jwks',
      '/.well-known/jwks.json',
      '/__mock/state',
      '/__mock/clock',
      '/__mock/sessions',
      '/__mock/requests',
      '/__mock/nope',
      '/__mock/clients/' + CLIENT_A + '/token',
      '/__mock/sign-in',
      '/',
      '//v1//client',
      '/v1/../v1/client',
    ),
  },
  { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom('v1', 'client', 'sessions', '__mock', SESS_A), garbage), { maxLength: 6 }).map((segs) => '/' + segs.join('/')) },
)

const queryKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('_method', '_is_native', '__clerk_db_jwt', '__clerk_api_version', '_clerk_session_id', '_clerk_js_version', 'intent', '__proto__', 'a[b]') },
  { weight: 1, arbitrary: garbage },
)
const queryValue = fc.oneof(fc.constantFrom('DELETE', 'PUT', 'PATCH', 'GET', 'POST', 'delete', 'BREW', '', '1', 'true', SESS_A, 'dvb_nope', '2025-11-10'), garbage)

const contentType = fc.constantFrom(
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded; charset=latin1',
  'APPLICATION/JSON',
  'application/json;',
  'multipart/form-data; boundary=x',
  'application/xml',
  ';;;',
  'application/octet-stream',
)

const formKey = fc.oneof(fc.constantFrom('intent', 'active_organization_id', 'organization_id', '__proto__', 'constructor', 'a[b][c]', '_method'), garbage)
const body: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.array(fc.tuple(formKey, queryValue), { maxLength: 4 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join('&')) },
  { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map((s) => `{"intent":${s}`) },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null', '""', '[]', '{}', ' ', '\u0000', 'NaN', '1e999') },
  // deep nesting, up to far beyond any sane parser's recursion
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 50, max: 200_000 }), fc.constantFrom('[', '{"a":')).map(([n, open]) => open.repeat(n) + (open === '[' ? ']' : '}').repeat(n)) },
  // sizes on both sides of the 64 KiB body limit, and far past it
  { weight: 1, arbitrary: fc.constantFrom(64 * 1024 - 10, 64 * 1024 + 1, 1024 * 1024).map((n) => 'intent=' + 'x'.repeat(n)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  // invalid UTF-8: a lone continuation byte, an overlong slash, a truncated sequence, a surrogate
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0x80]), Buffer.from('intent=\xc0\xaf', 'latin1'), Buffer.from([0x7b, 0x22, 0xe2, 0x82, 0x22, 0x7d]), Buffer.from([0xed, 0xa0, 0x80])) },
)

const tokenKind = fc.constantFrom<TokenKind>('real', 'truncated', 'swapped-payload', 'alg-none', 'other-instance', 'stale', 'garbage', 'empty', 'huge', 'two-cookies', 'bearer')

const requestArb: fc.Arbitrary<Req> = fc.record({
  method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') }, { weight: 2, arbitrary: fc.constantFrom('OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'SEARCH') }),
  path,
  query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }),
  headers: fc.record(
    {
      'content-type': fc.oneof(contentType, garbage),
      'clerk-api-version': fc.constantFrom('2025-11-10', '2026-08-20', 'nonsense', ''),
      origin: fc.constantFrom('http://localhost:3000', 'null', 'http://evil.example', '*'),
      accept: fc.constantFrom('text/html', '*/*', 'application/xml'),
      'x-forwarded-proto': fc.constantFrom('https', 'gopher'),
    },
    { requiredKeys: [] },
  ),
  token: fc.option(fc.record({ kind: tokenKind, via: fc.constantFrom<'cookie' | 'native'>('cookie', 'native') }), { freq: 2 }),
  body,
})

// ---- turning a Req into bytes ------------------------------------------------------------------

interface Tokens {
  real: string
  other: string
  stale: string
}

function tokenValue(kind: TokenKind, tokens: Tokens): string {
  const [h, p, s] = tokens.real.split('.')
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  switch (kind) {
    case 'real':
      return tokens.real
    case 'truncated':
      return tokens.real.slice(0, tokens.real.length - 7)
    case 'swapped-payload':
      return `${h}.${b64({ id: CLIENT_B, rotating_token: 'x'.repeat(40) })}.${s}`
    case 'alg-none':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`
    case 'other-instance':
      return tokens.other
    case 'stale':
      return tokens.stale
    case 'garbage':
      return 'not.a.token%zz'
    case 'empty':
      return ''
    case 'huge':
      return 'a'.repeat(6000)
    case 'two-cookies':
      return `${tokens.real}; __client=${tokens.stale}`
    case 'bearer':
      return `Bearer ${tokens.real}`
  }
}

function materialize(req: Req, tokens: Tokens): { method: string; url: string; headers: Record<string, string>; body: string | Buffer | undefined } {
  const headers = { ...req.headers }
  const query = [...req.query]
  if (req.token) {
    const value = tokenValue(req.token.kind, tokens)
    if (req.token.via === 'cookie') headers.cookie = `__session=x; __client=${value}`
    else {
      query.push(['_is_native', '1'])
      headers.authorization = value
    }
  }
  const qs = query.map(([k, v]) => `${k}=${v}`).join('&')
  if (req.body === undefined) delete headers['content-type']
  return { method: req.method, url: req.path + (qs ? `?${qs}` : ''), headers, body: req.body }
}

const show = (r: { method: string; url: string; headers: Record<string, string>; body: unknown }) =>
  `${r.method} ${JSON.stringify(r.url.slice(0, 200))} ${JSON.stringify(r.headers).slice(0, 300)} body=${JSON.stringify(String(r.body ?? '').slice(0, 80))}`

/** What must hold of any answer: below 500, and an error is a Clerk error body (HEAD has no body; a CORS preflight answers 204). */
function checkAnswer(what: string, method: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`)
  if (res.statusCode >= 400 && method !== 'HEAD') {
    const problems = clerkErrorProblems(res)
    deepStrictEqual(problems, [], `${what} → ${res.statusCode}: not a Clerk error body: ${problems.join('; ')}`)
  }
}

async function tokensFor(mock: ClerkMock): Promise<Tokens> {
  const other = createClerkMock({ fixtures: twoClients() }).clientToken(CLIENT_A)
  const { clientToken: stale, client } = mock.createSession({ userId: ADA })
  const del = await mock.inject({ method: 'DELETE', url: '/v1/client', headers: { cookie: `__client=${stale}` } })
  equal(del.statusCode, 200, `client ${client.id} destroyed, its token is stale`)
  return { real: mock.clientToken(CLIENT_A), other, stale }
}

// ---- through inject() --------------------------------------------------------------------------

t.test('random requests through inject(): never a 5xx, errors in Clerk format and without effect', async (t) => {
  const h = mockWith(twoClients({ jwt_templates: [{ name: 'supabase', claims: { role: 'authenticated' } }] }))
  const tokens = await tokensFor(h.mock)
  const state = async () => (await h.mock.inject({ method: 'GET', url: '/__mock/state' })).body
  const { seed, numRuns } = fcParams(0xbad_1ec7, 400)
  let sent = 0
  let refused = 0
  let destroyed = 0
  const statuses = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 4 }), async (reqs) => {
      let before = await state()
      for (const req of reqs) {
        const r = materialize(req, tokens)
        let res
        try {
          res = await h.mock.inject({ method: r.method as 'GET', url: r.url, headers: r.headers, payload: r.body })
        } catch (e: any) {
          // light-my-request itself refuses some URLs (`/\\`) before the server sees anything; sockets cover those.
          if (e.code === 'ERR_INVALID_URL') {
            refused++
            continue
          }
          throw e
        }
        sent++
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        checkAnswer(show(r), r.method, res)
        const after = await state()
        if (res.statusCode >= 400) equal(after, before, `${show(r)} → ${res.statusCode} changed the state`)
        before = after
      }
      // A known-good request still gets the right answer: client A's cookie reads client A as the state says.
      const snapshot = JSON.parse(before)
      const a = snapshot.clients.find((c: any) => c.id === CLIENT_A)
      const res = await h.call('GET', '/v1/client', { headers: { cookie: `__client=${tokens.real}` } })
      equal(res.status, 200)
      if (a) {
        equal(res.json.response.id, CLIENT_A)
        deepStrictEqual(
          res.json.response.sessions.map((s: any) => [s.id, s.status]),
          a.sessions.filter((s: any) => s.on_client).map((s: any) => [s.id, s.status]),
        )
      } else {
        // A random DELETE /v1/client with A's cookie destroyed it: the cookie is now a signed-out browser's.
        deepStrictEqual(res.json, { response: null, client: null }, 'client A is gone from the state, so its cookie reads no client')
        destroyed++
      }
      h.mock.reset()
      // reset() forgets the tokens it minted; A's token is re-minted (and still verifies) afterwards.
      tokens.real = h.mock.clientToken(CLIENT_A)
    }),
    { seed, numRuns },
  )
  const summary = `${sent} requests (${refused} URLs refused by inject itself, client A destroyed in ${destroyed} runs); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`
  // The generator must reach both sides: answers that succeed and every family of refusal.
  t.ok(sent >= numRuns, `at least one request per run reached the mock: ${summary}`)
  // (Checked at the default run count; a small FC_RUNS may not reach every family.)
  if (numRuns >= 100) for (const status of [200, 400, 401, 404, 405, 415, 422]) t.ok((statuses.get(status) ?? 0) > 0, `some requests answered ${status}`)
})

t.test('fixed nasty cases through inject()', async (t) => {
  const h = mockWith()
  const tokens = await tokensFor(h.mock)
  const before = (await h.mock.inject({ method: 'GET', url: '/__mock/state' })).body
  const touch = `/v1/client/sessions/${SESS_A}/touch`
  const cases: { method: string; url: string; headers?: Record<string, string>; body?: string | Buffer }[] = [
    { method: 'OPTIONS', url: '/v1/client' }, // a preflight without Origin
    { method: 'OPTIONS', url: '/nope', headers: { origin: 'http://x' } },
    { method: 'POST', url: `${touch}?_method=DELETE&_method=PUT` },
    { method: 'POST', url: `${touch}?_method=` },
    { method: 'POST', url: `${touch}?_method=%zz` },
    { method: 'POST', url: `${touch}?_method=get` },
    { method: 'GET', url: `/v1/client?__clerk_db_jwt=a&__clerk_db_jwt=b` },
    { method: 'GET', url: `/v1/client?_is_native=1&_is_native=1`, headers: { authorization: tokens.real } },
    { method: 'GET', url: `/v1/client?__clerk_api_version=1&__clerk_api_version=2`, headers: { 'clerk-api-version': 'x' } },
    { method: 'GET', url: `/v1/client`, headers: { cookie: '__client=%zz%; __client=' } },
    { method: 'GET', url: `/v1/client`, headers: { cookie: '\u00ff\u00fe=;;;==' } },
    { method: 'POST', url: touch, headers: { 'content-type': 'application/json' }, body: '['.repeat(500_000) },
    { method: 'POST', url: touch, headers: { 'content-type': 'application/json' }, body: '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000) },
    { method: 'POST', url: touch, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a[b]'.repeat(10_000) + '=1' },
    { method: 'POST', url: touch, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '&'.repeat(60_000) },
    { method: 'POST', url: touch, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'intent=focus&intent=select_org' },
    { method: 'POST', url: touch, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(1024 * 1024, 0xff) },
    { method: 'GET', url: '/' + 'a/'.repeat(20_000) },
    { method: 'GET', url: '/v1/client?' + 'x=1&'.repeat(20_000) },
    { method: 'GET', url: `/v1/client/sessions/${'%'.repeat(1000)}` },
  ]
  let checked = 0
  for (const c of cases) {
    const res = await h.mock.inject({ method: c.method as 'GET', url: c.url, headers: c.headers, payload: c.body })
    const what = show({ ...c, headers: c.headers ?? {}, body: c.body })
    checkAnswer(what, c.method, res)
    // A preflight answers 204 with an empty body; anything else is JSON.
    if (c.method === 'OPTIONS') ok(res.statusCode === 204 || res.statusCode >= 400, `${what} → ${res.statusCode}`)
    checked++
  }
  t.equal(checked, cases.length, `${cases.length} cases answered`)
  t.equal((await h.mock.inject({ method: 'GET', url: '/__mock/state' })).body, before, 'no state change')
})

// ---- over a real socket ------------------------------------------------------------------------

function rawHttp(port: number, req: { method: string; url: string; headers: Record<string, string>; body: string | Buffer | undefined }) {
  return new Promise<{ statusCode: number; headers: Record<string, unknown>; body: string } | 'unsendable'>((resolve, reject) => {
    let r: ReturnType<typeof httpRequest>
    try {
      // Node's client refuses raw control characters in the path and characters above U+00FF in headers;
      // send what a careless client would: raw UTF-8 bytes, only control characters in the path percent-encoded.
      const path = Buffer.from(req.url, 'utf8').toString('latin1').replace(/[\u0000-\u0020\u007f]/g, (c) => encodeURIComponent(c))
      const headers: Record<string, string | number> = {}
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Buffer.from(v, 'utf8').toString('latin1').replace(/[\r\n\u0000]/g, '')
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body)
      r = httpRequest({ host: '127.0.0.1', port, method: req.method, path, headers, agent: false })
    } catch (e: any) {
      // Node's client refuses some of what the generator makes (invalid method or header characters, unescaped paths).
      if (/^ERR_(INVALID|UNESCAPED|HTTP_INVALID)/.test(e.code)) return resolve('unsendable')
      return reject(e)
    }
    r.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    r.on('error', (e: any) => {
      // A request Node's server cannot parse (say, raw UTF-8 in the URL of a HEAD) is answered with a
      // body by the mock's clientErrorHandler; a HEAD client then calls the body "data after close".
      const raw: string | undefined = e.rawPacket?.toString('utf8')
      const m = raw === undefined ? null : /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(raw)
      if (m) return resolve({ statusCode: Number(m[1]), headers: { 'content-type': /content-type: ([^\r\n]+)/i.exec(m[2])?.[1] }, body: m[3] })
      // The server may answer a too-large body before reading it all and close.
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') return resolve('unsendable')
      reject(e)
    })
    r.end(req.body)
  })
}

/** Raw bytes on a fresh connection; resolves with everything the server wrote before closing (or after a quiet 500 ms). */
function rawBytes(port: number, bytes: string | Buffer) {
  return new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let quiet: NodeJS.Timeout
    const done = () => {
      clearTimeout(quiet)
      socket.destroy()
      resolve(Buffer.concat(chunks).toString('latin1'))
    }
    const arm = () => {
      clearTimeout(quiet)
      quiet = setTimeout(done, 500)
    }
    socket.on('data', (c) => {
      chunks.push(c)
      arm()
    })
    socket.on('error', done)
    socket.on('close', done)
    socket.write(bytes, () => arm())
  })
}

t.test('random requests over a real socket', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  t.teardown(() => mock.stop())
  const port = Number(new URL(mock.url).port)
  const tokens = await tokensFor(mock)
  const { seed, numRuns } = fcParams(0x50c_4e7, 150)
  let sent = 0
  let unsendable = 0
  await fc.assert(
    fc.asyncProperty(requestArb, async (req) => {
      const r = materialize(req, tokens)
      const res = await rawHttp(port, r)
      if (res === 'unsendable') {
        unsendable++
        return
      }
      sent++
      checkAnswer(show(r), r.method, res)
    }),
    { seed, numRuns },
  )
  const good = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}`)
  t.equal(good.status, 200)
  t.equal(((await good.json()) as any).response.status, 'active', 'a known-good request still gets the right answer')
  t.ok(sent >= numRuns * 0.9, `${sent} sent over sockets, ${unsendable} refused by Node's own HTTP client or cut short`)
})

t.test('malformed HTTP on a raw socket (node:net): the server survives and answers the next request', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  t.teardown(() => mock.stop())
  const port = Number(new URL(mock.url).port)
  const cases: Record<string, string | Buffer> = {
    'binary garbage': Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
    'HTTP/2 preface on HTTP/1': 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    'binary garbage that is not TLS': Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]),
    'no HTTP version': 'GET /v1/client\r\n\r\n',
    'header without a colon': 'GET /v1/client HTTP/1.1\r\nHost: localhost\r\nbroken header\r\n\r\n',
    'NUL in the path': 'GET /v1/cli\0ent HTTP/1.1\r\nHost: localhost\r\n\r\n',
    'space in the path': 'GET /v1/client sessions HTTP/1.1\r\nHost: localhost\r\n\r\n',
    'negative Content-Length': `POST /v1/client/sessions/${SESS_A}/end HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n`,
    'Content-Length and Transfer-Encoding (smuggling)': `POST /v1/client/sessions/${SESS_A}/end HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    'two Content-Lengths': `POST /v1/client/sessions/${SESS_A}/end HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    'bad chunk size': `POST /v1/client/sessions/${SESS_A}/touch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
    'header section over 16 KiB': `GET /v1/client HTTP/1.1\r\nHost: localhost\r\nCookie: ${'a'.repeat(20_000)}\r\n\r\n`,
    'body shorter than Content-Length, then close': `POST /v1/client/sessions/${SESS_A}/touch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"`,
    'invalid UTF-8 in a header': Buffer.concat([Buffer.from('GET /v1/client HTTP/1.1\r\nHost: localhost\r\nCookie: __client='), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\r\n\r\n')]),
    'obsolete line folding': 'GET /v1/client HTTP/1.1\r\nHost: localhost\r\nCookie: a=b\r\n  c=d\r\n\r\n',
    'lowercase method': 'get /v1/client HTTP/1.1\r\nHost: localhost\r\n\r\n',
  }
  // What each case answers (Node 20's llhttp decides most of them). A request line without a version
  // is HTTP/0.9-style and reaches the route; a body cut short never completes, so nothing answers it.
  // The port also speaks TLS (one port, the first byte decides): the "binary garbage" starts like a
  // TLS ClientHello (0x16 0x03 0x01), so the TLS side takes it and closes when it ends cut short; the
  // HTTP/2 preface goes to httpolyglot's HTTP/2 handling, which the mock does not serve. Neither is
  // an HTTP/1.1 request to answer; what matters is that the server answers the next request.
  const expected: Record<string, string> = {
    'binary garbage': 'connection closed without an answer',
    'HTTP/2 preface on HTTP/1': 'connection closed without an answer',
    'binary garbage that is not TLS': '400',
    'no HTTP version': '200',
    'header without a colon': '400',
    'NUL in the path': '400',
    'space in the path': '400',
    'negative Content-Length': '400',
    'Content-Length and Transfer-Encoding (smuggling)': '400',
    'two Content-Lengths': '400',
    'bad chunk size': '400',
    'header section over 16 KiB': '431',
    'body shorter than Content-Length, then close': 'connection closed without an answer',
    'invalid UTF-8 in a header': '200',
    'obsolete line folding': '400',
    'lowercase method': '400',
  }
  t.same(Object.keys(expected), Object.keys(cases), 'an expectation for every case')
  const answers: Record<string, string> = {}
  for (const [name, bytes] of Object.entries(cases)) {
    const answer = await rawBytes(port, bytes)
    const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]
    answers[name] = status ?? 'connection closed without an answer'
    if (status !== undefined) {
      ok(Number(status) < 500, `${name}: ${answer.slice(0, 200)}`)
      const [head, ...rest] = answer.split('\r\n\r\n')
      const body = rest.join('\r\n\r\n')
      // Parser-level rejections never reach Fastify's routes; the mock still answers them in Clerk's format.
      if (Number(status) >= 400) {
        const problems = clerkErrorProblems({ statusCode: Number(status), headers: { 'content-type': /content-type: ([^\r\n]+)/i.exec(head)?.[1] }, body })
        deepStrictEqual(problems, [], `${name}: ${answer.slice(0, 300)}`)
      }
    }
    const good = await fetch(`${mock.url}/v1/client/sessions/${SESS_A}`)
    equal(good.status, 200, `after ${name}`)
    equal(((await good.json()) as any).response.status, 'active', `after ${name}: state intact`)
  }
  t.same(answers, expected, 'each malformed request got its answer, and the server answered the next request every time')
})

// ---- regressions found by the tests above ------------------------------------------------------

t.test('regression: an OPTIONS request without Origin gets 204, not @fastify/cors text/plain 400', async (t) => {
  const h = mockWith()
  const res = await h.mock.inject({ method: 'OPTIONS', url: '/v1/client' })
  t.equal(res.statusCode, 204)
  const preflight = await h.mock.inject({ method: 'OPTIONS', url: '/v1/client', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:3000', 'real preflights unchanged')
})

t.test("regression: HTTP Node cannot parse gets a Clerk error body, not Fastify's default one", async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  t.teardown(() => mock.stop())
  const port = Number(new URL(mock.url).port)
  const raw = (answer: string) => {
    const [head, body] = answer.split('\r\n\r\n')
    return { statusCode: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: { 'content-type': /content-type: ([^\r\n]+)/i.exec(head)?.[1] }, body }
  }
  const bad = await rawBytes(port, 'GET /v1/client HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n')
  t.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/)
  assertClerkError(t, raw(bad), 400, 'malformed_request', /^The HTTP request could not be parsed \(HPE_/, { message: 'Malformed request' })
  const big = await rawBytes(port, `GET /v1/client HTTP/1.1\r\nHost: x\r\nCookie: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(big, /^HTTP\/1\.1 431 /)
  assertClerkError(t, raw(big), 431, 'request_header_fields_too_large', "The request's header section is too large (HPE_HEADER_OVERFLOW).")
})
