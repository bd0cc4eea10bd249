/**
 * `GET /v1/client/handshake` (REFERENCE §12): where `@clerk/backend` sends a browser's page load when
 * the app's cookies do not say who the browser is. The rules are `core/handshake.ts`; this reads the
 * query and the mock's own `__client` cookie and answers the 307 back to the app.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { devPublishableKey, runHandshake } from '../../core/handshake.js'
import { CLIENT_COOKIE } from '../identity.js'

/** Everything @clerk/backend sends (`__clerk_api_version`, `__clerk_hs_reason`, organization sync parameters, …) is accepted; the route reads what it needs. */
const HandshakeQuery = Type.Object({}, { additionalProperties: true })

type Query = Record<string, string | string[] | undefined>

/** A repeated parameter counts once, as its last value (only `redirect_url` must be unambiguous, and the core checks that). */
const last = (value: string | string[] | undefined) => (Array.isArray(value) ? value[value.length - 1] : value)

export const handshakeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  // No HEAD twin: a HEAD must not register dev browsers or mint tokens (it is a 405).
  app.get('/v1/client/handshake', { schema: { querystring: HandshakeQuery }, exposeHeadRoute: false }, async (request, reply) => {
    const query = request.query as Query
    // The SDK computed this URL from its publishable key's host, so the Host names that key
    // (`mock.publishableKey` for an app pointed at the mock); its suffix names the suffixed cookies.
    const host = request.headers.host ?? new URL(core.issuer).host
    const result = await runHandshake(core, {
      redirectUrl: query.redirect_url,
      devBrowser: last(query.__clerk_db_jwt),
      sessionToken: last(query.__session),
      clientToken: request.cookies[CLIENT_COOKIE],
      wantsNonce: last(query.format) === 'nonce',
      publishableKey: last(query.suffixed_cookies) === 'true' ? devPublishableKey(host) : null,
      originAllowed: (origin) => app.guard.originAllowed(origin),
    })
    // For the journal: the client this handshake answered for.
    request.facts.handedOutClientId = result.clientId
    // The answer carries a session token for this one browser: never from a cache.
    reply.header('cache-control', 'no-store')
    return reply.redirect(result.location, 307)
  })
}
