/**
 * The one place failures become Clerk's error body. Domain errors keep their code; Fastify's own
 * errors (bad JSON, content types, sizes, validation) are translated; anything else is a bug (500).
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ClerkError, errors } from '../core/errors.js'
import { traceId } from '../core/ids.js'
import type { ErrorJson } from '../core/wire.js'
import { MAX_PARAM_LENGTH } from './schemas.js'

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

export function sendError(reply: FastifyReply, error: ClerkError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(error))
}

/**
 * Fastify's `frameworkErrors`: failures the router meets before any route, hook or error handler.
 * A URL that cannot be decoded is a route nobody has; a path parameter longer than any id can be
 * names a resource that cannot exist (404, as for an unknown id); anything else is a bug.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest): ClerkError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return errors.routeNotFound(request.method, `(malformed URL: ${error.message})`)
    case 'FST_ERR_MAX_PARAM_LENGTH': {
      // The path is echoed with its long segments shortened: the answer need not be as big as the URL.
      const path = request.url
        .split('?')[0]
        .split('/')
        .map((s) => (s.length > MAX_PARAM_LENGTH ? `${s.slice(0, 32)}…(${s.length} characters)` : s))
        .join('/')
      return errors.segmentTooLong(request.method, path, MAX_PARAM_LENGTH)
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
  const e = error as FastifyError & { validation?: ValidationIssue[] }
  if (e.validation && e.validation.length > 0) return fromValidation(e.validation[0], request)
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? errors.unsupportedContentType(request.headers['content-type'] ?? '(none)')
        : errors.bodyInvalid('Content-Length does not match the body')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(request.routeOptions.bodyLimit ?? 0)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return errors.bodyInvalid(e.message)
  }
  if (e instanceof SyntaxError || (typeof e.statusCode === 'number' && e.statusCode === 400)) return errors.bodyInvalid(e.message)
  if (typeof e.statusCode === 'number' && e.statusCode === 413) return errors.bodyTooLarge(request.routeOptions.bodyLimit ?? 0)
  return errors.internal()
}

function fromValidation(issue: ValidationIssue, request: FastifyRequest): ClerkError {
  const param = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
  if (issue.keyword === 'additionalProperties') return errors.paramUnknown(String(issue.params.additionalProperty))
  if (issue.keyword === 'required') return errors.paramMissing(String(issue.params.missingProperty))
  if (param === '') return errors.bodyInvalid(`expected an object of form parameters, ${issue.message ?? 'got something else'}`)
  const body = (request.body ?? {}) as Record<string, unknown>
  const value = body[param]
  if (issue.keyword === 'enum' || issue.keyword === 'const' || issue.keyword === 'anyOf') {
    return errors.paramInvalid(param, JSON.stringify(value))
  }
  return errors.paramInvalid(param, value, `${param} is invalid: ${issue.message ?? 'wrong value'}.`)
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects never reach a route or the
 * error handler, so the Clerk error body is written straight to the socket, which is then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const body = JSON.stringify(errorBody(errors.malformedHttp(status, error.code ?? error.message)))
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
    return sendError(reply, notAllowed ? errors.methodNotAllowed(request.method, path, allowed) : errors.routeNotFound(request.method, path))
  })
}
