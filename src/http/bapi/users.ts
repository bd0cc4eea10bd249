/**
 * Backend API users: get, list and count with Clerk's filters, create, update, metadata (merge and
 * replace) and delete. The user JSON is the Backend API's (`private_metadata` included); the
 * Frontend API shows the same records without it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from '@sinclair/typebox'
import { ClerkError, errors } from '../../core/errors.js'
import { assertMetadataSize, type MetadataPatch } from '../../core/mock-core.js'
import type { NewUser, UserPatch } from '../../core/store.js'
import { bounded, userFilter, userOrder } from './query.js'
import {
  CountAnswer,
  CreateUserBody,
  DeletedAnswer,
  IdParams,
  MetadataBody,
  NoBody,
  UpdateUserBody,
  UserAnswer,
  UserCountQuery,
  UserListAnswer,
  UserListQuery,
} from './schemas.js'

const EMAIL = /^[^@\s]+@[^@\s]+$/
/** E.164, as `mock.createUser` and fixtures take it: `+`, then 7 to 15 digits. */
/** Clerk's limit (bcrypt reads 72 bytes), with Clerk's own code. */
const PASSWORD_MAX_BYTES = 72

type ProfileFields = Static<typeof UpdateUserBody> & Static<typeof CreateUserBody>

/** Refuses fields the spec has and the mock does not model, when they ask for something the mock would not show. */
function refuseUnmodelled(body: Partial<ProfileFields>): void {
  const given = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)
  for (const name of ['web3_wallet', 'password_digest', 'password_hasher', 'totp_secret', 'backup_codes', 'legal_accepted_at', 'create_organizations_limit', 'primary_phone_number_id', 'primary_web3_wallet_id', 'profile_image_id'] as const) {
    if (given(body[name])) throw errors.paramUnsupported(name)
  }
  if (body.email_address_identification_status?.includes('reserved')) throw errors.paramUnsupported('email_address_identification_status')
  if (body.phone_number_identification_status?.includes('reserved')) throw errors.paramUnsupported('phone_number_identification_status')
  for (const name of ['banned', 'locked'] as const) if (body[name] === true) throw errors.paramUnsupported(name)
  for (const name of ['delete_self_enabled', 'create_organization_enabled'] as const) if (body[name] === false) throw errors.paramUnsupported(name)
  if (body.locale != null) throw errors.paramUnsupported('locale')
}

/**
 * The phone numbers of a new user (the first is the primary one), each verified as every identifier
 * here is. Refused while the environment has phone numbers off, as `mock.createUser` refuses them:
 * a user could not sign in with a number the instance does not take.
 */
/** `check`: the core's rule for one number (E.164, phone numbers on in the environment). */
function checkPhones(phones: string[] | undefined, statuses: string[] | undefined, check: (phone: string, param: string) => void): string[] {
  const list = phones ?? []
  if (list.length === 0) return []
  for (const phone of list) check(phone, 'phone_number')
  const dup = list.find((p, i) => list.indexOf(p) !== i)
  if (dup !== undefined) {
    throw new ClerkError(422, 'form_identifier_exists', 'That phone number is taken. Please try another.', `${dup} is given twice (each phone number belongs to one user, once).`, { param_name: 'phone_number' })
  }
  if (statuses !== undefined && statuses.length > 0 && statuses.length !== list.length) {
    throw errors.paramFormatInvalid('phone_number_identification_status', 'phone_number_identification_status must have one item per phone number.')
  }
  return list
}

function checkPassword(password: string | null | undefined): void {
  if (typeof password !== 'string') return
  if (password === '') throw errors.paramFormatInvalid('password', 'password must not be empty.')
  if (Buffer.byteLength(password) > PASSWORD_MAX_BYTES) throw errors.passwordTooLong()
}

/** An RFC 3339 time (`created_at`) as epoch ms; Clerk's 422 when it is not one. */
function rfc3339(param: string, value: string | null | undefined): number | undefined {
  if (value == null) return undefined
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN
  if (!Number.isFinite(ms)) throw errors.paramFormatInvalid(param, `${param} must be an RFC 3339 time such as 2012-10-20T07:15:20.902Z, got ${value}.`)
  return ms
}

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  app.get('/v1/users', { schema: { querystring: UserListQuery, response: UserListAnswer } }, async (request) => {
    const q = request.query as Record<string, string | string[] | undefined>
    const { field, descending } = userOrder(request.query.order_by)
    const limit = bounded(q, 'limit', 10, 1, 500)
    const offset = bounded(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
    let users = core.findUsers(userFilter(q), field, descending)
    if (request.query.starting_after !== undefined) {
      if (field !== 'created_at') throw errors.paramFormatInvalid('starting_after', 'starting_after needs the created_at order (order_by omitted, created_at, +created_at or -created_at).')
      if (offset !== 0) throw errors.paramFormatInvalid('starting_after', 'starting_after cannot be combined with a non-zero offset.')
      const at = users.findIndex((u) => u.id === request.query.starting_after)
      users = at === -1 ? [] : users.slice(at + 1)
    }
    return users.slice(offset, offset + limit).map((u) => core.bapiUserJson(u))
  })

  app.get('/v1/users/count', { schema: { querystring: UserCountQuery, response: CountAnswer } }, async (request) => ({
    object: 'total_count' as const,
    total_count: core.findUsers(userFilter(request.query as Record<string, string | string[] | undefined>)).length,
  }))

  app.get('/v1/users/:id', { schema: { params: IdParams, response: UserAnswer } }, async (request) => core.bapiUserJson(core.user(request.params.id)))

  app.post('/v1/users', { schema: { body: CreateUserBody, response: UserAnswer } }, async (request) => {
    const body = request.body
    refuseUnmodelled(body)
    const emails = body.email_address ?? []
    for (const email of emails) if (!EMAIL.test(email)) throw errors.paramFormatInvalid('email_address', `${email} is not a valid email address.`)
    if (body.email_address_identification_status !== undefined && body.email_address_identification_status.length > 0 && body.email_address_identification_status.length !== emails.length) {
      throw errors.paramFormatInvalid('email_address_identification_status', 'email_address_identification_status must have one item per email address.')
    }
    const phones = checkPhones(body.phone_number, body.phone_number_identification_status, (phone, param) => core.checkPhoneNumber(phone, param))
    checkPassword(body.password)
    for (const field of ['public_metadata', 'private_metadata', 'unsafe_metadata'] as const) if (body[field] !== undefined) assertMetadataSize(field, body[field])
    const input: NewUser = {
      emailAddresses: emails,
      phoneNumbers: phones,
      firstName: body.first_name,
      lastName: body.last_name,
      username: body.username,
      externalId: body.external_id,
      password: body.password,
      publicMetadata: body.public_metadata,
      privateMetadata: body.private_metadata,
      unsafeMetadata: body.unsafe_metadata,
      createdAt: rfc3339('created_at', body.created_at),
    }
    return core.bapiUserJson(core.createUser(input))
  })

  app.patch('/v1/users/:id', { schema: { params: IdParams, body: UpdateUserBody, response: UserAnswer } }, async (request) => {
    const body = request.body
    refuseUnmodelled(body)
    checkPassword(body.password)
    if (body.sign_out_of_other_sessions === true && typeof body.password !== 'string') {
      throw errors.paramFormatInvalid('sign_out_of_other_sessions', 'sign_out_of_other_sessions can only be used together with password.')
    }
    const patch: UserPatch = {
      firstName: body.first_name,
      lastName: body.last_name,
      username: body.username,
      externalId: body.external_id,
      primaryEmailAddressId: body.primary_email_address_id,
      password: body.password,
      createdAt: rfc3339('created_at', body.created_at),
    }
    const user = core.updateUser(request.params.id, patch)
    // A backend changing the password has no session of its own: every session of the user goes.
    if (body.sign_out_of_other_sessions === true) for (const session of core.userSessions(user.id, true)) core.revokeSession(null, session.id)
    return core.bapiUserJson(user)
  })

  const metadata = (mode: 'merge' | 'replace') => async (request: { params: { id: string }; body: Static<typeof MetadataBody> }) =>
    core.bapiUserJson(core.updateUserMetadata(request.params.id, (request.body ?? {}) as MetadataPatch, mode))
  app.patch('/v1/users/:id/metadata', { schema: { params: IdParams, body: MetadataBody, response: UserAnswer } }, metadata('merge'))
  app.put('/v1/users/:id/metadata', { schema: { params: IdParams, body: MetadataBody, response: UserAnswer } }, metadata('replace'))

  app.delete('/v1/users/:id', { schema: { params: IdParams, body: NoBody, response: DeletedAnswer } }, async (request) => {
    const user = core.deleteUser(request.params.id)
    return { object: 'user', id: user.id, deleted: true as const }
  })
}
