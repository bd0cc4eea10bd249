/**
 * What a webhook carries: Clerk's event types, the event envelope and the `data` of each event the
 * mock emits, shaped after Clerk's webhooks description (`webhooks_2025-04-15.yml`). Pure data: no
 * network, no clock (the caller stamps the time).
 */
import type { BapiOrganizationJson, BapiOrganizationMembershipJson } from '../organization-wire.js'
import type { BapiSessionJson, BapiUserJson } from '../wire.js'

/** Every event type Clerk's webhooks description lists; an endpoint's filter may name any of them. */
export const EVENT_TYPES = [
  'email.created',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organizationDomain.created',
  'organizationDomain.updated',
  'organizationDomain.deleted',
  'organizationInvitation.created',
  'organizationInvitation.accepted',
  'organizationInvitation.revoked',
  'organizationMembership.created',
  'organizationMembership.updated',
  'organizationMembership.deleted',
  'paymentAttempt.created',
  'paymentAttempt.updated',
  'permission.created',
  'permission.updated',
  'permission.deleted',
  'role.created',
  'role.updated',
  'role.deleted',
  'session.created',
  'session.pending',
  'session.ended',
  'session.removed',
  'session.revoked',
  'sms.created',
  'subscription.created',
  'subscription.updated',
  'subscription.active',
  'subscription.pastDue',
  'subscriptionItem.abandoned',
  'subscriptionItem.active',
  'subscriptionItem.canceled',
  'subscriptionItem.ended',
  'subscriptionItem.freeTrialEnding',
  'subscriptionItem.incomplete',
  'subscriptionItem.pastDue',
  'subscriptionItem.upcoming',
  'subscriptionItem.updated',
  'user.created',
  'user.updated',
  'user.deleted',
  'waitlistEntry.created',
  'waitlistEntry.updated',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** The events this mock emits today (the others may be named in a filter, for when they land). */
export const EMITTED_EVENT_TYPES = [
  'email.created',
  'sms.created',
  'user.created',
  'user.updated',
  'user.deleted',
  'session.created',
  'session.pending',
  'session.ended',
  'session.removed',
  'session.revoked',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organizationMembership.created',
  'organizationMembership.updated',
  'organizationMembership.deleted',
] as const satisfies readonly EventType[]
export type EmittedEventType = (typeof EMITTED_EVENT_TYPES)[number]

const KNOWN = new Set<string>(EVENT_TYPES)

/** Bad webhook configuration (an endpoint's URL, secret or filter). `param` names the field, as TimeInputError does. */
export class WebhookConfigError extends TypeError {
  constructor(
    readonly param: string,
    /** What is wrong, without the field name. */
    readonly reason: string,
  ) {
    super(`${param}: ${reason}`)
    this.name = 'WebhookConfigError'
  }
}

/**
 * An endpoint's event filter, checked: exact names from `EVENT_TYPES`, `'<resource>.*'` for every
 * event of one resource (`'session.*'`), or `'*'` for all. A name Clerk does not have is refused
 * (a typo would otherwise filter out every event without a word).
 * @returns a predicate on event types
 */
export function eventFilter(events: readonly unknown[] | undefined, param = 'events'): (type: string) => boolean {
  if (events === undefined) return () => true
  if (!Array.isArray(events)) throw new WebhookConfigError(param, `must be a list of event types such as ["user.created", "session.*"], got ${JSON.stringify(events)}`)
  const exact = new Set<string>()
  const prefixes: string[] = []
  events.forEach((e, i) => {
    if (typeof e !== 'string') throw new WebhookConfigError(`${param}[${i}]`, `must be an event type string, got ${JSON.stringify(e)}`)
    if (e === '*') prefixes.push('')
    else if (e.endsWith('.*')) {
      const prefix = e.slice(0, -1)
      if (!EVENT_TYPES.some((t) => t.startsWith(prefix))) throw new WebhookConfigError(`${param}[${i}]`, `${JSON.stringify(e)} matches no Clerk event type (resources: ${resources().join(', ')})`)
      prefixes.push(prefix)
    } else if (KNOWN.has(e)) exact.add(e)
    else throw new WebhookConfigError(`${param}[${i}]`, `${JSON.stringify(e)} is not a Clerk event type (for example "user.created", "session.ended", or "session.*" for every session event)`)
  })
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p))
}

const resources = () => [...new Set(EVENT_TYPES.map((t) => t.split('.')[0] + '.*'))]

/** Who caused an event, as the envelope's `event_attributes.http_request` tells it. */
export interface HttpRequestAttributes {
  client_ip: string
  user_agent: string
}

/** The envelope every Clerk webhook body is. */
export interface WebhookEvent<T extends string = string, D = unknown> {
  data: D
  object: 'event'
  type: T
  /** Epoch milliseconds on the mock clock when the event happened (Clerk's payloads are milliseconds, like the rest of its API). */
  timestamp: number
  instance_id: string
  event_attributes: { http_request: HttpRequestAttributes }
}

/** `user.deleted`'s data: Clerk's DeletedObject (`external_id` only when the user had one: the schema has it as a non-null string). */
export interface DeletedUserData {
  object: 'user'
  id: string
  deleted: true
  external_id?: string
}

/** `session.*`'s data: the Backend API session with the user inside (Clerk's SessionEventPayload). */
export type SessionEventData = Omit<BapiSessionJson, 'tasks'> & { user: BapiUserJson }

/** `email.created`'s data (Clerk's EmailEventPayload) for a code the mock would have emailed. */
export interface EmailEventData {
  object: 'email'
  id: string
  slug: string
  from_email_name: string
  to_email_address: string
  email_address_id: string | null
  user_id: string | null
  subject: string
  body: string
  body_plain: string
  status: 'queued'
  data: Record<string, unknown>
  delivered_by_clerk: false
}

/** `sms.created`'s data (Clerk's SmsEventPayload). */
export interface SmsEventData {
  object: 'sms_message'
  id: string
  slug: string
  from_phone_number: string
  to_phone_number: string
  phone_number_id: string | null
  user_id: string | null
  message: string
  status: 'queued'
  data: Record<string, unknown>
  delivered_by_clerk: false
  created_at_ms: number
}

/** What a recorded message carries (see `core/messages.ts`). */
export interface MessageFacts {
  id: string
  to: string
  code: string
  kind: string
  user_id: string | null
  identification_id: string | null
  time: number
}

// Clerk's template slugs for the codes it sends.
const SLUG: Record<string, string> = {
  sign_in_code: 'verification_code',
  sign_in_second_factor_code: 'verification_code',
  sign_up_code: 'verification_code',
  reset_password_code: 'reset_password_code',
}

/** `email.created`: nothing is delivered (`delivered_by_clerk: false`), as when an app sends its own emails from this webhook. */
export function emailEventData(m: MessageFacts): EmailEventData {
  const text = `${m.code} is your verification code.`
  return {
    object: 'email',
    id: m.id,
    slug: SLUG[m.kind] ?? 'verification_code',
    from_email_name: 'notifications',
    to_email_address: m.to,
    email_address_id: m.identification_id,
    user_id: m.user_id,
    subject: `${m.code} is your verification code`,
    body: `<p>${text}</p>`,
    body_plain: text,
    status: 'queued',
    data: { otp_code: m.code, app: { name: 'clerk-fapi-mock' } },
    delivered_by_clerk: false,
  }
}

export function smsEventData(m: MessageFacts): SmsEventData {
  return {
    object: 'sms_message',
    id: m.id,
    slug: SLUG[m.kind] ?? 'verification_code',
    from_phone_number: '+15555550100',
    to_phone_number: m.to,
    phone_number_id: m.identification_id,
    user_id: m.user_id,
    message: `${m.code} is your verification code.`,
    status: 'queued',
    data: { otp_code: m.code },
    delivered_by_clerk: false,
    created_at_ms: m.time,
  }
}

/** The data of each event the mock emits. */
export interface EventData {
  'email.created': EmailEventData
  'sms.created': SmsEventData
  'user.created': BapiUserJson
  'user.updated': BapiUserJson
  'user.deleted': DeletedUserData
  'session.created': SessionEventData
  'session.pending': SessionEventData
  'session.ended': SessionEventData
  'session.removed': SessionEventData
  'session.revoked': SessionEventData
  'organization.created': BapiOrganizationJson
  'organization.updated': BapiOrganizationJson
  'organization.deleted': DeletedOrganizationData
  'organizationMembership.created': BapiOrganizationMembershipJson
  'organizationMembership.updated': BapiOrganizationMembershipJson
  'organizationMembership.deleted': BapiOrganizationMembershipJson
}

/** `organization.deleted`'s data: Clerk's DeletedObject, with the slug the organization had. */
export interface DeletedOrganizationData {
  object: 'organization'
  id: string
  slug: string
  deleted: true
}

/** `user.deleted`'s data for a user who is gone. */
export function deletedUserData(user: Pick<BapiUserJson, 'id' | 'external_id'>): DeletedUserData {
  return { object: 'user', id: user.id, deleted: true, ...(user.external_id === null ? {} : { external_id: user.external_id }) }
}

/**
 * `session.*`'s data. Clerk's webhook Session schema forbids properties it does not list, and it
 * lists no `tasks` (the Backend API's session has them), so they are left out; the user is the
 * Backend API's user, as Clerk sends it.
 */
export function sessionEventData(session: BapiSessionJson, user: BapiUserJson): SessionEventData {
  const { tasks: _tasks, ...rest } = session
  return { ...rest, user }
}

/** No request behind an event (the programmatic handle, a seed): what Clerk shows for its dashboard's own events. */
export const NO_HTTP_REQUEST: HttpRequestAttributes = { client_ip: '', user_agent: '' }
