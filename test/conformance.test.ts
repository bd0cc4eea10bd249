/**
 * Every implemented endpoint's answers (successes and errors) validated against Clerk's official
 * OpenAPI description in ../shared/fapi/ (reference data, never copied into the project).
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import { parse } from 'yaml'
import { ADA, CLIENT_A, SESS_A, SESS_B, mockWith, twoClients } from './helpers/mock.js'

const SPEC = new URL('../../shared/fapi/fapi_2026-05-12.yml', import.meta.url).pathname

if (!existsSync(SPEC)) {
  t.test(`conformance: ${SPEC} is absent, so responses cannot be checked against Clerk's OpenAPI file`, { skip: true }, async () => {})
} else {
  const spec = parse(readFileSync(SPEC, 'utf8'))

  // OpenAPI 3.0 → JSON Schema: `nullable: true` becomes "null or the schema" (Ajv's own nullable
  // keyword does not let null through an allOf/$ref), and refs point into one bundled document.
  const convert = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(convert)
    if (node === null || typeof node !== 'object') return node
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) {
      if (k === 'nullable' || k === 'example' || k === 'deprecated' || k === 'discriminator') continue
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/', 'spec#/components/') : convert(v)
    }
    return (node as { nullable?: boolean }).nullable ? { anyOf: [{ type: 'null' }, out] } : out
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema({ $id: 'spec', components: convert(spec.components) })

  const cache = new Map<string, ValidateFunction>()
  const validatorFor = (specPath: string, method: string, status: number): { name: string; validate: ValidateFunction } => {
    const responses = spec.paths[specPath]?.[method.toLowerCase()]?.responses
    if (!responses) throw new Error(`the spec has no ${method} ${specPath}`)
    let entry = responses[String(status)]
    // Error statuses the spec does not list for this operation still use Clerk's error body.
    if (!entry && status >= 400) entry = { $ref: '#/components/responses/ClerkErrors' }
    if (!entry) throw new Error(`the spec lists no ${status} for ${method} ${specPath}`)
    const name = entry.$ref ?? `${method} ${specPath} ${status}`
    if (entry.$ref) entry = spec.components.responses[entry.$ref.split('/').pop()]
    const schema = entry.content?.['application/json']?.schema
    if (!schema) throw new Error(`no JSON schema for ${status} of ${method} ${specPath}`)
    let validate = cache.get(name)
    if (!validate) {
      validate = ajv.compile(convert(schema) as object)
      cache.set(name, validate)
    }
    return { name, validate }
  }

  t.test('every endpoint answers in the shape of the official schema', async (t) => {
    const { mock, call } = mockWith(twoClients({ users: [
      { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', username: 'ada', image_url: 'https://example.com/ada.png', public_metadata: { role: 'admin' } },
      { id: 'user_bob000000000000000000000000' },
    ] }))
    const cookie = { cookie: `__client=${mock.clientToken(CLIENT_A)}` }
    const extra = mock.createSession({ userId: ADA, clientId: CLIENT_A })
    const S = '/v1/client/sessions/{session_id}'
    type Case = [string, string, string, { body?: string; headers?: Record<string, string> }?]
    const cases: Case[] = [
      ['GET', '/v1/client', '/v1/client'],
      ['GET', '/v1/client', '/v1/client', { headers: cookie }],
      ['PUT', '/v1/client', '/v1/client'],
      ['POST', '/v1/client', '/v1/client'],
      ['GET', S, `/v1/client/sessions/${SESS_A}`],
      ['GET', S, `/v1/client/sessions/sess_unknown`],
      ['POST', `${S}/touch`, `/v1/client/sessions/${SESS_A}/touch`, { body: 'intent=focus&active_organization_id=org_1' }],
      ['POST', `${S}/touch`, `/v1/client/sessions/${SESS_A}/touch`, { body: 'intent=nope' }],
      ['POST', `${S}/tokens`, `/v1/client/sessions/${SESS_A}/tokens`],
      ['POST', `${S}/tokens/{template_name}`, `/v1/client/sessions/${SESS_A}/tokens/nope`],
      ['GET', '/v1/me/sessions', `/v1/me/sessions?_clerk_session_id=${SESS_A}`, { headers: cookie }],
      ['GET', '/v1/me/sessions', `/v1/me/sessions`],
      ['GET', '/v1/me/sessions/active', `/v1/me/sessions/active?_clerk_session_id=${SESS_A}`, { headers: cookie }],
      ['POST', '/v1/me/sessions/{session_id}/revoke', `/v1/me/sessions/${extra.session.id}/revoke`, { headers: cookie }],
      ['POST', `${S}/end`, `/v1/client/sessions/${SESS_A}/end`],
      ['POST', `${S}/end`, `/v1/client/sessions/${SESS_A}/end`],
      ['POST', `${S}/touch`, `/v1/client/sessions/${SESS_A}/touch`],
      ['POST', `${S}/tokens`, `/v1/client/sessions/${SESS_A}/tokens`],
      ['GET', S, `/v1/client/sessions/${SESS_A}`, { headers: cookie }],
      ['POST', `${S}/remove`, `/v1/client/sessions/${SESS_A}/remove`],
      ['POST', `${S}/remove`, `/v1/client/sessions/${SESS_A}/remove`],
      ['GET', S, `/v1/client/sessions/${SESS_B}`, { headers: cookie }],
      ['DELETE', '/v1/client/sessions', '/v1/client/sessions', { headers: cookie }],
      ['DELETE', '/v1/client', '/v1/client', { headers: cookie }],
      ['DELETE', '/v1/client', '/v1/client'],
    ]
    // The validators are not vacuous: a session without its required fields is refused.
    const broken = { response: { id: SESS_A, object: 'session' }, client: null }
    t.notOk(validatorFor(S, 'GET', 200).validate(broken), 'a broken body fails validation')
    for (const [method, specPath, url, init] of cases) {
      const res = await call(method, url, init)
      t.ok(res.status < 500, `${method} ${url} is not a 5xx`)
      const { name, validate } = validatorFor(specPath, method, res.status)
      const ok = validate(res.json)
      t.ok(ok, `${method} ${url} → ${res.status} matches ${name}`, { errors: validate.errors?.slice(0, 5) })
    }
  })
}
