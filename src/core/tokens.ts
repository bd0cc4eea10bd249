/**
 * The instance key and everything it signs: client tokens (the `__client` cookie / native
 * `Authorization` value) and session JWTs, plus the JWKS that verifies them.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import type { TimeSource } from './time.js'
import { base62, rotatingToken } from './ids.js'
import type { Client } from './store.js'
import type { OrganizationClaims } from './organizations.js'
import type { Jwk } from './wire.js'

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')

/**
 * One RSA-2048 key pair per instance. Generated on first use, never at start-up: most test
 * suites start many mocks and many of them never sign anything.
 */
export class InstanceKey {
  #privateKey: KeyObject | null = null
  #publicKey: KeyObject | null = null
  #kid: string | null = null

  /** @param privateKeyPem a fixed PKCS#8 or PKCS#1 PEM for reproducible runs; omit for a fresh key. */
  constructor(privateKeyPem?: string) {
    if (privateKeyPem !== undefined) this.#load(createPrivateKey(privateKeyPem))
  }

  #load(privateKey: KeyObject) {
    const details = privateKey.asymmetricKeyDetails
    if (privateKey.asymmetricKeyType !== 'rsa' || details?.modulusLength !== 2048) {
      throw new Error('the signing key must be an RSA-2048 private key (Clerk SDKs accept nothing else)')
    }
    this.#privateKey = privateKey
    this.#publicKey = createPublicKey(privateKey)
    // The kid is derived from the public key, so a fixed key gives a fixed `ins_…` id too.
    const digest = createHash('sha256').update(this.#publicKey.export({ type: 'spki', format: 'der' })).digest()
    this.#kid = `ins_${base62(digest)}`
  }

  #ensure() {
    if (this.#privateKey === null) this.#load(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)
  }

  get kid(): string {
    this.#ensure()
    return this.#kid!
  }

  get publicKeyPem(): string {
    this.#ensure()
    return this.#publicKey!.export({ type: 'spki', format: 'pem' }).toString()
  }

  get jwk(): Jwk {
    this.#ensure()
    const { n, e } = this.#publicKey!.export({ format: 'jwk' })
    return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: this.kid, n: n!, e: e! }
  }

  /** RS256-signs a JWT with this key. */
  signJwt(payload: Record<string, unknown>): string {
    const input = this.#signingInput(payload)
    return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), this.#privateKey!))}`
  }

  /**
   * The same, signed on libuv's thread pool: an RSA signature takes ~0.3 ms of CPU, and session
   * tokens are minted on every clerk-js refresh, so the event loop keeps serving meanwhile.
   */
  async signJwtAsync(payload: Record<string, unknown>): Promise<string> {
    const input = this.#signingInput(payload)
    const signature = await new Promise<Buffer>((resolve, reject) =>
      sign('RSA-SHA256', Buffer.from(input), this.#privateKey!, (error, result) => (error ? reject(error) : resolve(result))),
    )
    return `${input}.${b64url(signature)}`
  }

  #signingInput(payload: Record<string, unknown>): string {
    this.#ensure()
    return `${b64url(JSON.stringify({ alg: 'RS256', kid: this.#kid, typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`
  }

  /** The payload of a JWT this key signed, or null for anything else (garbage, another key, tampering). */
  verifyJwt(token: string): Record<string, unknown> | null {
    const parts = token.split('.')
    if (parts.length !== 3 || parts.some((p) => p === '' || !/^[A-Za-z0-9_-]+$/.test(p))) return null
    this.#ensure()
    const ok = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), this.#publicKey!, Buffer.from(parts[2], 'base64url'))
    if (!ok) return null
    try {
      const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
      return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : null
    } catch {
      return null
    }
  }
}

/** What a presented client token turned out to be. */
export type ClientTokenCheck =
  | { kind: 'client'; clientId: string }
  /** Signed by this instance, for a client that no longer exists (after `reset()` or `DELETE /v1/client`). */
  | { kind: 'stale' }
  /** Not a token this instance signed: garbage, truncated, forged or from another instance. */
  | { kind: 'forged' }

/**
 * Client tokens: `{ id, rotating_token }` JWTs signed by the instance key. Minted lazily (on the
 * first response that hands one out) and indexed, so recognising a known token costs a map lookup.
 */
export class ClientTokens {
  readonly #byToken = new Map<string, string>()
  readonly #byClient = new Map<string, string>()

  constructor(readonly key: InstanceKey) {}

  tokenFor(client: Client): string {
    let token = this.#byClient.get(client.id)
    if (token === undefined) {
      token = this.key.signJwt({ id: client.id, rotating_token: rotatingToken() })
      this.#byClient.set(client.id, token)
      this.#byToken.set(token, client.id)
    }
    return token
  }

  check(token: string, clientExists: (id: string) => boolean): ClientTokenCheck {
    const known = this.#byToken.get(token)
    if (known !== undefined) return clientExists(known) ? { kind: 'client', clientId: known } : { kind: 'stale' }
    const payload = this.key.verifyJwt(token)
    // Session tokens are signed by the same key: a client token has a rotating_token and never a sid
    // (which every session token carries, whatever a JWT template adds).
    if (payload === null || typeof payload.id !== 'string' || typeof payload.rotating_token !== 'string' || 'sid' in payload) {
      return { kind: 'forged' }
    }
    return clientExists(payload.id) ? { kind: 'client', clientId: payload.id } : { kind: 'stale' }
  }

  forget(clientId: string): void {
    const token = this.#byClient.get(clientId)
    if (token !== undefined) this.#byToken.delete(token)
    this.#byClient.delete(clientId)
  }

  clear(): void {
    this.#byToken.clear()
    this.#byClient.clear()
  }
}

export interface SessionClaimsInput {
  issuer: string
  userId: string
  sessionId: string
  status: string
  factorVerificationAge: number[]
  /** The active organization's `o` (and `fea`) claims; null: the personal account. */
  organization: OrganizationClaims | null
  azp: string | null
  lifetimeMs: number
  extraClaims?: Record<string, unknown>
}

/** Session JWT claims, version 2 (REFERENCE §6); times from the mock clock. */
export function sessionClaims(clock: TimeSource, input: SessionClaimsInput): Record<string, unknown> {
  const iat = Math.floor(clock.now() / 1000)
  const claims: Record<string, unknown> = {
    ...input.extraClaims,
    sub: input.userId,
    sid: input.sessionId,
    iss: input.issuer,
    iat,
    nbf: iat - 10,
    exp: iat + Math.max(1, Math.round(input.lifetimeMs / 1000)),
    v: 2,
    sts: input.status,
    fva: input.factorVerificationAge,
  }
  if (input.azp) claims.azp = input.azp
  if (input.organization) Object.assign(claims, input.organization)
  return claims
}
