/** `/v1/client`: the caller's client — read, create, destroy, sign every session out. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { errors } from '../../core/errors.js'
import { servedTo } from '../guard.js'
import { clearClientCookie, clientOf, handOutClientToken } from '../identity.js'
import { ClerkQuery, ClientEnvelope, EmptyBody } from '../schemas.js'

const requireClient = (request: FastifyRequest) => {
  const client = clientOf(request)
  if (client === null) throw errors.noClient()
  return client
}

export const clientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  // No client, or a cookie naming none this mock knows, is 200 null (as on Clerk); the answer clears such a cookie.
  app.get('/v1/client', { schema: { querystring: ClerkQuery, response: ClientEnvelope } }, async (request) => {
    const client = clientOf(request)
    return { response: client && core.clientJson(client, servedTo(request)), client: null }
  })

  // PUT and POST both create a fresh client and hand its token back (cookie or Authorization header).
  app.route({
    method: ['PUT', 'POST'],
    url: '/v1/client',
    schema: { querystring: ClerkQuery, body: EmptyBody, response: ClientEnvelope },
    handler: async (request, reply) => {
      if (request.identity.kind === 'refused') throw request.identity.error
      const client = core.createClient()
      handOutClientToken(request, reply, client)
      const json = core.clientJson(client, servedTo(request))
      return { response: json, client: json }
    },
  })

  app.delete('/v1/client', { schema: { querystring: ClerkQuery, body: EmptyBody, response: ClientEnvelope } }, async (request, reply) => {
    const client = requireClient(request)
    const { sessions } = core.destroyClient(client)
    if (request.identity.kind === 'client' && request.identity.via === 'cookie') clearClientCookie(request, reply)
    return { response: core.clientJson(client, { ...servedTo(request), sessions }), client: null }
  })

  app.delete('/v1/client/sessions', { schema: { querystring: ClerkQuery, body: EmptyBody, response: ClientEnvelope } }, async (request) => {
    const client = core.signOutClient(requireClient(request))
    return { response: core.clientJson(client, servedTo(request)), client: null }
  })
}
