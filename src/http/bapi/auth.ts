/**
 * Who may call the Backend API: `Authorization: Bearer <secret key>`. With the `secretKey` option
 * only that key; without it any well-formed `sk_test_…`/`sk_live_…` (REFERENCE §13), so an app's
 * own `.env` key works against the mock unchanged.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ClerkError } from '../../core/errors.js'

/** What a Clerk secret key looks like. */
export const SECRET_KEY_PATTERN = /^sk_(test|live)_\S+$/

export const authErrors = {
  headerFormat: () =>
    new ClerkError(401, 'authorization_header_format_invalid', 'Invalid Authorization header format', "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'"),
  keyInvalid: () =>
    new ClerkError(
      401,
      'clerk_key_invalid',
      'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
      'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
    ),
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
const digest = (s: string) => createHash('sha256').update(s).digest()

/** The refusal for a request's credential, or null when it may call the Backend API. */
export function checkSecretKey(request: FastifyRequest, expected: string | undefined): ClerkError | null {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
  if (match === null) return authErrors.headerFormat()
  const key = match[1]
  if (expected !== undefined) return timingSafeEqual(digest(key), digest(expected)) ? null : authErrors.keyInvalid()
  return SECRET_KEY_PATTERN.test(key) ? null : authErrors.keyInvalid()
}
