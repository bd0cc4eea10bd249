/**
 * Builds the Fastify app for one instance; it never listens (`mock.ts` does). Wire rules that hold
 * for every route live here: `_method`, body parsing and limits, CORS, API version, error bodies.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import cookie from '@fastify/cookie'
import cors from '@fastify/cors'
import formbody from '@fastify/formbody'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { MockCore } from '../core/mock-core.js'
import { sharedCompilers } from './compilers.js'
import { clientErrorHandler, frameworkError, installErrorHandling, sendError, transportErrors } from './errors.js'
import { MAX_PARAM_LENGTH } from './schemas.js'
import { Guard, isControlPath, type GuardOptions } from './guard.js'
import { installIdentity } from './identity.js'
import { installTraffic } from './traffic.js'
import type { MockTls } from './tls.js'
import { controlRoutes } from './control/routes.js'
import { clientRoutes } from './fapi/client.js'
import { sessionRoutes } from './fapi/sessions.js'
import { environmentRoutes } from './fapi/environment.js'
import { devBrowserRoutes } from './fapi/dev-browser.js'
import { keyRoutes } from './fapi/keys.js'
import { handshakeRoutes } from './fapi/handshake.js'
import { signInRoutes } from './fapi/sign-ins.js'
import { signUpRoutes } from './fapi/sign-ups.js'
import { organizationRoutes } from './fapi/organizations.js'
import { meRoutes } from './fapi/me.js'
import { backendApiRoutes } from './bapi/routes.js'
import { clerkScriptRoutes } from './scripts.js'

export interface AppOptions extends GuardOptions {
  /** Anonymous requests (no cookie, no native token, no dev browser) are 401 `signed_out` instead of seeing every client. */
  strictClients: boolean
  logger: FastifyServerOptions['logger']
  /** Serve the control API under `/__mock`; default true. Off, `/__mock/…` is an unknown route (404). */
  controlApi?: boolean
  /** The one Backend API secret key accepted; default: any `sk_test_…`/`sk_live_…`. */
  secretKey?: string
  /** TLS on the same port as HTTP (tls.ts); without it the app serves plain HTTP only. */
  tls?: MockTls
}

const OVERRIDABLE = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** Where the Backend API lives on the mock's port: `mock.apiUrl` is the origin plus this. */
export const BAPI_PREFIX = '/bapi'

/** How long a request may take to arrive, headers and body. */
export const REQUEST_TIMEOUT_MS = 10_000

/** Clerk bodies are a few form fields; anything near this size is a mistake. */
export const BODY_LIMIT = 64 * 1024

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>

declare module 'fastify' {
  interface FastifyInstance {
    /** The domain core every route calls; the app holds no state of its own. */
    core: MockCore
    mockOptions: AppOptions
    /** Which hosts and origins this mock answers (guard.ts). */
    guard: Guard
  }
  interface FastifyContextConfig {
    /** The route accepts the API version as header and query at once (the JWKS, as @clerk/backend asks for it). */
    anyApiVersion?: boolean
  }
}

/**
 * With no display name, Fastify names each registered plugin by scanning require.cache (every
 * module a test runner has loaded) for it; the name it would end up with is the function's own.
 */
const named = (plugin: FastifyPluginAsyncTypebox) => Object.assign(plugin, { [Symbol.for('fastify.display-name')]: plugin.name })

/** The Fastify app serving one core: every face of the mock over HTTP. */
export function buildApp(core: MockCore, options: AppOptions): App {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    serverFactory: options.tls?.serverFactory,
    // Fastify's default (0) lets a request whose headers or body never finish hold its connection
    // for good; a test's requests arrive in milliseconds. (Answers may take longer: a fault's delay.)
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: {
      // `/v1/client/` is `/v1/client`, as the 405 patterns below already assume.
      ignoreTrailingSlash: true,
      // As long as the longest id the schemas accept; past it, frameworkErrors answers (below).
      maxParamLength: MAX_PARAM_LENGTH,
    },
    // Validators and serialisers are compiled once per process, on first use (see compilers.ts).
    schemaController: sharedCompilers,
    // Unknown body fields are rejected (422 form_param_unknown), never silently stripped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // clerk-js sends DELETE/PUT/PATCH as POST with `?_method=VERB`; rewriteUrl is the one hook that
    // runs before routing (for real sockets and inject() alike), so the verb is swapped here.
    rewriteUrl(req) {
      const url = req.url ?? '/'
      // Not on the control API: a page must not turn a simple POST into a DELETE there.
      if (req.method === 'POST' && !isControlPath(url)) {
        const override = /[?&]_method=([^&]*)/.exec(url)?.[1].toUpperCase()
        if (override !== undefined) {
          if (OVERRIDABLE.has(override)) req.method = override
          else (req as { badMethodOverride?: string }).badMethodOverride = override
        }
      }
      return url
    },
    // HTTP that Node cannot parse still gets a Clerk error body, not Fastify's default one.
    clientErrorHandler,
    // Malformed URLs, over-long path parameters and the like never reach a route or the error handler.
    frameworkErrors(error, request, reply) {
      const clerk = frameworkError(error, request)
      if (clerk.status >= 500) request.log.error({ err: error }, 'unexpected framework error')
      sendError(reply, clerk)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('core', core)
  app.decorate('mockOptions', options)

  // Routes by path pattern, so a wrong verb gets 405 with the verbs that path answers.
  // The patterns are built on the first unknown route, not for every route of every app at start-up.
  const routes: { url: string; pattern?: RegExp; methods: string[] }[] = []
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method).filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
    routes.push({ url: route.url, methods })
  })
  const pattern = (url: string) => new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`)
  installErrorHandling(app, (path) => [...new Set(routes.filter((r) => (r.pattern ??= pattern(r.url)).test(path)).flatMap((r) => r.methods))])

  // Before everything else (CORS included): a foreign Host, or a foreign page at the control API,
  // gets a 403 and no CORS headers.
  const guard = new Guard(options)
  app.decorate('guard', guard)
  app.addHook('onRequest', (request, _reply, done) => done(guard.check(request) ?? undefined))

  app.register(cookie)
  // clerk-js sends credentials, so an allowed Origin is reflected (a `*` would make browsers drop every
  // answer); any other Origin gets no CORS headers. Not strict: an OPTIONS without Origin would
  // otherwise get @fastify/cors's text/plain 400 instead of a Clerk body.
  app.register(cors, {
    // No Origin at all (curl, a server): nothing to reflect, and an OPTIONS still gets its 204.
    origin: (origin, callback) => callback(null, origin === undefined || guard.originAllowed(origin)),
    credentials: true,
    // Authorization carries a native client's token; Retry-After comes with an injected 429.
    exposedHeaders: ['Authorization', 'Retry-After'],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    strictPreflight: false,
  })
  app.register(formbody)
  app.removeContentTypeParser('text/plain')
  const json = app.getDefaultJsonParser('error', 'error')
  // An empty JSON body is as normal as an empty form body (end, remove).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    (body as string).trim() === '' ? done(null, undefined) : json(request, body as string, done),
  )

  // Callback-style hooks: they run on every request, and an async hook costs a promise each time.
  app.addHook('onRequest', (request, _reply, done) => {
    const badOverride = (request.raw as { badMethodOverride?: string }).badMethodOverride
    if (badOverride !== undefined) return done(transportErrors.paramInvalid('_method', badOverride, `_method must be one of ${[...OVERRIDABLE].join(', ')}, got '${badOverride}'.`))
    const query = request.query as Record<string, unknown>
    if (query.__clerk_api_version !== undefined && request.headers['clerk-api-version'] !== undefined && request.routeOptions.config?.anyApiVersion !== true) {
      return done(transportErrors.apiVersionInvalid('send the version either as the Clerk-API-Version header or as the __clerk_api_version query parameter, not both'))
    }
    done()
  })
  // After the cookie plugin (identity reads the __client cookie); traffic first, so its onSend (the
  // journal, which reads the identity) runs before identity's (which acts on it).
  installTraffic(app)
  installIdentity(app)
  // Events a request causes name it (`event_attributes.http_request`, as Clerk's do); the handler runs
  // inside this async context. Endpoints are fixed when the core is built, so a mock without any pays
  // nothing for this.
  if (core.webhooks.endpoints.length > 0) {
    app.addHook('preHandler', (request, _reply, done) => core.webhooks.withRequest({ client_ip: request.ip, user_agent: request.headers['user-agent'] ?? '' }, done))
  }
  if (options.controlApi !== false) app.register(named(controlRoutes))

  for (const routes of [clientRoutes, sessionRoutes, environmentRoutes, devBrowserRoutes, keyRoutes, handshakeRoutes, signInRoutes, signUpRoutes, organizationRoutes, meRoutes, clerkScriptRoutes]) app.register(named(routes))
  // The Backend API under its own prefix (REFERENCE §13): FAPI and BAPI share paths such as /v1/jwks.
  app.register(named(backendApiRoutes), { prefix: BAPI_PREFIX })
  return app
}
