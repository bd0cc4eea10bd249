/**
 * `POST /v1/dev_browser`: a development instance's browser identity for cross-site pages, where the
 * `__client` cookie cannot travel. clerk-js then sends `__clerk_db_jwt=<id>` on every request; the
 * id starts unbound and is bound to the client the browser creates (see `identity.ts`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorJson } from '../../core/wire.js'
import { AnyBody, ClerkQuery } from '../schemas.js'

const DevBrowserJson = Type.Object({ id: Type.String() })

export const devBrowserRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/dev_browser',
    { schema: { querystring: ClerkQuery, body: AnyBody, response: { 200: DevBrowserJson, '4xx': ErrorJson, '5xx': ErrorJson } } },
    async () => ({ id: app.core.registerDevBrowser() }),
  )
}
