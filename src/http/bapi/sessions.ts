/**
 * Backend API sessions: list, get, create, revoke, tokens. The same core operations the Frontend
 * API runs, so a BAPI revoke is what clerk-js's next client fetch shows. The Backend API sees every
 * session the mock still holds (removed and revoked ones too), as a backend needs to audit them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { bounded } from './query.js'
import { CreateSessionBody, IdParams, NoBody, SessionAnswer, SessionListAnswer, SessionListQuery, SessionTokenBody, TemplateParams, TokenAnswer } from './schemas.js'
import type { SessionStatus } from '../../core/wire.js'

/** The journal reads the session a route acts on from this parameter. */
const config = { sessionParam: 'id' }

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  app.get('/v1/sessions', { schema: { querystring: SessionListQuery, response: SessionListAnswer } }, async (request) => {
    const q = request.query
    const limit = bounded(q, 'limit', 10, 1, 500)
    const offset = bounded(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
    // `replaced` is a status Clerk has and the mock never gives: nothing matches it.
    const found = q.status === 'replaced' ? [] : core.findSessions({ userId: q.user_id, clientId: q.client_id, status: q.status as SessionStatus | undefined })
    const page = found.slice(offset, offset + limit).map((s) => core.bapiSessionJson(s))
    return q.paginated === 'true' ? { data: page, total_count: found.length } : page
  })

  app.get('/v1/sessions/:id', { config, schema: { params: IdParams, response: SessionAnswer } }, async (request) =>
    core.bapiSessionJson(core.anySession(request.params.id).session),
  )

  // A new client for each, as on Clerk (this endpoint is for tests; an app signs users in with sign-in tokens).
  app.post('/v1/sessions', { schema: { body: CreateSessionBody, response: SessionAnswer } }, async (request) => {
    // Checked first: a non-member's organization creates no session.
    core.user(request.body.user_id)
    core.organizations.assertMember(request.body.user_id, request.body.active_organization_id)
    const { session } = core.createSession(request.body.user_id)
    if (request.body.active_organization_id) session.lastActiveOrganizationId = request.body.active_organization_id
    return core.bapiSessionJson(session)
  })

  app.post('/v1/sessions/:id/revoke', { config, schema: { params: IdParams, body: NoBody, response: SessionAnswer } }, async (request) =>
    core.bapiSessionJson(core.revokeSession(null, request.params.id).session),
  )

  const mint = async (id: string, template: string | undefined, expiresInSeconds: number | null | undefined) => {
    const lifetimeMs = expiresInSeconds == null ? undefined : expiresInSeconds * 1000
    // No Origin here: the token's azp is the mock's defaultAzp, if one is set.
    const jwt = await core.mintSessionToken(core.session({ clientId: null }, id), { template, lifetimeMs })
    return { object: 'token' as const, jwt }
  }
  app.post('/v1/sessions/:id/tokens', { config, schema: { params: IdParams, body: SessionTokenBody, response: TokenAnswer } }, async (request) =>
    mint(request.params.id, undefined, request.body?.expires_in_seconds),
  )
  app.post('/v1/sessions/:id/tokens/:template', { config, schema: { params: TemplateParams, body: SessionTokenBody, response: TokenAnswer } }, async (request) =>
    mint(request.params.id, request.params.template, request.body?.expires_in_seconds),
  )
}
