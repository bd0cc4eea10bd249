/**
 * The control API under `/__mock` (REFERENCE §9): what a test in another process or language needs
 * to drive the mock — reset, clock, state, sessions, client tokens, the request journal, faults,
 * and a browser sign-in helper. Never under `/v1`, never journaled, never faulted.
 *
 * Bodies may be JSON or form-encoded (`curl -d advance=8d`); any bad input is a 400
 * `control_input_invalid` in Clerk's error format.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { MAX_TIME, parseDuration, parseInstant } from '../../core/clock.js'
import { ClerkError, errors } from '../../core/errors.js'
import { FaultJson, type FaultSpec } from '../../core/faults.js'
import { JournalEntry } from '../../core/journal.js'
import { clientJson, sessionJson, userJson } from '../../core/serialize.js'
import type { Client, SessionResult } from '../../core/store.js'
import { handOutClientToken, identify, type Identity } from '../identity.js'
import { resetApp } from '../traffic.js'

/** A number as JSON sends it or as a form field (a string of digits) does. */
const Int = Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]+$' })])
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
export const FaultBody = Type.Object(
  {
    method: Type.Optional(Type.String()),
    path: Type.String(),
    status: Type.Optional(Int),
    times: Type.Optional(Type.Union([Int, Type.Null()])),
    delay_ms: Type.Optional(Int),
    retry_after: Type.Optional(Int),
    code: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    long_message: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
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

const ok = <T extends TSchema>(schema: T) => ({ 200: schema })

export const controlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.instance.store
  const clock = () => app.instance.clock
  const clockJson = () => ({ now: clock().now(), frozen: clock().frozen })

  // Validation failures become 400 control_input_invalid here, not the Frontend API's 422s.
  app.addHook('preHandler', async (request) => {
    if (request.validationError) throw errors.controlInputInvalid(validationText(request.validationError))
  })
  app.addHook('preValidation', async (request) => {
    request.body = jsonSentAsForm(request)
  })
  const schema = <S extends object>(s: S) => ({ attachValidation: true, schema: s })

  app.post('/__mock/reset', async () => {
    resetApp(app)
    return { reset: true, ...clockJson() }
  })

  app.get('/__mock/clock', schema({ response: ok(ClockJson) }), async () => clockJson())

  app.post('/__mock/clock', schema({ body: ClockBodyOrNone, response: ok(ClockJson) }), async (request) => {
    const body = (request.body ?? {}) as Static<typeof ClockBody>
    if (body.set === undefined && body.advance === undefined && body.frozen === undefined) {
      throw errors.controlInputInvalid('send at least one of "advance" (a duration such as "8d"), "set" (an ISO time or epoch ms) or "frozen" (true or false)')
    }
    // Parse everything before moving anything, so a bad field leaves the clock where it was.
    const set = body.set === undefined ? undefined : asControlInput(() => parseInstant(numeric(body.set), 'set'), 'set')
    const advance = body.advance === undefined ? undefined : asControlInput(() => parseDuration(numeric(body.advance), 'advance'), 'advance')
    if (advance !== undefined && advance < 0) throw errors.controlInputInvalid('advance takes a duration >= 0; use "set" to go back in time', 'advance')
    if (advance !== undefined && (set ?? clock().now()) + advance > MAX_TIME) {
      throw errors.controlInputInvalid('advance would move the clock past the last date JavaScript can represent', 'advance')
    }
    if (set !== undefined) clock().set(set)
    if (advance !== undefined) clock().advance(advance)
    if (body.frozen !== undefined) {
      if (body.frozen === true || body.frozen === 'true') clock().freeze()
      else clock().resume()
    }
    return clockJson()
  })

  app.get('/__mock/state', async () => {
    const s = store()
    return {
      ...clockJson(),
      clients: [...s.clients.values()].map((client) => {
        const json = clientJson(s, client, [])
        // Every session the client ever had; removed and revoked ones are marked on_client: false.
        const onClient = new Set(client.sessionIds)
        const sessions = s.allSessionsOf(client).map((x) => ({ ...sessionJson(s, x), on_client: onClient.has(x.id) }))
        return { ...json, sessions }
      }),
      users: [...s.users.values()].map((u) => userJson(u)),
      dev_browsers: [...s.devBrowsers].map(([id, clientId]) => ({ id, client_id: clientId })),
    }
  })

  app.post('/__mock/sessions', schema({ body: SessionBody }), async (request) => {
    const { user_id: userId, client_id: clientId } = request.body
    known(() => store().user(userId), 'user_id')
    if (clientId !== undefined) known(() => store().client(clientId), 'client_id')
    return signedIn(store().createSession(userId, clientId))
  })

  app.get('/__mock/clients/:id/token', schema({ params: ClientParams, response: ok(ClientTokenJson) }), async (request) => ({
    client_token: app.instance.clientToken(request.params.id),
  }))

  app.get('/__mock/requests', schema({ response: ok(Requests) }), async () => ({ requests: app.journal.list() }))
  app.delete('/__mock/requests', schema({ response: ok(Requests) }), async () => {
    app.journal.clear()
    return { requests: [] }
  })

  app.get('/__mock/faults', schema({ response: ok(Faults) }), async () => ({ faults: app.faults.list() }))
  app.post('/__mock/faults', schema({ body: FaultBody, response: ok(FaultAdded) }), async (request) => {
    const b = request.body
    const spec: FaultSpec = {
      method: b.method,
      path: b.path,
      status: optionalInt(b.status),
      times: b.times === null ? null : optionalInt(b.times),
      delayMs: optionalInt(b.delay_ms),
      retryAfter: optionalInt(b.retry_after),
      code: b.code,
      message: b.message,
      longMessage: b.long_message,
    }
    return { fault: app.faults.add(spec) }
  })
  app.delete('/__mock/faults', schema({ response: ok(Faults) }), async () => {
    app.faults.clear()
    return { faults: [] }
  })
  app.delete('/__mock/faults/:id', schema({ params: FaultParams, response: ok(Faults) }), async (request) => {
    if (!app.faults.remove(request.params.id)) throw new ClerkError(404, 'resource_not_found', 'Fault not found', `No armed fault has id ${request.params.id}`)
    return { faults: app.faults.list() }
  })

  // One navigation signs a browser in: a session on its client (a new client if it has none), the
  // __client cookie set, then a redirect back to the app.
  app.get('/__mock/sign-in', schema({ querystring: SignInQuery }), async (request, reply) => {
    const { user_id: userId, redirect_url: redirectUrl } = request.query
    known(() => store().user(userId), 'user_id')
    const target = redirectUrl === undefined ? undefined : redirectTarget(redirectUrl)
    const identity = browserIdentity(request)
    const existing: Client | undefined = identity.kind === 'client' ? store().clients.get(identity.clientId) : undefined
    const { session, client } = store().createSession(userId, existing?.id)
    handOutClientToken(request, reply, app.instance, client, identity)
    if (target !== undefined) return reply.redirect(target, 302)
    return signedIn({ session, client })
  })

  /** A new sign-in as the control API answers it: `{ session, client, client_token }`. */
  function signedIn({ session, client }: SessionResult) {
    return { session: sessionJson(store(), session), client: clientJson(store(), client), client_token: app.instance.tokenOf(client) }
  }

  /** The browser's client; a cookie this instance cannot use (another mock on the same host, a reset) just means "no client yet". */
  function browserIdentity(request: FastifyRequest): Identity {
    try {
      return identify(request, app.instance)
    } catch (e) {
      if (e instanceof ClerkError && e.code === 'dev_browser_unauthenticated') throw e
      return { kind: 'none', via: 'cookie' }
    }
  }
}

/** A lookup of an id the control request named: unknown ids are bad input (400), not a missing route. */
function known(lookup: () => unknown, param: string): void {
  try {
    lookup()
  } catch (e) {
    if (e instanceof ClerkError && e.status === 404) throw errors.controlInputInvalid(`${param}: ${e.longMessage}`, param)
    throw e
  }
}

function asControlInput<T>(parse: () => T, param: string): T {
  try {
    return parse()
  } catch (e) {
    throw errors.controlInputInvalid((e as Error).message, param)
  }
}

/** Form fields arrive as strings: "1500" is 1500 ms, "2030-01-01" stays a string. */
function numeric(value: string | number | undefined): string | number | undefined {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
}

function optionalInt(value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : Number(value)
}

/** Absolute http(s) URLs (any origin: the app under test) or a path on the mock itself. */
function redirectTarget(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw errors.controlInputInvalid(`redirect_url must be an absolute http(s) URL or a path starting with '/', got ${JSON.stringify(url)}`, 'redirect_url')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw errors.controlInputInvalid(`redirect_url must use http or https, got ${JSON.stringify(parsed.protocol)}`, 'redirect_url')
  }
  return parsed.href
}

/**
 * `curl -d '{"advance":"8d"}'` without `-H 'content-type: application/json'` sends the JSON as a
 * form body whose only key is the JSON text; read it as JSON rather than fail a common mistake.
 */
function jsonSentAsForm(request: FastifyRequest): unknown {
  const body = request.body
  if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return body
  if (typeof body !== 'object' || body === null) return body
  const keys = Object.keys(body)
  if (keys.length !== 1 || !keys[0].trim().startsWith('{') || (body as Record<string, unknown>)[keys[0]] !== '') return body
  try {
    return JSON.parse(keys[0])
  } catch {
    return body
  }
}

function validationText(error: Error & { validation?: { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }[]; validationContext?: string }): string {
  const issue = error.validation?.[0]
  if (!issue) return error.message
  const where = error.validationContext ?? 'body'
  const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
  if (issue.keyword === 'additionalProperties') return `${where}: unknown parameter ${JSON.stringify(issue.params.additionalProperty)}`
  if (issue.keyword === 'required') return `${where}: missing parameter ${JSON.stringify(issue.params.missingProperty)}`
  return `${where}${field ? `.${field}` : ''} ${issue.message ?? 'is invalid'}`
}
