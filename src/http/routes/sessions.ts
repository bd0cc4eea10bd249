/**
 * Session routes: read, touch, end, remove, tokens (`/v1/client/sessions/…`) and the signed-in
 * user's sessions across devices (`/v1/me/sessions…`). Each is parse → one store call → reply.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { clientJson, sessionJson } from '../../core/serialize.js'
import type { SessionResult } from '../../core/store.js'
import { callerOf, identify } from '../identity.js'
import { ClerkQuery, EmptyBody, SessionEnvelope, SessionList, SessionParams, TemplateParams, TokenBody, TokenResponse, TouchBody } from '../schemas.js'

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = () => app.instance.store
  const caller = (request: FastifyRequest) => callerOf(identify(request, app.instance), app.mockOptions.strictClients)
  const envelope = ({ session, client }: SessionResult) => ({ response: sessionJson(store(), session), client: clientJson(store(), client) })
  const issuer = (request: FastifyRequest) => `${request.protocol}://${request.host}`
  const options = { schema: { params: SessionParams, querystring: ClerkQuery, body: EmptyBody, response: SessionEnvelope } }

  app.get('/v1/client/sessions/:id', { schema: { params: SessionParams, querystring: ClerkQuery, response: SessionEnvelope } }, async (request) =>
    envelope(store().session(caller(request), request.params.id)),
  )

  app.post(
    '/v1/client/sessions/:id/touch',
    { schema: { params: SessionParams, querystring: ClerkQuery, body: TouchBody, response: SessionEnvelope } },
    async (request) => envelope(store().touch(caller(request), request.params.id, request.body?.active_organization_id)),
  )

  app.post('/v1/client/sessions/:id/end', options, async (request) => envelope(store().end(caller(request), request.params.id)))
  app.post('/v1/client/sessions/:id/remove', options, async (request) => envelope(store().remove(caller(request), request.params.id)))

  // The session token, or a JWT template's token; `azp` is the page's Origin (clerk-js in Node sends none).
  const mint = async (request: FastifyRequest, id: string, organizationId: string | null | undefined, template?: string) => {
    const jwt = await app.instance.mintSessionToken(store().session(caller(request), id), {
      issuer: issuer(request),
      azp: request.headers.origin ?? app.mockOptions.defaultAzp ?? null,
      organizationId,
      template,
    })
    return { object: 'token' as const, jwt }
  }
  app.post('/v1/client/sessions/:id/tokens', { schema: { params: SessionParams, querystring: ClerkQuery, body: TokenBody, response: TokenResponse } }, async (request) =>
    mint(request, request.params.id, request.body?.organization_id),
  )
  app.post(
    '/v1/client/sessions/:id/tokens/:template',
    { schema: { params: TemplateParams, querystring: ClerkQuery, body: TokenBody, response: TokenResponse } },
    async (request) => mint(request, request.params.id, request.body?.organization_id, request.params.template),
  )

  // The signed-in user's sessions on every client (their devices).
  const userSessions = (signedInOnly: boolean) => async (request: FastifyRequest<{ Querystring: { _clerk_session_id?: string } }>) => {
    const user = store().signedInUser(caller(request), request.query._clerk_session_id)
    return store().userSessions(user.id, signedInOnly).map((s) => sessionJson(store(), s))
  }
  app.get('/v1/me/sessions', { schema: { querystring: ClerkQuery, response: SessionList } }, userSessions(false))
  app.get('/v1/me/sessions/active', { schema: { querystring: ClerkQuery, response: SessionList } }, userSessions(true))

  app.post('/v1/me/sessions/:id/revoke', options, async (request) => {
    const who = caller(request)
    const revoker = who.clientId === null && request.query._clerk_session_id === undefined ? null : store().signedInUser(who, request.query._clerk_session_id).id
    const result = store().revoke(revoker, request.params.id)
    // The answer carries the caller's own client, which may differ from the revoked session's device.
    const client = who.clientId === null ? result.client : store().client(who.clientId)
    return { response: sessionJson(store(), result.session), client: clientJson(store(), client) }
  })
}
