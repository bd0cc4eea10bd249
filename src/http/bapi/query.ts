/**
 * Backend API query strings → the core's list queries. Values arrive as strings (the schemas in
 * `schemas.ts` checked their shape); this turns them into numbers, lists and an order, with
 * Clerk's error for a value out of range, and refuses filters the mock does not model.
 */
import { errors } from '../../core/errors.js'
import { USER_ORDER_FIELDS, type UserFilter, type UserOrderField } from '../../core/store.js'
import { transportErrors } from '../errors.js'
import { USER_LIST_PARAMS } from './schemas.js'

type Query = Record<string, string | string[] | undefined>

/** Filters Clerk has and the mock cannot answer truthfully (no organizations, OAuth accounts or cursors over other orders). */
const UNSUPPORTED = ['organization_id', 'provider', 'provider_user_id'] as const

/** A list parameter, whichever way it was spelt (`a=1&a=2` or `a[]=1&a[]=2`); undefined when absent. */
function list(query: Query, name: (typeof USER_LIST_PARAMS)[number]): string[] | undefined {
  const values = [query[name], query[`${name}[]`]].flat().filter((v): v is string => v !== undefined)
  return values.length === 0 ? undefined : values
}

const ms = (query: Query, name: string): number | undefined => (query[name] === undefined ? undefined : Number(query[name]))

/** An integer query value within bounds, else Clerk's 422 for it. */
export function bounded(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw transportErrors.paramInvalid(name, raw, `${name} must be an integer between ${min} and ${max}, got ${String(raw)}.`)
  }
  return n
}

/** The filter of `GET /v1/users` and `/v1/users/count`. */
export function userFilter(query: Query): UserFilter {
  for (const name of UNSUPPORTED) if (query[name] !== undefined || query[`${name}[]`] !== undefined) throw errors.paramUnsupported(name)
  if (query.phone_number_query !== undefined) throw errors.paramUnsupported('phone_number_query')
  return {
    emailAddresses: list(query, 'email_address'),
    usernames: list(query, 'username'),
    userIds: list(query, 'user_id'),
    externalIds: list(query, 'external_id'),
    phoneNumbers: list(query, 'phone_number'),
    web3Wallets: list(query, 'web3_wallet'),
    query: query.query as string | undefined,
    emailAddressQuery: query.email_address_query as string | undefined,
    usernameQuery: query.username_query as string | undefined,
    nameQuery: query.name_query as string | undefined,
    createdAtBefore: ms(query, 'created_at_before'),
    createdAtAfter: ms(query, 'created_at_after'),
    // Sign-in and activity are one time in this mock (a session's creation counts as its last activity).
    lastActiveAtBefore: ms(query, 'last_active_at_before') ?? ms(query, 'last_sign_in_at_before'),
    lastActiveAtAfter: ms(query, 'last_active_at_after') ?? ms(query, 'last_active_at_since') ?? ms(query, 'last_sign_in_at_after'),
    banned: query.banned === undefined ? undefined : query.banned === 'true',
  }
}

/** `order_by` (`-created_at` by default; a `+` or no sign ascends); an unknown field is Clerk's 422. */
export function userOrder(raw: string | undefined): { field: UserOrderField; descending: boolean } {
  const value = raw ?? '-created_at'
  const descending = value.startsWith('-')
  const field = value.replace(/^[+-]/, '')
  if (!(USER_ORDER_FIELDS as readonly string[]).includes(field)) {
    throw transportErrors.paramInvalid('order_by', value, `order_by must be one of ${USER_ORDER_FIELDS.join(', ')} (with an optional + or - in front), got ${value}.`)
  }
  return { field: field as UserOrderField, descending }
}
