/**
 * The Backend API (REFERENCE §13), served under `BAPI_PREFIX` on the same port and the same core as
 * the Frontend API: a BAPI revoke is what FAPI's next read sees. What holds for every BAPI answer
 * lives here: the secret-key check, `Content-Type: application/json` exactly (with `; charset=utf-8`
 * `@clerk/backend` reads no JSON at all, measured), and BAPI-format 404s and 405s. The routes are
 * in `users.ts`, `sessions.ts`, `organizations.ts` and `misc.ts`, each parse → one core call → serialise.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendError, transportErrors } from '../errors.js'
import { checkSecretKey } from './auth.js'
import { miscRoutes } from './misc.js'
import { organizationRoutes } from './organizations.js'
import { sessionRoutes } from './sessions.js'
import { userRoutes } from './users.js'

/** What every BAPI answer is served as: exactly this, no parameters. */
export const BAPI_CONTENT_TYPE = 'application/json'

export const backendApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The Backend API's own routes, for its 405s (the root's list knows the Frontend API's).
  const routes: { pattern: RegExp; methods: string[] }[] = []
  app.addHook('onRoute', (route) => {
    const pattern = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`)
    routes.push({ pattern, methods: ([] as string[]).concat(route.method).filter((m) => m !== 'HEAD' && m !== 'OPTIONS') })
  })

  // Every BAPI request, unknown routes included, needs the secret key first (as on Clerk, where an
  // unauthenticated caller learns nothing about which routes exist).
  app.addHook('onRequest', (request, _reply, done) => done(checkSecretKey(request, app.mockOptions.secretKey) ?? undefined))
  // Last word on the content type: error bodies come from the one error handler (errors.ts), which
  // answers the Frontend API with a charset.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('content-type', BAPI_CONTENT_TYPE)
    done(null, payload)
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))]
    const notAllowed = allowed.length > 0 && !allowed.includes(request.method)
    return sendError(reply, notAllowed ? transportErrors.methodNotAllowed(request.method, path, allowed) : transportErrors.routeNotFound(request.method, path))
  })

  app.register(userRoutes)
  app.register(sessionRoutes)
  app.register(miscRoutes)
  app.register(organizationRoutes)
}
