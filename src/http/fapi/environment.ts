/**
 * `/v1/environment`: the instance settings clerk-js loads before anything else. A `pk_test_`
 * browser sends it as `POST …?_method=PATCH` (real Clerk records the page's origin there); both
 * verbs answer the same environment: the default with the fixture's `environment` merged in.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { errors } from '../../core/errors.js'
import { ErrorJson } from '../../core/wire.js'
import { AnyBody, ClerkQuery } from '../schemas.js'

const EnvironmentResponse = { 200: Type.Record(Type.String(), Type.Unknown()), '4xx': ErrorJson, '5xx': ErrorJson }

export const environmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // An unknown dev browser is 401 here too, as on Clerk: clerk-js answers it by creating a new one.
  const environment = async (request: FastifyRequest<{ Querystring: { __clerk_db_jwt?: string } }>) => {
    const devBrowser = request.query.__clerk_db_jwt
    if (devBrowser !== undefined && app.core.devBrowserClient(devBrowser) === undefined) throw errors.devBrowserUnauthenticated()
    return app.core.environment
  }
  app.get('/v1/environment', { schema: { querystring: ClerkQuery, response: EnvironmentResponse } }, environment)
  app.patch('/v1/environment', { schema: { querystring: ClerkQuery, body: AnyBody, response: EnvironmentResponse } }, environment)
}
