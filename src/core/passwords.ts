/**
 * Password hashes for users created with a password (Backend API, fixtures): scrypt from
 * node:crypto, salted, never stored or served in plain text. Sign-in (FAPI `password` strategy)
 * checks a candidate with `verifyPassword`.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'

// A test double's passwords are test data, and a suite creates users by the hundred: a low cost
// factor keeps one hash near a millisecond (node's default, N=16384, costs ~50 ms and 16 MB).
const N = 1024
const KEY_LENGTH = 32

/** `scrypt$<N>$<salt>$<hash>` (base64url parts) for a plain-text password. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize('NFC'), salt, KEY_LENGTH, { N })
  return `scrypt$${N}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

/** Whether `password` is the one `stored` was made from; false for any malformed hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, cost, salt, hash] = stored.split('$')
  const n = Number(cost)
  if (scheme !== 'scrypt' || !Number.isInteger(n) || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64url')
  const got = scryptSync(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, { N: n })
  return got.length === expected.length && timingSafeEqual(got, expected)
}
