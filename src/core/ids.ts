import { randomBytes } from 'node:crypto'
import { customAlphabet } from 'nanoid'
import type { TimeSource } from './time.js'

/** Clerk's id prefixes. */
export type IdPrefix = 'sess' | 'client' | 'user' | 'ins' | 'dvb' | 'idn' | 'org' | 'orgmem'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
// KSUID epoch: Clerk ids are KSUIDs, whose 4-byte timestamp counts seconds from 2014-05-13.
const KSUID_EPOCH_S = 1_400_000_000

/**
 * A KSUID in base62 (27 characters): 4 bytes of seconds since the KSUID epoch, then 16 random
 * bytes. Stamped from the mock clock, so ids minted later in mock time sort later.
 */
export function ksuid(clock: TimeSource): string {
  const bytes = randomBytes(20)
  const seconds = Math.max(0, Math.floor(clock.now() / 1000) - KSUID_EPOCH_S)
  bytes.writeUInt32BE(seconds >>> 0, 0)
  return base62(bytes)
}

/** 20 bytes → 27 base62 characters (the KSUID text form). */
export function base62(bytes: Buffer): string {
  let n = BigInt('0x' + bytes.subarray(0, 20).toString('hex'))
  let out = ''
  for (let i = 0; i < 27; i++) {
    out = BASE62[Number(n % 62n)] + out
    n /= 62n
  }
  return out
}

export function newId(prefix: IdPrefix, clock: TimeSource): string {
  return `${prefix}_${ksuid(clock)}`
}

/** The `rotating_token` inside a client token: 40 characters of [a-z0-9], as Clerk issues. */
export const rotatingToken = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 40)

/** The 32-hex `clerk_trace_id` of error bodies. */
export const traceId = customAlphabet('0123456789abcdef', 32)
