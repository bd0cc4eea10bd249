/**
 * Every Frontend API route the app registers, driven into a success and an error through
 * `createClerkMock().inject()`, its body validated against the schema Clerk's OpenAPI file
 * (`fapi_2026-05-12.yml`, outside the package: `../shared/fapi/` or `$CLERK_FAPI_SPEC_DIR`) declares
 * for that path, verb and status. Where the file has no such path, status or body schema, the test
 * says so (a `# spec gap:` comment) and checks the shape the route itself declares (core/wire.ts).
 * A registered route without both a success and an error case fails the test, unless `NOT_IN_SPEC`
 * leaves it out (only routes no path of the file describes may be: the clerk-js and UI bundles).
 * A redirect the file lists without content (the handshake's 307) is checked for its Location and
 * for having no body.
 *
 * Without the file: a skip locally, a failure when `CI` is set.
 *
 * Proof that it bites: in a scratch worktree, with this file and test/helpers/fapi-spec.ts copied
 * in and CLERK_FAPI_SPEC_DIR=/work/shared/fapi, src/core/serialize.ts was mutated one way at a time:
 *  went red —
 *   1. session `expire_at` dropped: the route serialiser refuses the answer, every answer carrying a
 *      session is a 500 (14 failures: "→ 200" status checks)
 *   2. session `last_active_at` an ISO string instead of ms: the serialiser cannot make an integer, 500s (14)
 *   3. `last_active_token` without `object`: 500s (13)
 *   4. `public_user_data.identifier` dropped: 500s (14)
 *   5. an active session's `status` 'signed_in' (outside the enum; the route schema's enum does not
 *      stop the serialiser): the spec check fails, "must be equal to one of the allowed values" (12)
 *   6. `captcha_bypass` dropped from serialize.ts and wire.ts together (the route schema agrees, so
 *      only the spec can tell): `Client.Client-2` "must have required property" (14)
 *   7. `expire_at` an ISO string in serialize.ts and `Type.String()` in wire.ts: "must be integer" (13)
 *   8. `public_user_data` dropped from both files: required by `Client.Session-2` (12)
 *   9. (src/core/environment.ts) a top-level `object: "environment"`: `Client.Environment` forbids
 *      extra properties (2)
 *  stayed green, and rightly: the wire does not change, because the route serialiser (from wire.ts)
 *  writes `const` values itself and coerces scalars —
 *   - session `object` 'Session', email `object` 'email': the answer still says 'session' / 'email_address'
 *   - client `captcha_bypass: 'no'`: serialised as `true`
 * Reverted after each; the worktree removed.
 * Later, in place: the ui bundle route dropped from NOT_IN_SPEC → "NOT COVERED" (1); the handshake
 * added to it → "is in no path of the spec" (and its cases name an unregistered route); the
 * handshake's 307 sent with a JSON body → "has no body" (2). Organizations: an extra property on
 * the organization JSON (wire.ts-style schema and serialiser together) → `Client.Organization`
 * forbids it, in every answer carrying a user with memberships (32).
 * /v1/me (src/http/fapi/me.ts): `client: null` in the answer → `Client.ClientWrappedUser` requires
 * a client object (4: GET twice, PATCH, PATCH /metadata); GET unregistered → "a case names GET
 * /v1/me, which the app does not register" and the coverage check (5); stayed green, rightly: the
 * user answered with `object: 'session'` (the route serialiser writes the `const` 'user' itself).
 */
import t from 'tap'
import { Ajv, type ValidateFunction } from 'ajv'
import { BAPI_PREFIX, buildApp } from '../src/http/app.js'
import { MockCore } from '../src/core/mock-core.js'
import { loadSeed } from '../src/fixtures/load.js'
import type { Fixture } from '../src/fixtures/schema.js'
import { ADA, BOB, CLIENT_A, CLIENT_B, SESS_A, SESS_B, T0, HOUR, DAY, mockWith } from './helpers/mock.js'
import { FapiSpec, SPEC_FILE, fromOpenApi, specAvailable, specDir, specFile, IN_CI } from './helpers/fapi-spec.js'

const SESS_ENDED = 'sess_ended00000000000000000000'
const SESS_OLD = 'sess_old0000000000000000000000'
const SESS_ACTOR = 'sess_actor000000000000000000000'

/** Answers with the nulls, statuses and optional parts a real client has: ended, expired, impersonated, placeholder users. */
const CAROL = 'user_carol0000000000000000000000'
const FIXTURE: Fixture = {
  clock: new Date(T0).toISOString(),
  users: [
    { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', username: 'ada', image_url: 'https://example.com/ada.png', public_metadata: { role: 'admin' }, external_id: 'ext_1' },
    { id: BOB },
    // Sign-in flows: a password, a phone, an authenticator app, backup codes and an SMS second factor.
    { id: CAROL, email_address: 'carol@example.com', password: 'carol-password', phone_number: '+15555550123', totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DP', backup_codes: ['backup-1', 'backup-2'], sms_second_factor: true },
  ],
  clients: [
    {
      id: CLIENT_A,
      sessions: [
        { id: SESS_A, user_id: ADA, last_active_organization_id: 'org_1' },
        { id: SESS_ENDED, user_id: ADA, status: 'ended' },
        { id: SESS_OLD, user_id: ADA, created_at: T0 - 8 * DAY },
        { id: SESS_ACTOR, user_id: ADA, actor: { sub: 'user_admin', iss: 'https://dashboard.clerk.com' }, last_active_at: T0 - HOUR },
      ],
    },
    { id: CLIENT_B, sessions: [{ id: SESS_B, user_id: BOB }] },
  ],
  jwt_templates: [{ name: 'supabase', claims: { role: 'authenticated' }, lifetime: '1h' }],
  // Ada admin of org_1 (with an image and metadata) and member of org_2; Bob an editor of org_1.
  roles: [{ key: 'org:editor', permissions: ['org:posts:edit', 'org:posts:read'] }],
  organizations: [
    { id: 'org_1', name: 'Acme', image_url: 'https://example.com/acme.png', public_metadata: { plan: 'pro' }, members: [{ user_id: ADA, role: 'org:admin' }, { user_id: BOB, role: 'org:editor' }] },
    { id: 'org_2', name: 'Globex', members: [{ user_id: ADA }] },
  ],
}

// ---------------------------------------------------------------------------------------------
// The converter (test/helpers/fapi-spec.ts) means what OpenAPI 3.0 means; no spec file needed.
// ---------------------------------------------------------------------------------------------
t.test('fromOpenApi: OpenAPI 3.0 nullable and keywords', async (t) => {
  const ajv = new Ajv({ strict: false })
  const ok = (schema: object, value: unknown) => ajv.validate(fromOpenApi(schema) as object, value)
  t.ok(ok({ type: 'string', nullable: true }, null), 'nullable string: null')
  t.ok(ok({ type: 'string', nullable: true }, 'x'), 'nullable string: a string')
  t.notOk(ok({ type: 'string', nullable: true }, 1), 'nullable string: not a number')
  t.notOk(ok({ type: 'string' }, null), 'typed, not nullable: null refused')
  t.notOk(ok({ type: 'string', nullable: false }, null), 'nullable: false: null refused')
  t.ok(ok({}, null), 'untyped: null allowed, as in JSON Schema')
  t.ok(ok({ type: 'string', nullable: true, enum: ['a'] }, null), 'nullable enum without null: null (Clerk relies on it)')
  t.notOk(ok({ type: 'string', nullable: true, enum: ['a'] }, 'b'), 'nullable enum: other strings still refused')
  const inner = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }
  t.ok(ok({ type: 'object', nullable: true, allOf: [inner] }, null), 'nullable + allOf: null')
  t.notOk(ok({ type: 'object', nullable: true, allOf: [inner] }, {}), 'nullable + allOf: the referenced schema still applies')
  t.ok(ok({ nullable: true, allOf: [inner] }, null), 'untyped nullable + allOf: null')
  t.ok(ok({ type: 'object', nullable: true, oneOf: [inner, { type: 'object', required: ['b'] }] }, null), 'nullable + oneOf: null')
  t.notOk(ok({ type: 'object', allOf: [inner] }, null), 'allOf, not nullable: null refused')
  const withKeywordNames = { type: 'object', properties: { nullable: { type: 'string' }, deprecated: { type: 'boolean' }, example: { type: 'integer' } }, required: ['deprecated'] }
  t.notOk(ok(withKeywordNames, { deprecated: 'yes' }), 'a property named like an OpenAPI keyword stays a property')
  t.notOk(ok(withKeywordNames, {}), '… and stays required')
  t.ok(ok({ type: 'string', example: 5, deprecated: true, enum: ['nullable'] }, 'nullable'), 'annotations dropped, enum data untouched')
})

const CI = IN_CI

if (!specAvailable()) {
  const why =
    `Clerk's OpenAPI file ${specFile()} is absent, so no answer can be checked against it ` +
    `(put ${SPEC_FILE} in ../shared/fapi next to the repository, or set CLERK_FAPI_SPEC_DIR to its folder)`
  if (CI) {
    t.test('conformance against the FAPI OpenAPI file', async (t) => {
      t.fail(`CI is set and ${why}`)
    })
  } else {
    t.test('conformance against the FAPI OpenAPI file', { skip: why }, async () => {})
  }
} else {
  conformance(new FapiSpec(specFile()))
}

// ---------------------------------------------------------------------------------------------

/**
 * Frontend API routes Clerk's OpenAPI file does not describe, with the tests that check them
 * instead. Checked against the file below: an entry naming a route the app no longer registers, or
 * one the file gains a path for, fails, so only routes outside the spec are ever left out.
 */
const NOT_IN_SPEC: Record<string, string> = {
  // Clerk's FAPI serves its scripts from /npm (REFERENCE §11); the file documents the JSON API only.
  'GET /npm/@clerk/clerk-js@:spec/dist/*': 'clerk-js bundle files (test/scripts.test.ts)',
  'GET /npm/@clerk/ui@:spec/dist/*': "the prebuilt UI's bundle files (test/scripts.test.ts)",
}

/** A route's path up to its first parameter or wildcard: what a spec path describing it would begin with. */
const fixedPart = (url: string) => url.split(/[:*]/)[0]

interface Registered {
  key: string
  method: string
  url: string
  pattern: RegExp
  response: Record<string, unknown>
}

/** The app's routes as Fastify registers them (before `ready()`), one per verb; control routes, CORS preflight and HEAD twins left out. */
async function registeredRoutes(): Promise<{ routes: Map<string, Registered>; excluded: string[] }> {
  const app = buildApp(new MockCore(loadSeed(FIXTURE)), { strictClients: false, logger: false })
  const all: { method: string; url: string; response: Record<string, unknown> }[] = []
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) {
      all.push({ method, url: route.url, response: ((route.schema as { response?: Record<string, unknown> } | undefined)?.response ?? {}) })
    }
  })
  await app.ready()
  await app.close()
  const routes = new Map<string, Registered>()
  const excluded: string[] = []
  for (const r of all) {
    const key = `${r.method} ${r.url}`
    if (r.url.startsWith('/__mock')) excluded.push(`${key} (control API)`)
    else if (r.url.startsWith(`${BAPI_PREFIX}/`)) excluded.push(`${key} (Backend API, checked against its own spec in test/bapi/conformance.test.ts)`)
    else if (r.method === 'OPTIONS' && r.url === '*') excluded.push(`${key} (@fastify/cors preflight, no body)`)
    else if (r.method === 'HEAD' && all.some((o) => o.method === 'GET' && o.url === r.url)) excluded.push(`${key} (Fastify's HEAD twin of GET, no body)`)
    else if (key in NOT_IN_SPEC) excluded.push(`${key} (not in the spec: ${NOT_IN_SPEC[key]})`)
    else {
      const pattern = new RegExp(`^${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`)
      routes.set(key, { key, method: r.method, url: r.url, pattern, response: r.response })
    }
  }
  return { routes, excluded }
}

type Mock = ReturnType<typeof mockWith>['mock']
type Call = ReturnType<typeof mockWith>['call']
interface Request {
  method?: string
  url: string
  body?: string | object
  headers?: Record<string, string>
}
interface Case {
  /** The registered route, `VERB /fastify/:pattern`. */
  route: string
  what: string
  status: number
  /** Run after `reset()`, before the request: earlier calls, faults, created sessions. Returns the request. */
  request: Request | ((mock: Mock, call: Call) => Request | Promise<Request>)
}

/** The organization routes: Ada (client A) is org_1's admin and org_2's member, Bob (client B) org_1's editor. */
function orgCases(A: () => Record<string, string>, B: () => Record<string, string>): Case[] {
  const me = (path: string, sid = SESS_A) => `${path}${path.includes('?') ? '&' : '?'}_clerk_session_id=${sid}`
  const O = '/v1/organizations'
  return [
    { route: 'GET /v1/me/organization_memberships', what: "Ada's memberships, a page (clerk-js: paginated=true)", status: 200, request: () => ({ url: me('/v1/me/organization_memberships?paginated=true&limit=10&offset=0'), headers: A() }) },
    { route: 'GET /v1/me/organization_memberships', what: 'the legacy bare array', status: 200, request: () => ({ url: me('/v1/me/organization_memberships'), headers: A() }) },
    { route: 'GET /v1/me/organization_memberships', what: 'nobody signed in', status: 401, request: { url: '/v1/me/organization_memberships?paginated=true' } },
    { route: 'GET /v1/me/organization_memberships', what: 'a limit out of range', status: 422, request: () => ({ url: me('/v1/me/organization_memberships?paginated=true&limit=0'), headers: A() }) },
    { route: 'DELETE /v1/me/organization_memberships/:organization_id', what: 'Ada leaves org_2 (POST ?_method=DELETE)', status: 200, request: () => ({ method: 'POST', url: me('/v1/me/organization_memberships/org_2?_method=DELETE'), headers: A() }) },
    { route: 'DELETE /v1/me/organization_memberships/:organization_id', what: 'Bob leaves org_2, which he is not in', status: 404, request: () => ({ method: 'DELETE', url: me('/v1/me/organization_memberships/org_2', SESS_B), headers: B() }) },
    { route: 'GET /v1/me/organization_invitations', what: 'pending invitations (none)', status: 200, request: () => ({ url: me('/v1/me/organization_invitations?status=pending&limit=10&offset=0'), headers: A() }) },
    { route: 'GET /v1/me/organization_invitations', what: 'nobody signed in', status: 401, request: { url: '/v1/me/organization_invitations' } },
    { route: 'GET /v1/me/organization_suggestions', what: 'suggestions (none)', status: 200, request: () => ({ url: me('/v1/me/organization_suggestions?status=pending'), headers: A() }) },
    { route: 'GET /v1/me/organization_suggestions', what: 'nobody signed in', status: 401, request: { url: '/v1/me/organization_suggestions' } },
    { route: 'POST /v1/organizations', what: 'Ada creates one (a form, as clerk-js sends it)', status: 200, request: () => ({ method: 'POST', url: me(O), body: 'name=Initech&slug=initech', headers: A() }) },
    { route: 'POST /v1/organizations', what: 'a slug already taken', status: 422, request: () => ({ method: 'POST', url: me(O), body: 'name=Acme+again&slug=acme', headers: A() }) },
    { route: 'GET /v1/organizations/:organization_id', what: 'an organization Ada is in', status: 200, request: () => ({ url: me(`${O}/org_1`), headers: A() }) },
    { route: 'GET /v1/organizations/:organization_id', what: 'one Bob is not in', status: 404, request: () => ({ url: me(`${O}/org_2`, SESS_B), headers: B() }) },
    { route: 'PATCH /v1/organizations/:organization_id', what: 'the admin renames it', status: 200, request: () => ({ method: 'POST', url: me(`${O}/org_1?_method=PATCH`), body: 'name=Acme+Corp', headers: A() }) },
    { route: 'PATCH /v1/organizations/:organization_id', what: 'an editor may not', status: 403, request: () => ({ method: 'PATCH', url: me(`${O}/org_1`, SESS_B), body: 'name=Mine', headers: B() }) },
    { route: 'DELETE /v1/organizations/:organization_id', what: 'the admin deletes org_1', status: 200, request: () => ({ method: 'DELETE', url: me(`${O}/org_1`), headers: A() }) },
    { route: 'DELETE /v1/organizations/:organization_id', what: 'a member may not (org_2)', status: 403, request: () => ({ method: 'DELETE', url: me(`${O}/org_2`), headers: A() }) },
    { route: 'GET /v1/organizations/:organization_id/memberships', what: 'the members, a page', status: 200, request: () => ({ url: me(`${O}/org_1/memberships?paginated=true&limit=10&offset=0`), headers: A() }) },
    { route: 'GET /v1/organizations/:organization_id/memberships', what: 'an organization Bob is not in', status: 404, request: () => ({ url: me(`${O}/org_2/memberships?paginated=true`, SESS_B), headers: B() }) },
    { route: 'POST /v1/organizations/:organization_id/memberships', what: 'the admin adds Bob to a new organization', status: 200, request: async (_m, c) => ({ method: 'POST', url: me(`${O}/${(await c('POST', me(O), { body: 'name=Hooli', headers: A() })).json.response.id}/memberships`), body: `user_id=${BOB}&role=org:member`, headers: A() }) },
    { route: 'POST /v1/organizations/:organization_id/memberships', what: 'someone already a member', status: 400, request: () => ({ method: 'POST', url: me(`${O}/org_1/memberships`), body: `user_id=${BOB}&role=org:member`, headers: A() }) },
    { route: 'PATCH /v1/organizations/:organization_id/memberships/:user_id', what: "the admin changes Bob's role", status: 200, request: () => ({ method: 'PATCH', url: me(`${O}/org_1/memberships/${BOB}`), body: 'role=org:member', headers: A() }) },
    { route: 'PATCH /v1/organizations/:organization_id/memberships/:user_id', what: 'the last admin demotes herself', status: 400, request: () => ({ method: 'PATCH', url: me(`${O}/org_1/memberships/${ADA}`), body: 'role=org:member', headers: A() }) },
    { route: 'DELETE /v1/organizations/:organization_id/memberships/:user_id', what: 'the admin removes Bob', status: 200, request: () => ({ method: 'DELETE', url: me(`${O}/org_1/memberships/${BOB}`), headers: A() }) },
    { route: 'DELETE /v1/organizations/:organization_id/memberships/:user_id', what: 'an editor may not remove the admin', status: 403, request: () => ({ method: 'DELETE', url: me(`${O}/org_1/memberships/${ADA}`, SESS_B), headers: B() }) },
    { route: 'GET /v1/organizations/:organization_id/roles', what: 'the roles and their permissions', status: 200, request: () => ({ url: me(`${O}/org_1/roles?limit=20&offset=0`), headers: A() }) },
    { route: 'GET /v1/organizations/:organization_id/roles', what: 'an organization Bob is not in', status: 404, request: () => ({ url: me(`${O}/org_2/roles`, SESS_B), headers: B() }) },
    ...(['invitations', 'membership_requests', 'domains'] as const).flatMap((what): Case[] => [
      { route: `GET /v1/organizations/:organization_id/${what}`, what: `${what} (none)`, status: 200, request: () => ({ url: me(`${O}/org_1/${what}?status=pending&limit=10&offset=0`), headers: A() }) },
      { route: `GET /v1/organizations/:organization_id/${what}`, what: 'an organization Bob is not in', status: 404, request: () => ({ url: me(`${O}/org_2/${what}`, SESS_B), headers: B() }) },
    ]),
  ]
}

function conformance(spec: FapiSpec): void {
  t.test(`every Frontend API route answers in the shape ${SPEC_FILE} declares (OpenAPI ${spec.version}, from ${specDir()})`, async (t) => {
    const { routes, excluded } = await registeredRoutes()
    for (const [key, why] of Object.entries(NOT_IN_SPEC)) {
      t.ok(excluded.some((e) => e.startsWith(`${key} (`)), `${key}, left out as not in the spec, is a route the app registers`)
      const url = key.slice(key.indexOf(' ') + 1)
      const described = Object.keys(spec.doc.paths).filter((p) => p.startsWith(fixedPart(url)))
      t.same(described, [], `${key} (${why}) is in no path of the spec, so it needs no case`)
    }
    const { mock, call } = mockWith(FIXTURE)
    const ticketFor = async (c: Call, userId: string) =>
      (await c('POST', '/bapi/v1/sign_in_tokens', { body: { user_id: userId }, headers: { authorization: 'Bearer sk_test_conformance' } })).json.token as string
    /** A handshake URL as @clerk/backend builds it. */
    const handshake = (params: Record<string, string> = {}) =>
      `/v1/client/handshake?${new URLSearchParams({ redirect_url: 'http://localhost:3000/protected', __clerk_api_version: '2025-11-10', suffixed_cookies: 'false', __clerk_hs_reason: 'dev-browser-missing', ...params })}`
    const cookieOf = (clientId: string) => ({ cookie: `__client=${mock.clientToken(clientId)}` })
    const signInId = async (c: Call, body: string) => (await c('POST', '/v1/client/sign_ins', { body })).json.response.id as string
    const signUpId = async (c: Call) => (await c('POST', '/v1/client/sign_ups', { body: 'email_address=new%40example.com&password=long-enough' })).json.response.id as string
    const CAROL_PASSWORD = 'strategy=password&identifier=carol%40example.com&password=carol-password'
    const A = () => cookieOf(CLIENT_A)
    const S = '/v1/client/sessions'

    const cases: Case[] = [
      // /v1/client
      { route: 'GET /v1/client', what: 'the cookie\'s client, sessions in every status', status: 200, request: () => ({ url: '/v1/client', headers: A() }) },
      { route: 'GET /v1/client', what: 'no credential: response null', status: 200, request: { url: '/v1/client' } },
      { route: 'GET /v1/client', what: 'native client (Authorization)', status: 200, request: (m) => ({ url: '/v1/client?_is_native=1', headers: { authorization: m.clientToken(CLIENT_B) } }) },
      { route: 'GET /v1/client', what: 'a native token the mock never issued', status: 401, request: { url: '/v1/client?_is_native=1', headers: { authorization: 'Bearer not-a-token' } } },
      { route: 'GET /v1/client', what: 'an unknown dev browser', status: 401, request: { url: '/v1/client?__clerk_db_jwt=dvb_unknown' } },
      { route: 'GET /v1/client', what: 'API version in the query and a header', status: 400, request: { url: '/v1/client?__clerk_api_version=2025-11-10', headers: { 'clerk-api-version': '2025-11-10' } } },
      { route: 'PUT /v1/client', what: 'a new client', status: 200, request: { method: 'PUT', url: '/v1/client' } },
      { route: 'PUT /v1/client', what: 'an unknown form field', status: 422, request: { method: 'PUT', url: '/v1/client', body: 'nope=1' } },
      { route: 'POST /v1/client', what: 'a new client for a dev browser', status: 200, request: async (_m, c) => ({ url: `/v1/client?__clerk_db_jwt=${(await c('POST', '/v1/dev_browser')).json.id}`, method: 'POST' }) },
      { route: 'POST /v1/client', what: 'an unknown dev browser', status: 401, request: { method: 'POST', url: '/v1/client?__clerk_db_jwt=dvb_unknown' } },
      { route: 'DELETE /v1/client', what: 'the client destroyed, sessions ended (clerk-js: POST ?_method=DELETE)', status: 200, request: () => ({ method: 'POST', url: '/v1/client?_method=DELETE', headers: A() }) },
      { route: 'DELETE /v1/client', what: 'no client', status: 404, request: { method: 'DELETE', url: '/v1/client' } },
      { route: 'DELETE /v1/client/sessions', what: 'every session signed out', status: 200, request: () => ({ method: 'DELETE', url: S, headers: A() }) },
      { route: 'DELETE /v1/client/sessions', what: 'no client', status: 404, request: { method: 'DELETE', url: S } },
      // one session
      { route: 'GET /v1/client/sessions/:id', what: 'an active session with an organization', status: 200, request: () => ({ url: `${S}/${SESS_A}`, headers: A() }) },
      { route: 'GET /v1/client/sessions/:id', what: 'an impersonated session (actor)', status: 200, request: { url: `${S}/${SESS_ACTOR}` } },
      { route: 'GET /v1/client/sessions/:id', what: 'an expired session', status: 200, request: { url: `${S}/${SESS_OLD}` } },
      { route: 'GET /v1/client/sessions/:id', what: 'a placeholder user (no email, no image)', status: 200, request: { url: `${S}/${SESS_B}` } },
      { route: 'GET /v1/client/sessions/:id', what: 'an unknown session', status: 404, request: { url: `${S}/sess_unknown` } },
      { route: 'GET /v1/client/sessions/:id', what: "another client's session", status: 404, request: () => ({ url: `${S}/${SESS_B}`, headers: A() }) },
      { route: 'POST /v1/client/sessions/:id/touch', what: 'select an organization', status: 200, request: () => ({ method: 'POST', url: `${S}/${SESS_A}/touch`, body: 'intent=select_org&active_organization_id=org_2', headers: A() }) },
      { route: 'POST /v1/client/sessions/:id/touch', what: 'an unknown intent', status: 422, request: { method: 'POST', url: `${S}/${SESS_A}/touch`, body: 'intent=nope' } },
      { route: 'POST /v1/client/sessions/:id/touch', what: 'an ended session', status: 400, request: { method: 'POST', url: `${S}/${SESS_ENDED}/touch` } },
      { route: 'POST /v1/client/sessions/:id/end', what: 'end', status: 200, request: { method: 'POST', url: `${S}/${SESS_A}/end` } },
      { route: 'POST /v1/client/sessions/:id/end', what: 'end an ended session', status: 400, request: { method: 'POST', url: `${S}/${SESS_ENDED}/end` } },
      { route: 'POST /v1/client/sessions/:id/remove', what: 'remove (JSON body)', status: 200, request: { method: 'POST', url: `${S}/${SESS_A}/remove`, body: {} } },
      { route: 'POST /v1/client/sessions/:id/remove', what: 'remove a removed session', status: 404, request: async (_m, c) => (await c('POST', `${S}/${SESS_A}/remove`), { method: 'POST', url: `${S}/${SESS_A}/remove` }) },
      { route: 'POST /v1/client/sessions/:id/tokens', what: 'a session token', status: 200, request: () => ({ method: 'POST', url: `${S}/${SESS_A}/tokens`, body: 'organization_id=org_1', headers: { ...A(), origin: 'http://localhost:3000' } }) },
      { route: 'POST /v1/client/sessions/:id/tokens', what: 'an ended session', status: 401, request: { method: 'POST', url: `${S}/${SESS_ENDED}/tokens` } },
      { route: 'POST /v1/client/sessions/:id/tokens', what: 'an unknown session', status: 404, request: { method: 'POST', url: `${S}/sess_unknown/tokens` } },
      { route: 'POST /v1/client/sessions/:id/tokens/:template', what: 'a JWT template', status: 200, request: { method: 'POST', url: `${S}/${SESS_A}/tokens/supabase` } },
      { route: 'POST /v1/client/sessions/:id/tokens/:template', what: 'an unknown template', status: 404, request: { method: 'POST', url: `${S}/${SESS_A}/tokens/nope` } },
      // the signed-in user's sessions
      { route: 'GET /v1/me/sessions', what: "Ada's sessions", status: 200, request: () => ({ url: `/v1/me/sessions?_clerk_session_id=${SESS_A}`, headers: A() }) },
      { route: 'GET /v1/me/sessions', what: 'nobody signed in', status: 401, request: { url: '/v1/me/sessions' } },
      { route: 'GET /v1/me/sessions/active', what: "Ada's signed-in sessions", status: 200, request: () => ({ url: `/v1/me/sessions/active?_clerk_session_id=${SESS_A}`, headers: A() }) },
      { route: 'GET /v1/me/sessions/active', what: 'nobody signed in', status: 401, request: { url: '/v1/me/sessions/active' } },
      {
        route: 'POST /v1/me/sessions/:id/revoke',
        what: "Ada revokes her other device's session",
        status: 200,
        request: (m) => ({ method: 'POST', url: `/v1/me/sessions/${m.createSession({ userId: ADA, clientId: CLIENT_B }).session.id}/revoke?_clerk_session_id=${SESS_A}`, headers: cookieOf(CLIENT_A) }),
      },
      { route: 'POST /v1/me/sessions/:id/revoke', what: 'an unknown session', status: 404, request: () => ({ method: 'POST', url: `/v1/me/sessions/sess_unknown/revoke?_clerk_session_id=${SESS_A}`, headers: A() }) },
      // the signed-in user (clerk-js: user.reload(), user.update(), user.updateMetadata())
      { route: 'GET /v1/me', what: "Ada, by her client's last active session", status: 200, request: () => ({ url: '/v1/me?_clerk_js_version=6.40.0', headers: A() }) },
      { route: 'GET /v1/me', what: 'a placeholder user named by _clerk_session_id', status: 200, request: () => ({ url: `/v1/me?_clerk_session_id=${SESS_B}`, headers: cookieOf(CLIENT_B) }) },
      { route: 'GET /v1/me', what: 'nobody signed in', status: 401, request: { url: '/v1/me' } },
      { route: 'GET /v1/me', what: 'an ended session named', status: 401, request: () => ({ url: `/v1/me?_clerk_session_id=${SESS_ENDED}`, headers: A() }) },
      { route: 'PATCH /v1/me', what: 'new names (a form, POST ?_method=PATCH)', status: 200, request: () => ({ method: 'POST', url: `/v1/me?_method=PATCH&_clerk_session_id=${SESS_A}`, body: 'first_name=Augusta&last_name=King', headers: A() }) },
      { route: 'PATCH /v1/me', what: 'unsafe_metadata (not taken here as of 2026-05-12)', status: 422, request: () => ({ method: 'PATCH', url: `/v1/me?_clerk_session_id=${SESS_A}`, body: 'unsafe_metadata=%7B%7D', headers: A() }) },
      { route: 'PATCH /v1/me', what: 'nobody signed in', status: 401, request: { method: 'PATCH', url: '/v1/me', body: 'first_name=X' } },
      { route: 'PATCH /v1/me/metadata', what: 'a deep merge', status: 200, request: () => ({ method: 'PATCH', url: `/v1/me/metadata?_clerk_session_id=${SESS_A}`, body: `unsafe_metadata=${encodeURIComponent('{"theme":"dark"}')}`, headers: A() }) },
      { route: 'PATCH /v1/me/metadata', what: 'not JSON', status: 422, request: () => ({ method: 'PATCH', url: `/v1/me/metadata?_clerk_session_id=${SESS_A}`, body: 'unsafe_metadata=nope', headers: A() }) },
      // instance
      { route: 'GET /v1/environment', what: 'the environment', status: 200, request: { url: '/v1/environment?__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0' } },
      { route: 'GET /v1/environment', what: 'an unknown dev browser', status: 401, request: { url: '/v1/environment?__clerk_db_jwt=dvb_unknown' } },
      { route: 'PATCH /v1/environment', what: 'as clerk-js sends it (POST ?_method=PATCH)', status: 200, request: { method: 'POST', url: '/v1/environment?_method=PATCH', body: '', headers: { origin: 'http://localhost:3000' } } },
      { route: 'PATCH /v1/environment', what: 'an unknown dev browser', status: 401, request: { method: 'PATCH', url: '/v1/environment?__clerk_db_jwt=dvb_unknown' } },
      { route: 'POST /v1/dev_browser', what: 'a dev browser', status: 200, request: { method: 'POST', url: '/v1/dev_browser' } },
      { route: 'POST /v1/dev_browser', what: 'a text/plain body', status: 415, request: { method: 'POST', url: '/v1/dev_browser', body: 'x', headers: { 'content-type': 'text/plain' } } },
      { route: 'POST /v1/dev_browser', what: 'API version in the query and a header', status: 400, request: { method: 'POST', url: '/v1/dev_browser?__clerk_api_version=2025-11-10', headers: { 'clerk-api-version': '2025-11-10' } } },
      { route: 'GET /.well-known/jwks.json', what: 'the instance key', status: 200, request: { url: '/.well-known/jwks.json' } },
      { route: 'GET /.well-known/jwks.json', what: 'an injected 500 (no real error exists)', status: 500, request: (m) => (m.fail({ method: 'GET', path: '/.well-known/jwks.json', status: 500, times: 1 }), { url: '/.well-known/jwks.json' }) },
      { route: 'GET /v1/jwks', what: "@clerk/backend's request", status: 200, request: { url: '/v1/jwks?__clerk_api_version=2025-11-10', headers: { authorization: 'Bearer sk_test_x', 'clerk-api-version': '2025-11-10' } } },
      { route: 'GET /v1/jwks', what: 'an injected 503 (no real error exists)', status: 503, request: (m) => (m.fail({ method: 'GET', path: '/v1/jwks', status: 503, times: 1 }), { url: '/v1/jwks' }) },
      // sign-ins
      { route: 'POST /v1/client/sign_ins', what: 'a ticket (clerk-js: strategy, ticket, locale, timezone)', status: 200, request: async (_m, c) => ({ method: 'POST', url: '/v1/client/sign_ins', body: `strategy=ticket&ticket=${await ticketFor(c, ADA)}&locale=en-US&timezone=UTC` }) },
      { route: 'POST /v1/client/sign_ins', what: 'an unknown ticket', status: 400, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'strategy=ticket&ticket=nope' } },
      { route: 'POST /v1/client/sign_ins', what: 'a strategy the mock does not model', status: 422, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'strategy=oauth_google&identifier=ada%40example.com' } },
      { route: 'POST /v1/client/sign_ins', what: 'an identifier alone: needs_first_factor', status: 200, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'identifier=carol%40example.com&locale=en-US' } },
      { route: 'POST /v1/client/sign_ins', what: 'identifier + password: needs_second_factor', status: 200, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'strategy=password&identifier=carol%40example.com&password=carol-password' } },
      { route: 'POST /v1/client/sign_ins', what: 'an email code sent on create', status: 200, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'strategy=email_code&identifier=ada%40example.com' } },
      { route: 'POST /v1/client/sign_ins', what: 'an unknown identifier', status: 422, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'identifier=nobody%40example.com' } },
      { route: 'POST /v1/client/sign_ins', what: 'a wrong password', status: 422, request: { method: 'POST', url: '/v1/client/sign_ins', body: 'strategy=password&identifier=carol%40example.com&password=wrong' } },
      { route: 'POST /v1/client/sign_ins/:id/prepare_first_factor', what: 'an email code', status: 200, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, 'identifier=ada%40example.com')}/prepare_first_factor`, body: 'strategy=email_code' }) },
      { route: 'POST /v1/client/sign_ins/:id/prepare_first_factor', what: 'a phone code for a user without a phone', status: 400, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, 'identifier=ada%40example.com')}/prepare_first_factor`, body: 'strategy=phone_code' }) },
      { route: 'POST /v1/client/sign_ins/:id/attempt_first_factor', what: 'the email code: complete', status: 200, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, 'strategy=email_code&identifier=ada%40example.com')}/attempt_first_factor`, body: 'strategy=email_code&code=424242' }) },
      { route: 'POST /v1/client/sign_ins/:id/attempt_first_factor', what: 'a wrong code', status: 422, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, 'strategy=email_code&identifier=ada%40example.com')}/attempt_first_factor`, body: 'strategy=email_code&code=000000' }) },
      { route: 'POST /v1/client/sign_ins/:id/prepare_second_factor', what: 'an SMS code', status: 200, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, CAROL_PASSWORD)}/prepare_second_factor`, body: 'strategy=phone_code' }) },
      { route: 'POST /v1/client/sign_ins/:id/prepare_second_factor', what: 'before the first factor', status: 400, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, 'identifier=carol%40example.com')}/prepare_second_factor`, body: 'strategy=phone_code' }) },
      { route: 'POST /v1/client/sign_ins/:id/attempt_second_factor', what: 'a backup code: complete', status: 200, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, CAROL_PASSWORD)}/attempt_second_factor`, body: 'strategy=backup_code&code=backup-1' }) },
      { route: 'POST /v1/client/sign_ins/:id/attempt_second_factor', what: 'a wrong TOTP', status: 422, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, CAROL_PASSWORD)}/attempt_second_factor`, body: 'strategy=totp&code=000000' }) },
      {
        route: 'POST /v1/client/sign_ins/:id/reset_password',
        what: 'a new password after the reset code',
        status: 200,
        request: async (_m, c) => {
          const id = await signInId(c, 'strategy=reset_password_email_code&identifier=carol%40example.com')
          await c('POST', `/v1/client/sign_ins/${id}/attempt_first_factor`, { body: 'strategy=reset_password_email_code&code=424242' })
          return { method: 'POST', url: `/v1/client/sign_ins/${id}/reset_password`, body: 'password=new-carol-password&sign_out_of_other_sessions=true' }
        },
      },
      { route: 'POST /v1/client/sign_ins/:id/reset_password', what: 'without a reset code', status: 400, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ins/${await signInId(c, 'identifier=carol%40example.com')}/reset_password`, body: 'password=new-carol-password' }) },
      // sign-ups
      { route: 'POST /v1/client/sign_ups', what: 'email + password: missing_requirements, email unverified', status: 200, request: { method: 'POST', url: '/v1/client/sign_ups', body: 'email_address=new%40example.com&password=long-enough&first_name=New&locale=en-US' } },
      { route: 'POST /v1/client/sign_ups', what: 'a taken email address', status: 422, request: { method: 'POST', url: '/v1/client/sign_ups', body: 'email_address=ada%40example.com&password=long-enough' } },
      { route: 'GET /v1/client/sign_ups/:id', what: 'the attempt', status: 200, request: async (_m, c) => ({ url: `/v1/client/sign_ups/${await signUpId(c)}` }) },
      { route: 'GET /v1/client/sign_ups/:id', what: 'an unknown attempt', status: 404, request: { url: '/v1/client/sign_ups/sua_unknown' } },
      { route: 'PATCH /v1/client/sign_ups/:id', what: 'a last name', status: 200, request: async (_m, c) => ({ method: 'PATCH', url: `/v1/client/sign_ups/${await signUpId(c)}`, body: 'last_name=Person' }) },
      { route: 'PATCH /v1/client/sign_ups/:id', what: 'a password too short', status: 422, request: async (_m, c) => ({ method: 'PATCH', url: `/v1/client/sign_ups/${await signUpId(c)}`, body: 'password=short' }) },
      { route: 'POST /v1/client/sign_ups/:id/prepare_verification', what: 'an email code', status: 200, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ups/${await signUpId(c)}/prepare_verification`, body: 'strategy=email_code' }) },
      { route: 'POST /v1/client/sign_ups/:id/prepare_verification', what: 'an unknown strategy', status: 422, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ups/${await signUpId(c)}/prepare_verification`, body: 'strategy=email_link' }) },
      {
        route: 'POST /v1/client/sign_ups/:id/attempt_verification',
        what: 'the email code: complete',
        status: 200,
        request: async (_m, c) => {
          const id = await signUpId(c)
          await c('POST', `/v1/client/sign_ups/${id}/prepare_verification`, { body: 'strategy=email_code' })
          return { method: 'POST', url: `/v1/client/sign_ups/${id}/attempt_verification`, body: 'strategy=email_code&code=424242' }
        },
      },
      { route: 'POST /v1/client/sign_ups/:id/attempt_verification', what: 'a wrong code', status: 422, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ups/${await signUpId(c)}/attempt_verification`, body: 'strategy=email_code&code=000000' }) },
      { route: 'POST /v1/client/sign_ups/:id/attempt_verification', what: 'a phone code for a sign-up without a phone number', status: 422, request: async (_m, c) => ({ method: 'POST', url: `/v1/client/sign_ups/${await signUpId(c)}/attempt_verification`, body: 'strategy=phone_code&code=424242' }) },
      { route: 'GET /v1/client/sign_ins/:id', what: 'the attempt a ticket completed', status: 200, request: async (_m, c) => ({ url: `/v1/client/sign_ins/${(await c('POST', '/v1/client/sign_ins', { body: `strategy=ticket&ticket=${await ticketFor(c, ADA)}` })).json.response.id}` }) },
      { route: 'GET /v1/client/sign_ins/:id', what: 'an unknown attempt', status: 404, request: { url: '/v1/client/sign_ins/sia_unknown' } },
      // organizations (clerk-js: useOrganization, useOrganizationList, <OrganizationSwitcher/>, <OrganizationProfile/>)
      ...orgCases(A, () => cookieOf(CLIENT_B)),
      // the handshake (@clerk/backend sends the browser here; the answer is a redirect without a body)
      { route: 'GET /v1/client/handshake', what: 'a new browser, signed out', status: 307, request: { url: handshake() } },
      { route: 'GET /v1/client/handshake', what: 'a signed-in client (its __client cookie), the nonce form', status: 307, request: () => ({ url: handshake({ format: 'nonce' }), headers: A() }) },
      { route: 'GET /v1/client/handshake', what: 'no redirect_url', status: 400, request: { url: '/v1/client/handshake?format=nonce' } },
      { route: 'GET /v1/client/handshake', what: 'a redirect_url on a foreign origin', status: 400, request: { url: handshake({ redirect_url: 'https://evil.example/' }) } },
    ]

    // The validators are not vacuous: a session without its required fields is refused.
    const sessionShape = spec.response('/v1/client/sessions/:id', 'GET', 200)
    t.ok(sessionShape.found, 'the spec declares GET /v1/client/sessions/{session_id} 200')
    if (sessionShape.found) t.notOk(sessionShape.validate({ response: { id: SESS_A, object: 'session' }, client: null }), `a broken body fails ${sessionShape.where}`)

    const projectAjv = new Ajv({ strict: false, allErrors: true })
    const projectValidators = new Map<unknown, ValidateFunction>()
    const projectSchema = (route: Registered, status: number): { where: string; validate: ValidateFunction } | null => {
      const key = [String(status), `${String(status)[0]}xx`, `${String(status)[0]}XX`, 'default'].find((k) => k in route.response)
      if (key === undefined) return null
      const schema = route.response[key]
      let validate = projectValidators.get(schema)
      if (!validate) projectValidators.set(schema, (validate = projectAjv.compile(schema as object)))
      return { where: `the route's own ${key} schema`, validate }
    }

    const seen = new Map<string, { ok: string[]; error: string[]; checkedBy: Set<string> }>()
    const gaps = new Set<string>()
    const loose = new Set<string>()
    for (const c of cases) {
      const route = routes.get(c.route)
      if (!route) {
        t.fail(`a case names ${c.route}, which the app does not register`)
        continue
      }
      mock.reset()
      const req = typeof c.request === 'function' ? await c.request(mock, call) : c.request
      const method = req.method ?? route.method
      const url = new URL(req.url, 'http://mock')
      const effective = method === 'POST' ? (url.searchParams.get('_method')?.toUpperCase() ?? 'POST') : method
      const label = `${c.route}: ${c.what} (${method} ${req.url.length > 90 ? req.url.slice(0, 90) + '…' : req.url})`
      // The request reaches this route, not another one or the unknown-route 404.
      t.ok(effective === route.method && route.pattern.test(url.pathname), `${label} is routed to ${c.route}`)
      const res = await call(method, req.url, { body: req.body, headers: req.headers })
      t.equal(res.status, c.status, `${label} → ${c.status}`, { body: res.json })
      if (res.status >= 500 && c.status < 500) continue

      const declared = spec.response(route.url, route.method, res.status)
      const entry = seen.get(c.route) ?? { ok: [], error: [], checkedBy: new Set<string>() }
      seen.set(c.route, entry)
      // A redirect the spec lists without content (the handshake's 307): the answer is the Location, and no body.
      if (!declared.found && declared.bodyless && res.status >= 300 && res.status < 400) {
        t.match(res.headers.location, /^https?:\/\//, `${label} → ${res.status} redirects (${declared.bodyless.where}) to an absolute URL`)
        t.equal(res.raw.body, '', `${label} → ${res.status} has no body, as ${declared.bodyless.where} declares none`)
        entry.ok.push(String(res.status))
        entry.checkedBy.add('spec (a redirect, no body)')
        continue
      }
      let check: { where: string; validate: ValidateFunction } | null
      if (declared.found) check = declared
      else {
        gaps.add(declared.gap)
        check = projectSchema(route, res.status)
        if (check === null) {
          t.fail(`${label}: neither the spec nor the route declares the shape of a ${res.status}`)
          continue
        }
      }
      const valid = check.validate(res.json)
      t.ok(valid, `${label} → ${res.status} matches ${check.where}`, { errors: check.validate.errors?.slice(0, 5) })
      ;(res.status < 400 ? entry.ok : entry.error).push(String(res.status))
      entry.checkedBy.add(declared.found ? 'spec' : 'own schema')
      // A spec schema that requires nothing (the token answers: `{ jwt?: string }`) proves little: the route's own schema too.
      if (declared.found && declared.validate({})) {
        loose.add(`${declared.where} accepts {} (it requires no field)`)
        const own = projectSchema(route, res.status)
        if (own) {
          t.ok(own.validate(res.json), `${label} → ${res.status} also matches ${own.where}`, { errors: own.validate.errors?.slice(0, 5) })
          entry.checkedBy.add('own schema')
        }
      }
    }

    for (const gap of [...gaps].sort()) t.comment(`spec gap: ${gap}; checked against the route's own schema (src/core/wire.ts) instead`)
    for (const l of [...loose].sort()) t.comment(`spec is loose: ${l}; the route's own schema checked too`)
    const control = excluded.filter((e) => e.endsWith('(control API)')).length
    t.comment(`not conformance targets: ${control} control routes under /__mock; ${excluded.filter((e) => !e.endsWith('(control API)')).join('; ')}`)
    t.comment('covered (route: success statuses / error statuses; checked by):')
    for (const [key] of routes) {
      const entry = seen.get(key)
      t.comment(`  ${key.padEnd(48)} ${entry ? `${entry.ok.join(',') || '-'} / ${entry.error.join(',') || '-'}; ${[...entry.checkedBy].join(' + ')}` : 'NOT COVERED'}`)
    }
    const uncovered = [...routes.keys()].filter((k) => !seen.get(k)?.ok.length || !seen.get(k)?.error.length)
    t.same(uncovered, [], 'every registered Frontend API route has a checked success and a checked error case')
  })
}
