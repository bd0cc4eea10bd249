/**
 * The JWKS that verifies session tokens: `/.well-known/jwks.json` (what a JWKS URL points at) and
 * `/v1/jwks` (what `@clerk/backend` fetches with `secretKey` + `apiUrl`). @clerk/backend sends
 * `Authorization: Bearer sk_…` here; that is a Backend API secret, never a client token, so these
 * routes read no credential at all.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorJson, Jwks } from '../../core/wire.js'

const JwksQuery = Type.Object({}, { additionalProperties: true })
const schema = { querystring: JwksQuery, response: { 200: Jwks, '4xx': ErrorJson, '5xx': ErrorJson } }
// @clerk/backend sends the API version both ways here; a key fetch is never refused for it.
const config = { anyApiVersion: true }

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const jwks = async () => app.core.jwks
  app.get('/.well-known/jwks.json', { schema, config }, jwks)
  app.get('/v1/jwks', { schema, config }, jwks)
}
