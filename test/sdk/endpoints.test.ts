/**
 * What clerk-js and @clerk/backend load besides clients and sessions: the JWKS, the environment,
 * the dev browser; and the fixture keys that shape them (`environment`, `signing_key`).
 */
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { createClerkMock, FixtureError } from '../../src/index.js'
import { mockWith, twoClients, ADA, CLIENT_A, SESS_A } from '../helpers/mock.js'
import { IN_CI, skipWithoutSpec, specAvailable, specValidator } from '../helpers/fapi-spec.js'

const pem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, any>

t.test('JWKS at both paths, the same key as mock.jwks', async (t) => {
  const { mock, call } = mockWith()
  for (const path of ['/.well-known/jwks.json', '/v1/jwks']) {
    const res = await call('GET', path)
    t.equal(res.status, 200, path)
    t.same(res.json, mock.jwks, path)
    t.match(res.json.keys[0], { kty: 'RSA', use: 'sig', alg: 'RS256', kid: /^ins_[0-9A-Za-z]{27}$/, e: 'AQAB' })
  }
})

t.test("@clerk/backend's JWKS request: a Bearer secret key and both API version forms are fine", async (t) => {
  const { mock, call } = mockWith(twoClients(), { strictClients: true })
  const res = await call('GET', '/v1/jwks?__clerk_api_version=2025-04-10', {
    headers: { authorization: 'Bearer sk_test_anything', 'clerk-api-version': '2099-01-01' },
  })
  t.equal(res.status, 200)
  t.same(res.json, mock.jwks)
})

t.test('environment', async (t) => {
  t.test('GET and PATCH (as clerk-js sends it) answer the same, spec-valid environment', { skip: skipWithoutSpec() }, async (t) => {
    const { call } = mockWith()
    const get = await call('GET', '/v1/environment?__clerk_api_version=2026-08-20&_clerk_js_version=6.40.0')
    const patch = await call('POST', '/v1/environment?_method=PATCH&__clerk_api_version=2026-08-20', { body: '', headers: { origin: 'http://localhost:3000' } })
    t.equal(get.status, 200)
    t.equal(patch.status, 200)
    t.same(patch.json, get.json)
    const validate = specValidator('Client.Environment')
    t.ok(validate(get.json), JSON.stringify(validate.errors))
    t.equal(get.json.display_config.instance_environment_type, 'development')
    t.equal(get.json.object, undefined, 'no top-level object/id: Client.Environment forbids them')
  })

  t.test('a fixture deep-merges its `environment` over the default', async (t) => {
    const { call } = mockWith(
      twoClients({ environment: { auth_config: { single_session_mode: true }, display_config: { application_name: 'Acme' }, maintenance_mode: false } }),
    )
    const res = await call('GET', '/v1/environment')
    t.equal(res.json.auth_config.single_session_mode, true)
    t.equal(res.json.auth_config.password, 'required', 'siblings kept')
    t.equal(res.json.display_config.application_name, 'Acme')
    if (specAvailable() || IN_CI) t.ok(specValidator('Client.Environment')(res.json))
  })

  t.test('a fixture environment that is not an object fails at load', async (t) => {
    t.throws(() => createClerkMock({ fixtures: { environment: [1] as any } }), FixtureError)
    t.throws(() => createClerkMock({ fixtures: { environment: 'x' as any } }), { message: /\$\.environment/ })
  })

  t.test('an unknown dev browser is 401 dev_browser_unauthenticated (clerk-js then makes a new one)', async (t) => {
    const { call } = mockWith()
    const res = await call('GET', '/v1/environment?__clerk_db_jwt=dvb_nope')
    t.equal(res.status, 401)
    t.equal(res.json.errors[0].code, 'dev_browser_unauthenticated')
  })
})

t.test('dev browser', async (t) => {
  t.test('POST /v1/dev_browser → a dvb_ id; unbound it is signed out; creating a client binds it', async (t) => {
    const { mock, call } = mockWith()
    const created = await call('POST', '/v1/dev_browser?__clerk_api_version=2026-08-20')
    t.equal(created.status, 200)
    const dvb: string = created.json.id
    t.match(dvb, /^dvb_[0-9A-Za-z]{27}$/)

    const before = await call('GET', `/v1/client?__clerk_db_jwt=${dvb}`)
    t.equal(before.status, 200)
    t.equal(before.json.response, null)
    t.equal((await call('GET', `/v1/environment?__clerk_db_jwt=${dvb}`)).status, 200)

    const client = await call('POST', `/v1/client?_method=PUT&__clerk_db_jwt=${dvb}`, { body: '' })
    t.equal(client.status, 200)
    const clientId: string = client.json.response.id
    const { session } = mock.createSession({ userId: ADA, clientId })

    const after = await call('GET', `/v1/client?__clerk_db_jwt=${dvb}`)
    t.equal(after.json.response.id, clientId)
    t.same(
      after.json.response.sessions.map((s: { id: string }) => s.id),
      [session.id],
    )
    // The dev browser decides, whatever cookie comes along.
    const withCookie = await call('GET', `/v1/client?__clerk_db_jwt=${dvb}`, { headers: { cookie: `__client=${mock.clientToken(CLIENT_A)}` } })
    t.equal(withCookie.json.response.id, clientId)
  })

  t.test('reset forgets dev browsers', async (t) => {
    const { mock, call } = mockWith()
    const dvb = (await call('POST', '/v1/dev_browser')).json.id
    mock.reset()
    t.equal((await call('GET', `/v1/client?__clerk_db_jwt=${dvb}`)).status, 401)
  })
})

t.test('signing key: option or fixture, reproducible across instances', async (t) => {
  const key = pem()
  const a = createClerkMock({ fixtures: twoClients(), signingKey: key })
  const b = createClerkMock({ fixtures: twoClients({ signing_key: key }) })
  const c = createClerkMock({ fixtures: twoClients() })
  t.same(a.jwks, b.jwks)
  t.equal(a.publicKeyPem, b.publicKeyPem)
  t.not(c.jwks.keys[0].kid, a.jwks.keys[0].kid)
  // The option wins over the fixture.
  const d = createClerkMock({ fixtures: twoClients({ signing_key: pem() }), signingKey: key })
  t.same(d.jwks, a.jwks)
  // With a frozen clock, a fixed key makes the very same token.
  const tokenOf = async (mock: typeof a) =>
    (await mock.inject({ method: 'POST', url: `/v1/client/sessions/${SESS_A}/tokens`, headers: { origin: 'http://app.test' } })).json().jwt
  t.equal(await tokenOf(a), await tokenOf(b))
})

t.test('a bad signing_key fails at load, naming the fixture path', async (t) => {
  t.throws(() => createClerkMock({ fixtures: { signing_key: 'not a key' } }), { message: /\$\.signing_key/ })
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  t.throws(() => createClerkMock({ fixtures: { signing_key: small } }), { message: /\$\.signing_key.*RSA-2048/ })
})

t.test('organization claim when an organization is active', async (t) => {
  const { call } = mockWith(twoClients({ organizations: [{ id: 'org_2xAcme', name: 'Acme', members: [{ user_id: ADA, role: 'org:admin' }] }] }))
  const plain = await call('POST', `/v1/client/sessions/${SESS_A}/tokens`)
  t.equal(claimsOf(plain.json.jwt).o, undefined)
  await call('POST', `/v1/client/sessions/${SESS_A}/touch`, { body: 'active_organization_id=org_2xAcme' })
  const withOrg = await call('POST', `/v1/client/sessions/${SESS_A}/tokens`)
  // v2: the role without its org: prefix and the slug (no custom permission, so no per/fpm/fea).
  t.same(claimsOf(withOrg.json.jwt).o, { id: 'org_2xAcme', rol: 'admin', slg: 'acme' })
  // organization_id on the token request selects (or clears) the organization.
  const cleared = await call('POST', `/v1/client/sessions/${SESS_A}/tokens`, { body: 'organization_id=' })
  t.equal(claimsOf(cleared.json.jwt).o, undefined)
})
