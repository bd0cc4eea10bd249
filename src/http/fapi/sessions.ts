/**
 * Session routes: read, touch, end, remove, tokens (`/v1/client/sessions/…`) and the signed-in
 * user's sessions across devices (`/v1/me/sessions…`). Each is parse → one core call → reply.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { SessionResult } from '../../core/store.js'
import { callerOf } from '../identity.js'
import { ClerkQuery, EmptyBody, SessionEnvelope, SessionList, SessionParams, TemplateParams, TokenBody, TokenResponse, TouchBody } from '../schemas.js'

/** The journal reads the session a route acts on from this parameter. */
const config = { sessionParam: 'id' }

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  const envelope = ({ session, client }: SessionResult) => ({ response: core.sessionJson(session), client: core.clientJson(client) })
  const options = { config, schema: { params: SessionParams, querystring: ClerkQuery, body: EmptyBody, response: SessionEnvelope } }

  app.get('/v1/client/sessions/:id', { config, schema: { params: SessionParams, querystring: ClerkQuery, response: SessionEnvelope } }, async (request) =>
    envelope(core.session(callerOf(request), request.params.id)),
  )

  app.post(
    '/v1/client/sessions/:id/touch',
    { config, schema: { params: SessionParams, querystring: ClerkQuery, body: TouchBody, response: SessionEnvelope } },
    async (request) => envelope(core.touchSession(callerOf(request), request.params.id, request.body?.active_organization_id)),
  )

  app.post('/v1/client/sessions/:id/end', options, async (request) => envelope(core.endSession(callerOf(request), request.params.id)))
  app.post('/v1/client/sessions/:id/remove', options, async (request) => envelope(core.removeSession(callerOf(request), request.params.id)))

  // The session token, or a JWT template's token; `azp` is the page's Origin (clerk-js in Node sends none).
  const mint = async (request: FastifyRequest, id: string, organizationId: string | null | undefined, template?: string) => {
    const jwt = await core.mintSessionToken(core.session(callerOf(request), id), { azp: request.headers.origin, organizationId, template })
    return { object: 'token' as const, jwt }
  }
  app.post('/v1/client/sessions/:id/tokens', { config, schema: { params: SessionParams, querystring: ClerkQuery, body: TokenBody, response: TokenResponse } }, async (request) =>
    mint(request, request.params.id, request.body?.organization_id),
  )
  app.post(
    '/v1/client/sessions/:id/tokens/:template',
    { config, schema: { params: TemplateParams, querystring: ClerkQuery, body: TokenBody, response: TokenResponse } },
    async (request) => mint(request, request.params.id, request.body?.organization_id, request.params.template),
  )

  // The signed-in user's sessions on every client (their devices).
  const userSessions = (signedInOnly: boolean) => async (request: FastifyRequest<{ Querystring: { _clerk_session_id?: string } }>) => {
    const user = core.signedInUser(callerOf(request), request.query._clerk_session_id)
    return core.sessionsJson(core.userSessions(user.id, signedInOnly))
  }
  app.get('/v1/me/sessions', { schema: { querystring: ClerkQuery, response: SessionList } }, userSessions(false))
  app.get('/v1/me/sessions/active', { schema: { querystring: ClerkQuery, response: SessionList } }, userSessions(true))

  app.post('/v1/me/sessions/:id/revoke', options, async (request) => {
    const who = callerOf(request)
    const revoker = who.clientId === null && request.query._clerk_session_id === undefined ? null : core.signedInUser(who, request.query._clerk_session_id).id
    const result = core.revokeSession(revoker, request.params.id)
    // The answer carries the caller's own client, which may differ from the revoked session's device.
    const client = who.clientId === null ? result.client : core.client(who.clientId)
    return { response: core.sessionJson(result.session), client: core.clientJson(client) }
  })
}
