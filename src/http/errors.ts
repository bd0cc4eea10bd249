/**
 * The one place failures become Clerk's error body. Domain errors keep their code; Fastify's own
 * errors (bad JSON, content types, sizes, validation) are translated; anything else is a bug (500).
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ClerkError, errors } from '../core/errors.js'
import { TimeInputError } from '../core/time.js'
import { traceId } from '../core/ids.js'
import type { ErrorJson } from '../core/wire.js'
import { MAX_PARAM_LENGTH } from './schemas.js'
// A value used only when a request is answered, so the import cycle with app.ts is harmless.
import { BAPI_PREFIX } from './app.js'

/** The transport's own refusals (HTTP, routing, body parsing, the wire conventions of REFERENCE §1). */
export const transportErrors = {
  apiVersionInvalid: (reason: string) =>
    new ClerkError(400, 'api_version_invalid', 'invalid API version', `Invalid Clerk API version: ${reason}`),
  paramInvalid: (param: string, value: unknown, detail?: string) =>
    new ClerkError(
      422,
      'form_param_value_invalid',
      'is invalid',
      detail ?? `${String(value)} does not match one of the allowed values for parameter ${param}`,
      { param_name: param },
    ),
  paramUnknown: (param: string) =>
    new ClerkError(422, 'form_param_unknown', 'is unknown', `${param} is not a valid parameter for this request.`, {
      param_name: param,
    }),
  paramMissing: (param: string) =>
    new ClerkError(422, 'form_param_missing', 'is missing', `${param} must be included.`, { param_name: param }),
  unsupportedContentType: (actual: string) =>
    new ClerkError(
      415,
      'unsupported_content_type',
      'Content-Type is unsupported',
      `Content-Type ${actual} is unsupported. You should use application/x-www-form-urlencoded or application/json instead.`,
    ),
  bodyInvalid: (detail?: string) =>
    new ClerkError(
      400,
      'request_body_invalid',
      'Request body invalid',
      'The request body is invalid. Please consult the API documentation for more information.' + (detail ? ` (${detail})` : ''),
    ),
  bodyTooLarge: (limit: number) =>
    new ClerkError(413, 'request_body_too_large', 'Request body too large', `The request body exceeds the maximum allowed size of ${limit} bytes.`),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new ClerkError(
      405,
      'method_not_allowed',
      'Method not allowed',
      `${method} is not allowed on ${path}; it answers ${allowed.join(', ')}.`,
      { allowed },
    ),
  segmentTooLong: (method: string, path: string, max: number) =>
    new ClerkError(
      404,
      'resource_not_found',
      'Resource not found',
      `No resource was found for ${method} ${path}: a path segment is longer than ${max} characters, and no id is that long.`,
    ),
  routeNotFound: (method: string, path: string) =>
    new ClerkError(404, 'resource_not_found', 'Resource not found', `No route matches ${method} ${path}.`),
  /** HTTP that Node's parser rejects before any route sees it: garbage bytes, a bad request line or header, an oversized header section. */
  malformedHttp: (status: 400 | 408 | 431, detail: string) =>
    status === 431
      ? new ClerkError(431, 'request_header_fields_too_large', 'Request headers too large', `The request's header section is too large (${detail}).`)
      : status === 408
        ? new ClerkError(408, 'request_timeout', 'Request timeout', `The request did not arrive in time (${detail}).`)
        : new ClerkError(400, 'malformed_request', 'Malformed request', `The HTTP request could not be parsed (${detail}).`),
}

export function errorBody(error: ClerkError): ErrorJson {
  return {
    errors: [
      {
        message: error.shortMessage,
        long_message: error.longMessage,
        code: error.code,
        ...(error.meta ? { meta: error.meta } : {}),
      },
    ],
    clerk_trace_id: traceId(),
  }
}

/**
 * The Backend API's answers are `application/json` exactly (`@clerk/backend` parses nothing else);
 * the Frontend API's carry a charset, as Fastify writes them. Decided by path, so an error the router
 * meets before any BAPI route (an over-long id, a malformed URL) is served like the routes' own.
 */
export function errorContentType(url: string): string {
  const path = url.split('?')[0]
  return path === BAPI_PREFIX || path.startsWith(`${BAPI_PREFIX}/`) ? 'application/json' : 'application/json; charset=utf-8'
}

export function sendError(reply: FastifyReply, error: ClerkError): FastifyReply {
  const type = errorContentType(reply.request.url)
  reply.code(error.status).type(type)
  // Fastify's own JSON serialisation adds `; charset=utf-8` to a bare application/json; a reply
  // serialiser of its own skips that step (and the route hooks that would fix it run only once routed).
  if (type === 'application/json') reply.serializer(JSON.stringify)
  return reply.send(errorBody(error))
}

/**
 * Fastify's `frameworkErrors`: failures the router meets before any route, hook or error handler.
 * A URL that cannot be decoded is a route nobody has; a path parameter longer than any id can be
 * names a resource that cannot exist (404, as for an unknown id); anything else is a bug.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest): ClerkError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return transportErrors.routeNotFound(request.method, `(malformed URL: ${error.message})`)
    case 'FST_ERR_MAX_PARAM_LENGTH': {
      // The path is echoed with its long segments shortened: the answer need not be as big as the URL.
      const path = request.url
        .split('?')[0]
        .split('/')
        .map((s) => (s.length > MAX_PARAM_LENGTH ? `${s.slice(0, 32)}…(${s.length} characters)` : s))
        .join('/')
      return transportErrors.segmentTooLong(request.method, path, MAX_PARAM_LENGTH)
    }
    default:
      return errors.internal()
  }
}

interface ValidationIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** Fastify's error (or anything thrown) → the ClerkError to answer with. */
export function toClerkError(error: unknown, request: FastifyRequest): ClerkError {
  if (error instanceof ClerkError) return error
  // Only the control API takes times (the clock, fixture times never arrive over HTTP).
  if (error instanceof TimeInputError) return errors.controlInputInvalid(error.message, error.param)
  const e = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string }
  if (e.validation && e.validation.length > 0) return fromValidation(e.validation[0], request, e.validationContext)
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? transportErrors.unsupportedContentType(request.headers['content-type'] ?? '(none)')
        : transportErrors.bodyInvalid('Content-Length does not match the body')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return transportErrors.bodyTooLarge(request.routeOptions.bodyLimit ?? 0)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return transportErrors.bodyInvalid(e.message)
  }
  if (e instanceof SyntaxError || (typeof e.statusCode === 'number' && e.statusCode === 400)) return transportErrors.bodyInvalid(e.message)
  if (typeof e.statusCode === 'number' && e.statusCode === 413) return transportErrors.bodyTooLarge(request.routeOptions.bodyLimit ?? 0)
  return errors.internal()
}

function fromValidation(issue: ValidationIssue, request: FastifyRequest, context = 'body'): ClerkError {
  const param = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
  if (issue.keyword === 'additionalProperties') return transportErrors.paramUnknown(String(issue.params.additionalProperty))
  if (issue.keyword === 'required') return transportErrors.paramMissing(String(issue.params.missingProperty))
  if (param === '') return transportErrors.bodyInvalid(`expected an object of form parameters, ${issue.message ?? 'got something else'}`)
  // The value is echoed from where it came: a query parameter, a path parameter or the body.
  const source = context === 'querystring' ? request.query : context === 'params' ? request.params : request.body
  const value = ((source ?? {}) as Record<string, unknown>)[param.split('.')[0]]
  if (issue.keyword === 'enum' || issue.keyword === 'const' || issue.keyword === 'anyOf') {
    return transportErrors.paramInvalid(param, JSON.stringify(value))
  }
  return transportErrors.paramInvalid(param, value, `${param} is invalid: ${issue.message ?? 'wrong value'}.`)
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects never reach a route or the
 * error handler, so the Clerk error body is written straight to the socket, which is then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const body = JSON.stringify(errorBody(transportErrors.malformedHttp(status, error.code ?? error.message)))
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}

/** Installs the error and not-found handlers: every failure, on every route, is a Clerk error body. */
export function installErrorHandling(app: FastifyInstance, allowedMethods: (path: string) => string[]): void {
  app.setErrorHandler((error, request, reply) => {
    const clerk = toClerkError(error, request)
    if (clerk.status >= 500) request.log.error({ err: error }, 'unexpected error')
    return sendError(reply, clerk)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    const allowed = allowedMethods(path)
    // A path that answers this very verb but reached no route (a shape the router and the 405
    // patterns disagree on) is a 404: a 405 naming the request's own verb would contradict itself.
    const notAllowed = allowed.length > 0 && !allowed.includes(request.method)
    return sendError(reply, notAllowed ? transportErrors.methodNotAllowed(request.method, path, allowed) : transportErrors.routeNotFound(request.method, path))
  })
}
