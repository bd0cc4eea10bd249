/**
 * Sign-ups (`/v1/client/sign_ups…`, REFERENCE §14): create, read, `PATCH`, `prepare_verification`,
 * `attempt_verification`. Each answer is the attempt and the caller's client, whose `sign_up` is the
 * attempt while it is in progress; a complete one names the user and session it created. The rules
 * are the core's (`core/sign-up.ts`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { signUpErrors, type SignUpAttempt } from '../../core/sign-up.js'
import { ClientJson, ErrorJson, Nullable, SignUpJson } from '../../core/wire.js'
import { transportErrors } from '../errors.js'
import { servedTo } from '../guard.js'
import { callerOf, clientOf, handOutClientToken } from '../identity.js'
import { ClerkQuery } from '../schemas.js'

const Text = (maxLength = 1024) => Type.Optional(Nullable(Type.String({ maxLength })))
const Flag = Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String({ maxLength: 8 })])))

/** The fields of a sign-up (`createSignUp`/`updateSignUp` in Clerk's OpenAPI file). */
const fields = {
  password: Text(),
  first_name: Text(256),
  last_name: Text(256),
  username: Text(256),
  email_address: Text(320),
  phone_number: Text(32),
  email_address_or_phone_number: Text(320),
  // A form sends it as JSON text, a JSON body as an object.
  unsafe_metadata: Type.Optional(Nullable(Type.Union([Type.String({ maxLength: 16_384 }), Type.Record(Type.String(), Type.Unknown())]))),
  strategy: Text(128),
  redirect_url: Text(4096),
  action_complete_redirect_url: Text(4096),
  ticket: Text(8192),
  web3_wallet: Text(256),
  token: Text(8192),
  code: Text(64),
  legal_accepted: Flag,
  oidc_login_hint: Text(),
  oidc_prompt: Text(),
  proof_token: Text(8192),
}

/** Create also takes `transfer` and the captcha fields, and clerk-js 6.40 adds `locale` and `timezone`. */
const CreateSignUpBody = Type.Union([
  Type.Object(
    { ...fields, transfer: Flag, captcha_token: Text(8192), captcha_error: Text(1024), captcha_widget_type: Text(32), locale: Text(64), timezone: Text(64) },
    { additionalProperties: false },
  ),
  Type.Null(),
])
const UpdateSignUpBody = Type.Union([Type.Object(fields, { additionalProperties: false }), Type.Null()])
const PrepareBody = Type.Union([
  Type.Object(
    { strategy: Text(128), redirect_url: Text(4096), action_complete_redirect_url: Text(4096), oidc_login_hint: Text(), oidc_prompt: Text(), proof_token: Text(8192), channel: Text(32) },
    { additionalProperties: false },
  ),
  Type.Null(),
])
const AttemptBody = Type.Union([Type.Object({ strategy: Text(128), code: Text(64), signature: Text(4096), token: Text(8192) }, { additionalProperties: false }), Type.Null()])
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) })

const errorResponses = { '4xx': ErrorJson, '5xx': ErrorJson }
/** `Client.ClientWrappedSignUp`. */
const SignUpEnvelope = { 200: Type.Object({ response: SignUpJson, client: ClientJson }), ...errorResponses }

/** Fields of strategies the mock does not model (OAuth, web3, tickets for sign-up, OIDC): refused by name, never ignored. */
const UNMODELLED = ['email_address_or_phone_number', 'strategy', 'ticket', 'web3_wallet', 'token', 'code', 'oidc_login_hint', 'oidc_prompt', 'proof_token', 'signature'] as const

function refuseUnmodelled(body: Record<string, unknown>, allowed: readonly string[] = []): void {
  for (const field of UNMODELLED) {
    if (allowed.includes(field)) continue
    const v = body[field]
    if (v !== undefined && v !== null && v !== '') {
      throw transportErrors.paramInvalid(field, v, `${field} belongs to a sign-up strategy this mock does not model (OAuth, web3, tickets, OIDC); sign up with email_address / phone_number and a code.`)
    }
  }
  if (body.transfer === true || body.transfer === 'true') throw transportErrors.paramInvalid('transfer', body.transfer, 'transfer (from an OAuth sign-in) is not modelled by this mock; leave it out.')
}

export const signUpRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  const answer = (request: FastifyRequest, attempt: SignUpAttempt) => ({
    response: core.signUpJson(attempt),
    client: core.clientJson(core.client(attempt.clientId), servedTo(request)),
  })
  const attemptOf = (request: FastifyRequest, id: string): SignUpAttempt => {
    const caller = callerOf(request)
    const attempt = core.signUps.get(id, (clientId) => core.hasClient(clientId))
    if (attempt === undefined || (caller.clientId !== null && attempt.clientId !== caller.clientId)) throw signUpErrors.notFound(id)
    return attempt
  }

  app.post('/v1/client/sign_ups', { schema: { querystring: ClerkQuery, body: CreateSignUpBody, response: SignUpEnvelope } }, async (request, reply) => {
    const body = request.body ?? {}
    const existing = clientOf(request)
    refuseUnmodelled(body)
    const { attempt, client } = core.createSignUp(existing, body)
    if (existing === null) handOutClientToken(request, reply, client)
    return answer(request, attempt)
  })

  app.get('/v1/client/sign_ups/:id', { schema: { params: Params, querystring: ClerkQuery, response: SignUpEnvelope } }, async (request) => answer(request, attemptOf(request, request.params.id)))

  app.patch('/v1/client/sign_ups/:id', { schema: { params: Params, querystring: ClerkQuery, body: UpdateSignUpBody, response: SignUpEnvelope } }, async (request) => {
    const body = request.body ?? {}
    refuseUnmodelled(body)
    return answer(request, core.signUpStep(attemptOf(request, request.params.id), 'update', body))
  })

  app.post('/v1/client/sign_ups/:id/prepare_verification', { schema: { params: Params, querystring: ClerkQuery, body: PrepareBody, response: SignUpEnvelope } }, async (request) => {
    const body = request.body ?? {}
    refuseUnmodelled(body, ['strategy'])
    if (body.channel != null && body.channel !== 'sms') throw transportErrors.paramInvalid('channel', body.channel, `${body.channel} does not match the allowed values for parameter channel. Allowed values: sms.`)
    return answer(request, core.signUpStep(attemptOf(request, request.params.id), 'prepare_verification', { strategy: body.strategy }))
  })

  app.post('/v1/client/sign_ups/:id/attempt_verification', { schema: { params: Params, querystring: ClerkQuery, body: AttemptBody, response: SignUpEnvelope } }, async (request) => {
    const body = request.body ?? {}
    refuseUnmodelled(body, ['strategy', 'code'])
    return answer(request, core.signUpStep(attemptOf(request, request.params.id), 'attempt_verification', { strategy: body.strategy, code: body.code }))
  })
}
