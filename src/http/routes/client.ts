/** `/v1/client`: the caller's client — read, create, destroy, sign every session out. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../core/errors.js'
import { clientJson } from '../../core/serialize.js'
import { clearClientCookie, handOutClientToken, identify, type Identity } from '../identity.js'
import { ClerkQuery, ClientEnvelope, EmptyBody } from '../schemas.js'
import type { Instance } from '../../core/instance.js'

function requireClient(instance: Instance, identity: Identity) {
  if (identity.kind !== 'client') throw errors.noClient()
  return instance.store.client(identity.clientId)
}

export const clientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const instance = () => app.instance

  app.get('/v1/client', { schema: { querystring: ClerkQuery, response: ClientEnvelope } }, async (request) => {
    const identity = identify(request, instance())
    const client = identity.kind === 'client' ? instance().store.client(identity.clientId) : null
    return { response: client && clientJson(instance().store, client), client: null }
  })

  // PUT and POST both create a fresh client and hand its token back (cookie or Authorization header).
  app.route({
    method: ['PUT', 'POST'],
    url: '/v1/client',
    schema: { querystring: ClerkQuery, body: EmptyBody, response: ClientEnvelope },
    handler: async (request, reply) => {
      const identity = identify(request, instance())
      const client = instance().store.createClient()
      handOutClientToken(request, reply, instance(), client, identity)
      const json = clientJson(instance().store, client)
      return { response: json, client: json }
    },
  })

  app.delete('/v1/client', { schema: { querystring: ClerkQuery, body: EmptyBody, response: ClientEnvelope } }, async (request, reply) => {
    const identity = identify(request, instance())
    const client = requireClient(instance(), identity)
    const { sessions } = instance().store.destroyClient(client)
    instance().clientTokens.forget(client.id)
    if (identity.kind === 'client' && identity.via === 'cookie') clearClientCookie(request, reply)
    return { response: clientJson(instance().store, client, sessions), client: null }
  })

  app.delete('/v1/client/sessions', { schema: { querystring: ClerkQuery, body: EmptyBody, response: ClientEnvelope } }, async (request) => {
    const client = requireClient(instance(), identify(request, instance()))
    instance().store.signOutClient(client)
    return { response: clientJson(instance().store, client), client: null }
  })
}
