/**
 * Sign-ins (`/v1/client/sign_ins…`, REFERENCE §14). Today the `ticket` strategy only: a sign-in
 * token from the Backend API (`POST /bapi/v1/sign_in_tokens`) completes a sign-in in one request,
 * which is how `@clerk/testing` and this package's Playwright helper sign a browser in. Every other
 * strategy is a 422 that says so.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { isSignedIn } from '../../core/lifecycle.js'
import { SignInJson, signInErrors, signInJson, supportedIdentifiers, ticketRefused, type SignInView } from '../../core/sign-in.js'
import type { Client } from '../../core/store.js'
import { ClientJson, ErrorJson, Nullable } from '../../core/wire.js'
import { transportErrors } from '../errors.js'
import { servedTo } from '../guard.js'
import { callerOf, clientOf, handOutClientToken } from '../identity.js'
import { ClerkQuery, SessionParams } from '../schemas.js'

const Text = (maxLength = 1024) => Type.Optional(Nullable(Type.String({ maxLength })))

/**
 * The form fields of `createSignIn` in Clerk's OpenAPI file, plus `locale` and `timezone`, which
 * clerk-js 6.40 adds to every `signIn.create()` (from the browser's language and time zone).
 * Unknown fields are a 422 `form_param_unknown`, as elsewhere.
 */
const CreateSignInBody = Type.Union([
  Type.Object(
    {
      strategy: Text(128),
      identifier: Text(),
      password: Text(),
      ticket: Text(8192),
      redirect_url: Text(4096),
      action_complete_redirect_url: Text(4096),
      // A form sends text ('true'), JSON a boolean.
      transfer: Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String({ maxLength: 8 })]))),
      code: Text(),
      token: Text(8192),
      oidc_login_hint: Text(),
      oidc_prompt: Text(),
      proof_token: Text(8192),
      trusted_device_id: Text(),
      locale: Text(64),
      timezone: Text(64),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

const errorResponses = { '4xx': ErrorJson, '5xx': ErrorJson }
/** `Client.ClientWrappedSignIn`: the attempt, and the caller's client after it. */
const SignInEnvelope = { 200: Type.Object({ response: SignInJson, client: ClientJson }), ...errorResponses }

export const signInRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  const attempts = core.signIns
  const view: SignInView = {
    user: (id) => core.user(id),
    imageUrl: (user) => core.userJson(user).image_url,
    supportedIdentifiers: supportedIdentifiers(core.environment),
  }
  const singleSession = () => (core.environment.auth_config as { single_session_mode?: unknown } | undefined)?.single_session_mode === true
  const signedIn = (client: Client) => core.sessionsOf(client).some((s) => isSignedIn(core.status(s)))

  app.post('/v1/client/sign_ins', { schema: { querystring: ClerkQuery, body: CreateSignInBody, response: SignInEnvelope } }, async (request, reply) => {
    const body = request.body ?? {}
    // A refused credential (an unknown dev browser, a forged native token) fails before anything else.
    const client = clientOf(request)
    if (body.strategy !== 'ticket') throw signInErrors.strategyNotSupported(body.strategy)
    if (typeof body.ticket !== 'string' || body.ticket === '') throw transportErrors.paramMissing('ticket')
    // Checked before the ticket is spent: a refused sign-in leaves the ticket usable.
    if (client !== null && singleSession() && signedIn(client)) throw signInErrors.sessionExists()
    const token = core.signInTokens.redeem(body.ticket)
    if (typeof token === 'string') throw ticketRefused(token)
    // A caller without a client (a new browser, Expo's first request, curl) gets one, and its credential.
    const result = core.createSession(token.userId, client?.id)
    if (client === null) handOutClientToken(request, reply, result.client)
    const attempt = attempts.completeWithTicket(result.client, token.userId, result.session.id)
    return { response: signInJson(view, attempt), client: core.clientJson(result.client, servedTo(request)) }
  })

  // Only the caller's own attempts (an anonymous caller, unless strict, finds any by id, as for sessions).
  app.get('/v1/client/sign_ins/:id', { schema: { params: SessionParams, querystring: ClerkQuery, response: SignInEnvelope } }, async (request) => {
    const caller = callerOf(request)
    const attempt = attempts.get(request.params.id, (clientId) => core.hasClient(clientId))
    if (attempt === undefined || (caller.clientId !== null && attempt.clientId !== caller.clientId)) throw signInErrors.notFound(request.params.id)
    return { response: signInJson(view, attempt), client: core.clientJson(core.client(attempt.clientId), servedTo(request)) }
  })
}
