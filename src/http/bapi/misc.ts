/**
 * The rest of the Backend API an app or a test suite calls: sign-in tokens (tickets for the
 * Frontend API's `ticket` strategy), testing tokens (`@clerk/testing`'s `clerkSetup()`), clients
 * (`verify`, get, the handshake's nonce payload) and the JWKS.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../core/errors.js'
import {
  ClientAnswer,
  CreateSignInTokenBody,
  HandshakePayloadAnswer,
  HandshakePayloadQuery,
  IdParams,
  JwksAnswer,
  NoBody,
  SignInTokenAnswer,
  TestingTokenAnswer,
  VerifyClientBody,
} from './schemas.js'

export const miscRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  app.post('/v1/sign_in_tokens', { schema: { body: CreateSignInTokenBody, response: SignInTokenAnswer } }, async (request) => {
    if (request.body.org_id != null) throw errors.paramUnsupported('org_id')
    return core.signInTokenJson(core.createSignInToken(request.body.user_id, request.body.expires_in_seconds ?? undefined))
  })
  app.post('/v1/sign_in_tokens/:id/revoke', { schema: { params: IdParams, body: NoBody, response: SignInTokenAnswer } }, async (request) =>
    core.signInTokenJson(core.revokeSignInToken(request.params.id)),
  )

  app.post('/v1/testing_tokens', { schema: { body: NoBody, response: TestingTokenAnswer } }, async () => core.createTestingToken())

  app.post('/v1/clients/verify', { schema: { body: VerifyClientBody, response: ClientAnswer } }, async (request) =>
    core.bapiClientJson(core.verifyClientToken(request.body.token)),
  )
  // Before /v1/clients/:id in meaning; the router prefers the static segment either way.
  app.get('/v1/clients/handshake_payload', { schema: { querystring: HandshakePayloadQuery, response: HandshakePayloadAnswer } }, async (request) => ({
    directives: core.handshakePayload(request.query.nonce),
  }))
  app.get('/v1/clients/:id', { schema: { params: IdParams, response: ClientAnswer } }, async (request) => core.bapiClientJson(core.client(request.params.id)))

  // @clerk/backend sends the API version as a header and may add it to the query: never refused here.
  app.get('/v1/jwks', { config: { anyApiVersion: true }, schema: { response: JwksAnswer } }, async () => core.jwks)
}
