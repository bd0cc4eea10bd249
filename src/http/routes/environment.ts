/**
 * `/v1/environment`: the instance settings clerk-js loads before anything else. A `pk_test_`
 * browser sends it as `POST …?_method=PATCH` (real Clerk records the page's origin there); both
 * verbs answer the same environment: the default with the fixture's `environment` merged in.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { environmentJson } from '../../core/environment.js'
import { errors } from '../../core/errors.js'
import { ErrorJson } from '../../core/wire.js'
import { ClerkQuery } from '../schemas.js'

const EnvironmentResponse = { 200: Type.Record(Type.String(), Type.Unknown()), '4xx': ErrorJson, '5xx': ErrorJson }
/**
 * A body the mock does not read: clerk-js sends an empty form, and the fields real Clerk might take
 * here mean nothing to the mock. Shared with `POST /v1/dev_browser`.
 */
export const AnyBody = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])

export const environmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The seed never changes, so neither does the environment.
  const served = environmentJson(app.instance.seed.environment)
  const environment = () => served

  // An unknown dev browser is 401 here too, as on Clerk: clerk-js answers it by creating a new one.
  const checkDevBrowser = (query: { __clerk_db_jwt?: string }) => {
    const id = query.__clerk_db_jwt
    if (id !== undefined && !app.instance.store.devBrowsers.has(id)) throw errors.devBrowserUnauthenticated()
  }

  app.get('/v1/environment', { schema: { querystring: ClerkQuery, response: EnvironmentResponse } }, async (request) => {
    checkDevBrowser(request.query)
    return environment()
  })
  app.patch('/v1/environment', { schema: { querystring: ClerkQuery, body: AnyBody, response: EnvironmentResponse } }, async (request) => {
    checkDevBrowser(request.query)
    return environment()
  })
}
