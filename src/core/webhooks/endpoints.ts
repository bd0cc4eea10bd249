/**
 * Webhook endpoints and how a message to one is signed. Signing follows Svix (which Clerk sends
 * through) and Standard Webhooks byte for byte, because the app under test checks it with
 * `svix`'s `Webhook.verify` or `@clerk/backend`'s `verifyWebhook` and must not be changed for the mock.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { eventFilter, WebhookConfigError } from './events.js'

/** One endpoint as a caller declares it (the `webhooks` option, a fixture's `webhooks`, `--webhook`). */
export interface WebhookEndpointSpec {
  /** Where events are POSTed: any http(s) URL (the app under test). */
  url: string
  /** The signing secret, `whsec_` + base64 of 24 to 64 bytes. Default: one made for this endpoint. */
  secret?: string
  /** Event types to send (`'user.created'`, `'session.*'`, `'*'`). Default: every event. */
  events?: string[]
}

/** An endpoint, checked, with its secret. */
export interface WebhookEndpoint {
  /** `ep_…`, stable for the life of the mock (reset keeps endpoints). */
  readonly id: string
  readonly url: string
  readonly secret: string
  /** The filter as given; null: every event. */
  readonly events: string[] | null
  /** Whether an event of this type goes to this endpoint. */
  wants(type: string): boolean
}

const SECRET_PREFIX = 'whsec_'
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
/** Svix's bounds on a signing key, in bytes. */
const SECRET_MIN_BYTES = 24
const SECRET_MAX_BYTES = 64

/** A new `whsec_` secret as Svix makes them: 24 random bytes in base64. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_MIN_BYTES).toString('base64')
}

/** The HMAC key inside a `whsec_` secret; throws a WebhookConfigError naming `param` when it is not one. */
export function secretKey(secret: unknown, param = 'secret'): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    throw new WebhookConfigError(param, `must be a Svix signing secret starting with "${SECRET_PREFIX}" (omit it and the mock makes one), got ${JSON.stringify(typeof secret === 'string' ? secret.slice(0, 12) + (secret.length > 12 ? '…' : '') : secret)}`)
  }
  const body = secret.slice(SECRET_PREFIX.length)
  const key = Buffer.from(body, 'base64')
  if (!BASE64.test(body) || body.length % 4 === 1 || key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) {
    throw new WebhookConfigError(param, `the part after "${SECRET_PREFIX}" must be base64 of ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes (Svix's rule; got ${key.length} bytes)`)
  }
  return key
}

/** `url`, checked: an absolute http(s) URL. Returned as given, so what the caller wrote is what the journal shows. */
export function endpointUrl(url: unknown, param = 'url'): string {
  if (typeof url !== 'string' || url.trim() === '') throw new WebhookConfigError(param, `must be the URL of the app's webhook handler, e.g. "http://127.0.0.1:3000/api/webhooks", got ${JSON.stringify(url)}`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new WebhookConfigError(param, `${JSON.stringify(url)} is not an absolute URL (write it with its scheme, e.g. "http://127.0.0.1:3000/api/webhooks")`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookConfigError(param, `${JSON.stringify(url)} must be http: or https:, not ${parsed.protocol}`)
  return url
}

/** Checks one endpoint spec; `param` prefixes the field names in errors (`webhooks[1].secret`). */
export function createEndpoint(spec: WebhookEndpointSpec, id: string, param = 'webhook'): WebhookEndpoint {
  if (typeof spec !== 'object' || spec === null) throw new WebhookConfigError(param, `must be an object { url, secret?, events? }, got ${JSON.stringify(spec)}`)
  for (const key of Object.keys(spec)) if (!['url', 'secret', 'events'].includes(key)) throw new WebhookConfigError(`${param}.${key}`, 'is not an endpoint field (url, secret, events)')
  const url = endpointUrl(spec.url, `${param}.url`)
  const secret = spec.secret ?? generateSecret()
  secretKey(secret, `${param}.secret`)
  const wants = eventFilter(spec.events, `${param}.events`)
  return { id, url, secret, events: spec.events === undefined ? null : [...spec.events], wants }
}

/**
 * The `svix-signature` value for one attempt: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`,
 * keyed with the decoded secret. `timestampSeconds` is what `svix-timestamp` carries.
 */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')
  return `v1,${mac}`
}
