/**
 * The control API under `/__mock` (REFERENCE §9): what a test in another process or language needs
 * to drive the mock — reset, clock, state, sessions, client tokens, the request journal, faults,
 * and a browser sign-in helper. Never under `/v1`, never journaled, never faulted.
 *
 * Mutations take JSON bodies only (a form post is what a foreign page can send without a preflight;
 * see `guard.ts` for the rest of that defence); any bad input is a 400 `control_input_invalid` in
 * Clerk's error format.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ClerkError, errors } from '../../core/errors.js'
import { FAULT_WIRE_NAMES, FaultJson, type FaultSpec } from '../../core/faults.js'
import { JournalEntry } from '../../core/journal.js'
import { MessageJson } from '../../core/messages.js'
import type { SignedIn } from '../../core/mock-core.js'
import { WebhookDeliveryJson, WebhookEndpointJson } from '../../core/webhooks/index.js'
import { transportErrors } from '../errors.js'
import { isControlPath, type Guard } from '../guard.js'
import { clientOf, handOutClientToken } from '../identity.js'
import { controlOrganizationRoutes } from './organizations.js'

const Bool = Type.Union([Type.Boolean(), Type.Union([Type.Literal('true'), Type.Literal('false')])])
const Id = Type.String({ minLength: 1, maxLength: 256 })

export const ClockBody = Type.Object(
  {
    advance: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "a duration: ms or '90s', '15m', '2h', '8d'" })),
    set: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: 'an instant: epoch ms or ISO' })),
    frozen: Type.Optional(Bool),
  },
  { additionalProperties: false },
)
export const ClockJson = Type.Object({ now: Type.Integer(), frozen: Type.Boolean() })
export const SessionBody = Type.Object({ user_id: Id, client_id: Type.Optional(Id) }, { additionalProperties: false })
/** A fault in snake_case; its fields are checked by the core's one fault schema (`FaultSpec`). */
export const FaultBody = Type.Record(Type.String(), Type.Unknown())
export const SignInQuery = Type.Object(
  { user_id: Id, redirect_url: Type.Optional(Type.String({ minLength: 1 })), __clerk_db_jwt: Type.Optional(Type.String()) },
  { additionalProperties: false },
)
const ClientParams = Type.Object({ id: Id })
const FaultParams = Type.Object({ id: Id })
// Every schema lives here, at module level: the shared compilers (../compilers.ts) cache by schema
// object, so one built inside the plugin would be compiled again for every mock.
/** `POST /__mock/clock` with no body at all is read as `{}` (and refused: it asks for nothing). */
const ClockBodyOrNone = Type.Union([ClockBody, Type.Null()])
const ClientTokenJson = Type.Object({ client_token: Type.String() })
const Requests = Type.Object({ requests: Type.Array(JournalEntry) })
const Faults = Type.Object({ faults: Type.Array(FaultJson) })
const FaultAdded = Type.Object({ fault: FaultJson })
const WebhooksJson = Type.Object({ endpoints: Type.Array(WebhookEndpointJson), deliveries: Type.Array(WebhookDeliveryJson) })
const WebhooksQuery = Type.Object(
  { settled: Type.Optional(Type.Union([Bool], { description: 'true: answer once every delivery so far has settled (none on the wire or due)' })) },
  { additionalProperties: false },
)
const DeliveryParams = Type.Object({ id: Id })
/** Replay takes no parameters: no body, or `{}`. */
const NoBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])
const Replayed = Type.Object({ delivery: WebhookDeliveryJson })

/** `POST /__mock/users`: what `mock.createUser` takes, in snake_case. */
const UserBody = Type.Object(
  {
    email_address: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    first_name: Type.Optional(Type.String({ maxLength: 256 })),
    last_name: Type.Optional(Type.String({ maxLength: 256 })),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    phone_number: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
)
const Messages = Type.Object({ messages: Type.Array(MessageJson) })
const SNAKE: Record<string, string> = { emailAddress: 'email_address', phoneNumber: 'phone_number', firstName: 'first_name', lastName: 'last_name', password: 'password', username: 'username' }

const ok = <T extends TSchema>(schema: T) => ({ 200: schema })

export const controlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  const clockJson = () => core.clockState()

  app.addHook('onRequest', async (request) => {
    // The router decodes the path, so `/%5F_mock/reset` would land here: only the literal prefix is the control API.
    if (!isControlPath(request.url)) throw transportErrors.routeNotFound(request.method, request.url.split('?')[0])
    const type = request.headers['content-type']
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) throw controlWantsJson(type)
  })
  // Validation failures become 400 control_input_invalid here, not the Frontend API's 422s.
  app.addHook('preHandler', async (request) => {
    if (request.validationError) throw errors.controlInputInvalid(validationText(request.validationError))
  })
  const schema = <S extends object>(s: S) => ({ attachValidation: true, schema: s })
  // A child plugin: the hooks above (JSON only, 400 control_input_invalid) hold for it too.
  app.register(controlOrganizationRoutes)

  app.post('/__mock/reset', async () => {
    core.reset()
    return { reset: true, ...clockJson() }
  })

  app.get('/__mock/clock', schema({ response: ok(ClockJson) }), async () => clockJson())

  app.post('/__mock/clock', schema({ body: ClockBodyOrNone, response: ok(ClockJson) }), async (request) => {
    const body = (request.body ?? {}) as Static<typeof ClockBody>
    if (body.set === undefined && body.advance === undefined && body.frozen === undefined) {
      throw errors.controlInputInvalid('send at least one of "advance" (a duration such as "8d"), "set" (an ISO time or epoch ms) or "frozen" (true or false)')
    }
    return core.moveClock({ set: body.set, advance: body.advance, frozen: body.frozen === undefined ? undefined : body.frozen === true || body.frozen === 'true' })
  })

  app.get('/__mock/state', async () => {
    const { clients, users, devBrowsers } = core.snapshot()
    return {
      ...clockJson(),
      clients: clients.map(({ client, sessions }) => {
        // Every session the client ever had; removed and revoked ones are marked on_client: false.
        const onClient = new Set(core.sessionsOf(client))
        return { ...core.clientJson(client, { sessions: [] }), sessions: core.sessionsJson(sessions).map((json, i) => ({ ...json, on_client: onClient.has(sessions[i]) })) }
      }),
      users: users.map((u) => core.userJson(u)),
      dev_browsers: devBrowsers.map(({ id, clientId }) => ({ id, client_id: clientId })),
    }
  })

  app.post('/__mock/sessions', schema({ body: SessionBody }), async (request) => {
    const { user_id: userId, client_id: clientId } = request.body
    known(() => core.user(userId), 'user_id')
    if (clientId !== undefined) known(() => core.client(clientId), 'client_id')
    return signedIn(core.createSession(userId, clientId))
  })

  // A user who can sign in (the handle's createUser); a taken identifier or bad field is a 400 like every control error.
  app.post('/__mock/users', schema({ body: UserBody }), async (request) => {
    const b = request.body
    try {
      const user = core.createTestUser({
        emailAddress: b.email_address,
        password: b.password,
        firstName: b.first_name,
        lastName: b.last_name,
        username: b.username,
        phoneNumber: b.phone_number,
        param: (field) => SNAKE[field] ?? field,
      })
      return { user: core.userJson(user) }
    } catch (e) {
      if (e instanceof ClerkError && e.status === 422) throw errors.controlInputInvalid(`${e.code}: ${e.longMessage}`, e.meta?.param_name as string | undefined)
      throw e
    }
  })

  // The codes the mock would have emailed or texted, oldest first.
  app.get('/__mock/messages', schema({ response: ok(Messages) }), async () => ({ messages: core.messages.list() }))

  app.get('/__mock/clients/:id/token', schema({ params: ClientParams, response: ok(ClientTokenJson) }), async (request) => ({
    client_token: core.clientToken(request.params.id),
  }))

  app.get('/__mock/requests', schema({ response: ok(Requests) }), async () => ({ requests: core.requests() }))
  app.delete('/__mock/requests', schema({ response: ok(Requests) }), async () => {
    core.clearRequests()
    return { requests: [] }
  })

  app.get('/__mock/faults', schema({ response: ok(Faults) }), async () => ({ faults: core.faults.list() }))
  app.post('/__mock/faults', schema({ body: FaultBody, response: ok(FaultAdded) }), async (request) => ({ fault: core.addFault(faultSpec(request.body)) }))
  app.delete('/__mock/faults', schema({ response: ok(Faults) }), async () => {
    core.clearFaults()
    return { faults: [] }
  })
  app.delete('/__mock/faults/:id', schema({ params: FaultParams, response: ok(Faults) }), async (request) => {
    core.removeFault(request.params.id)
    return { faults: core.faults.list() }
  })

  // Webhooks: the endpoints with their secrets and the delivery journal; ?settled=true waits for the
  // deliveries so far (the handle's settled(), for a test in another process).
  app.get('/__mock/webhooks', schema({ querystring: WebhooksQuery, response: ok(WebhooksJson) }), async (request) => {
    const settled = request.query.settled
    if (settled === true || settled === 'true') await core.webhooks.settled()
    return { endpoints: core.webhooks.endpointsJson(), deliveries: core.webhooks.deliveries() }
  })
  app.post('/__mock/webhooks/:id/replay', schema({ params: DeliveryParams, body: NoBody, response: ok(Replayed) }), async (request) => ({
    delivery: core.webhooks.replay(request.params.id),
  }))

  // The certificate the mock serves over TLS, for a test that trusts it (NODE_EXTRA_CA_CERTS, a CA option).
  app.get('/__mock/certificate.pem', async (request, reply) => {
    const tls = app.mockOptions.tls
    if (tls === undefined) throw transportErrors.routeNotFound(request.method, request.url.split('?')[0])
    return reply.type('application/x-pem-file').send(tls.certificate)
  })

  // One navigation signs a browser in: a session on its client (a new client if it has none), the
  // __client cookie set, then a redirect back to the app.
  // No HEAD twin: a HEAD must not sign anybody in (it is a 405).
  app.get('/__mock/sign-in', { ...schema({ querystring: SignInQuery }), exposeHeadRoute: false }, async (request, reply) => {
    const { user_id: userId, redirect_url: redirectUrl } = request.query
    known(() => core.user(userId), 'user_id')
    // Checked before anything is created: a refused redirect leaves no session behind.
    const target = redirectUrl === undefined ? undefined : redirectTarget(redirectUrl, app.guard)
    const created = core.createSession(userId, browserClient(request)?.id)
    handOutClientToken(request, reply, created.client)
    if (target !== undefined) return reply.redirect(target, 302)
    return signedIn(created)
  })

  /** A new sign-in as the control API answers it: `{ session, client, client_token }`. */
  function signedIn({ session, client, clientToken }: SignedIn) {
    return { session: core.sessionJson(session), client: core.clientJson(client), client_token: clientToken }
  }
}

/** The browser's client; an unknown dev browser is refused, any other credential it cannot use just means "no client yet". */
function browserClient(request: FastifyRequest) {
  const identity = request.identity
  if (identity.kind === 'refused' && identity.error.code !== 'dev_browser_unauthenticated') return null
  return clientOf(request)
}

const WIRE_TO_SPEC = Object.fromEntries(Object.entries(FAULT_WIRE_NAMES).map(([spec, wire]) => [wire, spec]))
const NUMERIC = new Set(['status', 'times', 'delay_ms', 'retry_after'])

/** `POST /__mock/faults`'s snake_case body as the core's FaultSpec; numbers sent as strings of digits become numbers. */
function faultSpec(body: Record<string, unknown>): FaultSpec {
  const spec: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    spec[WIRE_TO_SPEC[key] ?? key] = NUMERIC.has(key) && typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
  }
  // The core checks every field against its schema; an unknown key is named there.
  return spec as FaultSpec
}

/** A lookup of an id the control request named: unknown ids are bad input (400), not a missing route. */
export function known(lookup: () => unknown, param: string): void {
  try {
    lookup()
  } catch (e) {
    if (e instanceof ClerkError && e.status === 404) throw errors.controlInputInvalid(`${param}: ${e.longMessage}`, param)
    throw e
  }
}

/** A path on the mock, or an absolute http(s) URL on an allowed origin (the app under test); never a URL with control or non-Latin-1 characters. */
function redirectTarget(url: string, guard: Guard): string {
  const bad = (why: string) => errors.controlInputInvalid(`redirect_url ${why}, got ${JSON.stringify(url.slice(0, 200))}`, 'redirect_url')
  // A Location header holds Latin-1 without control characters; anything else is not a URL a browser sent.
  if (/[\u0000-\u001f\u007f-\u009f\u0100-\uffff]/.test(url)) throw bad('must not contain control or non-Latin-1 characters (percent-encode them)')
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw bad("must be an absolute http(s) URL or a path starting with '/'")
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw bad('must use http or https')
  if (!guard.originAllowed(parsed.origin)) throw bad(`must be on a loopback origin or one in allowedOrigins (--allowed-origin); ${parsed.origin} is not`)
  return parsed.href
}

const controlWantsJson = (type: string) =>
  new ClerkError(
    415,
    'unsupported_content_type',
    'Content-Type is unsupported',
    `Content-Type ${type} is unsupported here: the control API takes JSON bodies only (curl -H 'content-type: application/json' -d '{"advance":"8d"}'), or no body at all.`,
  )

function validationText(error: Error & { validation?: { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }[]; validationContext?: string }): string {
  const issue = error.validation?.[0]
  if (!issue) return error.message
  const where = error.validationContext ?? 'body'
  const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
  if (issue.keyword === 'additionalProperties') return `${where}: unknown parameter ${JSON.stringify(issue.params.additionalProperty)}`
  if (issue.keyword === 'required') return `${where}: missing parameter ${JSON.stringify(issue.params.missingProperty)}`
  return `${where}${field ? `.${field}` : ''} ${issue.message ?? 'is invalid'}`
}
