/**
 * Sign-ins (`/v1/client/sign_ins…`, REFERENCE §14): create (an identifier; identifier + password in
 * one call, as `@clerk/testing` sends; a code strategy; `strategy=ticket` with a Backend API sign-in
 * token), read, and the steps clerk-js takes: `prepare_first_factor`, `attempt_first_factor`,
 * `prepare_second_factor`, `attempt_second_factor`, `reset_password`. Each answer is the attempt and
 * the caller's client, whose `sign_in` is the attempt while it is in progress. The rules are the
 * core's (`core/sign-in.ts`); this file parses and serialises.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { signInErrors, type SignInAttempt } from '../../core/sign-in.js'
import { ClientJson, ErrorJson, Nullable, SignInJson } from '../../core/wire.js'
import { transportErrors } from '../errors.js'
import { servedTo } from '../guard.js'
import { callerOf, clientOf, handOutClientToken } from '../identity.js'
import { ClerkQuery, SessionParams } from '../schemas.js'

const Text = (maxLength = 1024) => Type.Optional(Nullable(Type.String({ maxLength })))
// A form sends text ('true'), JSON a boolean.
const Flag = Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String({ maxLength: 8 })])))

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
      transfer: Flag,
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

/** `prepare_first_factor` and `prepare_second_factor`: what clerk-js 6.40 sends (`default`, `channel` for phone codes). */
const PrepareBody = Type.Union([
  Type.Object(
    {
      strategy: Text(128),
      email_address_id: Text(256),
      phone_number_id: Text(256),
      web3_wallet_id: Text(256),
      passkey_id: Text(256),
      trusted_device_id: Text(256),
      redirect_url: Text(4096),
      action_complete_redirect_url: Text(4096),
      oidc_login_hint: Text(),
      oidc_prompt: Text(),
      proof_token: Text(8192),
      default: Flag,
      channel: Text(32),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

/** `attempt_first_factor` and `attempt_second_factor`. */
const AttemptBody = Type.Union([
  Type.Object(
    {
      strategy: Text(128),
      code: Text(64),
      password: Text(),
      signature: Text(4096),
      token: Text(8192),
      ticket: Text(8192),
      public_key_credential: Text(16_384),
      trusted_device_id: Text(256),
      client_data: Text(16_384),
      algorithm: Text(64),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

const ResetPasswordBody = Type.Union([Type.Object({ password: Text(), sign_out_of_other_sessions: Flag }, { additionalProperties: false }), Type.Null()])

const errorResponses = { '4xx': ErrorJson, '5xx': ErrorJson }
/** `Client.ClientWrappedSignIn`: the attempt, and the caller's client after it. */
const SignInEnvelope = { 200: Type.Object({ response: SignInJson, client: ClientJson }), ...errorResponses }

/** Fields the mock does not model: refused with a 422 that names them, never ignored. */
const UNMODELLED = ['token', 'proof_token', 'trusted_device_id', 'oidc_login_hint', 'oidc_prompt', 'signature', 'public_key_credential', 'client_data', 'algorithm', 'web3_wallet_id', 'passkey_id'] as const

function refuseUnmodelled(body: Record<string, unknown>): void {
  for (const field of UNMODELLED) {
    if (body[field] !== undefined && body[field] !== null && body[field] !== '') {
      throw transportErrors.paramInvalid(field, body[field], `${field} is a Clerk parameter for a strategy this mock does not model (passkeys, web3, OIDC, trusted devices); leave it out.`)
    }
  }
}

const isTrue = (v: unknown) => v === true || v === 'true'

export const signInRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  const answer = (request: FastifyRequest, attempt: SignInAttempt) => ({
    response: core.signInJson(attempt),
    client: core.clientJson(core.client(attempt.clientId), servedTo(request)),
  })
  /** Only the caller's own attempts (an anonymous caller, unless strict, finds any by id, as for sessions). */
  const attemptOf = (request: FastifyRequest, id: string): SignInAttempt => {
    const caller = callerOf(request)
    const attempt = core.signIns.get(id, (clientId) => core.hasClient(clientId))
    if (attempt === undefined || (caller.clientId !== null && attempt.clientId !== caller.clientId)) throw signInErrors.notFound(id)
    return attempt
  }

  app.post('/v1/client/sign_ins', { schema: { querystring: ClerkQuery, body: CreateSignInBody, response: SignInEnvelope } }, async (request, reply) => {
    const body = request.body ?? {}
    // A refused credential (an unknown dev browser, a forged native token) fails before anything else.
    const existing = clientOf(request)
    refuseUnmodelled(body)
    if (isTrue(body.transfer)) throw transportErrors.paramInvalid('transfer', body.transfer, 'transfer (from an OAuth sign-up) is not modelled by this mock; leave it out.')
    if (body.strategy === 'ticket') {
      if (typeof body.ticket !== 'string' || body.ticket === '') throw transportErrors.paramMissing('ticket')
      const { attempt, signedIn } = core.signInWithTicket(existing, body.ticket)
      // A caller without a client (a new browser, Expo's first request, curl) gets one, and its credential.
      if (existing === null) handOutClientToken(request, reply, signedIn.client)
      return answer(request, attempt)
    }
    if (body.ticket != null && body.ticket !== '') throw transportErrors.paramInvalid('ticket', body.ticket, 'ticket is only taken with strategy=ticket.')
    if (body.code != null && body.code !== '') throw transportErrors.paramInvalid('code', body.code, 'code is sent to attempt_first_factor, after the sign-in exists.')
    // A caller without a client gets one only when the attempt is made (a refusal leaves nothing behind).
    const { attempt, client } = core.createSignIn(existing, body)
    if (existing === null) handOutClientToken(request, reply, client)
    return answer(request, attempt)
  })

  app.get('/v1/client/sign_ins/:id', { schema: { params: SessionParams, querystring: ClerkQuery, response: SignInEnvelope } }, async (request) =>
    answer(request, attemptOf(request, request.params.id)),
  )

  for (const step of ['prepare_first_factor', 'prepare_second_factor'] as const) {
    app.post(`/v1/client/sign_ins/:id/${step}`, { schema: { params: SessionParams, querystring: ClerkQuery, body: PrepareBody, response: SignInEnvelope } }, async (request) => {
      const body = request.body ?? {}
      refuseUnmodelled(body)
      if (body.channel != null && body.channel !== 'sms') throw transportErrors.paramInvalid('channel', body.channel, `${body.channel} does not match the allowed values for parameter channel. Allowed values: sms.`)
      return answer(request, core.signInStep(attemptOf(request, request.params.id), step, body))
    })
  }

  for (const step of ['attempt_first_factor', 'attempt_second_factor'] as const) {
    app.post(`/v1/client/sign_ins/:id/${step}`, { schema: { params: SessionParams, querystring: ClerkQuery, body: AttemptBody, response: SignInEnvelope } }, async (request) => {
      const body = request.body ?? {}
      refuseUnmodelled(body)
      if (body.ticket != null) throw transportErrors.paramInvalid('ticket', body.ticket, 'a ticket signs in on create (POST /v1/client/sign_ins with strategy=ticket).')
      return answer(request, core.signInStep(attemptOf(request, request.params.id), step, body))
    })
  }

  app.post('/v1/client/sign_ins/:id/reset_password', { schema: { params: SessionParams, querystring: ClerkQuery, body: ResetPasswordBody, response: SignInEnvelope } }, async (request) => {
    const body = request.body ?? {}
    return answer(request, core.signInStep(attemptOf(request, request.params.id), 'reset_password', { password: body.password, sign_out_of_other_sessions: isTrue(body.sign_out_of_other_sessions) }))
  })
}
