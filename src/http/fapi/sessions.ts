/**
 * Session routes: read, touch, end, remove, tokens (`/v1/client/sessions/…`) and the signed-in
 * user's sessions across devices (`/v1/me/sessions…`). Each is parse → one core call → reply.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { SessionResult } from '../../core/store.js'
import { servedTo } from '../guard.js'
import { callerOf } from '../identity.js'
import { ClerkQuery, EmptyBody, SessionEnvelope, SessionList, SessionParams, TemplateParams, TokenBody, TokenResponse, TouchBody } from '../schemas.js'

/** The journal reads the session a route acts on from this parameter. */
const config = { sessionParam: 'id' }

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  // The page's Origin is the `azp` of the tokens it asks for and of the `last_active_token`s it is served.
  const envelope = (request: FastifyRequest, { session, client }: SessionResult) => {
    const to = servedTo(request)
    return { response: core.sessionJson(session, to), client: core.clientJson(client, to) }
  }
  const options = { config, schema: { params: SessionParams, querystring: ClerkQuery, body: EmptyBody, response: SessionEnvelope } }

  app.get('/v1/client/sessions/:id', { config, schema: { params: SessionParams, querystring: ClerkQuery, response: SessionEnvelope } }, async (request) =>
    envelope(request, core.session(callerOf(request), request.params.id)),
  )

  app.post(
    '/v1/client/sessions/:id/touch',
    { config, schema: { params: SessionParams, querystring: ClerkQuery, body: TouchBody, response: SessionEnvelope } },
    async (request) => envelope(request, core.touchSession(callerOf(request), request.params.id, request.body?.active_organization_id)),
  )

  app.post('/v1/client/sessions/:id/end', options, async (request) => envelope(request, core.endSession(callerOf(request), request.params.id)))
  app.post('/v1/client/sessions/:id/remove', options, async (request) => envelope(request, core.removeSession(callerOf(request), request.params.id)))

  // The session token, or a JWT template's token (clerk-js in Node sends no Origin: the default azp).
  const mint = async (request: FastifyRequest, id: string, organizationId: string | null | undefined, template?: string) => {
    const jwt = await core.mintSessionToken(core.session(callerOf(request), id), { azp: servedTo(request).azp, organizationId, template })
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
    return core.sessionsJson(core.userSessions(user.id, signedInOnly), servedTo(request))
  }
  app.get('/v1/me/sessions', { schema: { querystring: ClerkQuery, response: SessionList } }, userSessions(false))
  app.get('/v1/me/sessions/active', { schema: { querystring: ClerkQuery, response: SessionList } }, userSessions(true))

  app.post('/v1/me/sessions/:id/revoke', options, async (request) => {
    const who = callerOf(request)
    const revoker = who.clientId === null && request.query._clerk_session_id === undefined ? null : core.signedInUser(who, request.query._clerk_session_id).id
    const result = core.revokeSession(revoker, request.params.id)
    // The answer carries the caller's own client, which may differ from the revoked session's device.
    const client = who.clientId === null ? result.client : core.client(who.clientId)
    return envelope(request, { session: result.session, client })
  })
}
