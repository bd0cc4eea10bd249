/**
 * The signed-in user on the Frontend API (`/v1/me`): what clerk-js's `user.reload()` reads (after
 * every profile change, and in `<UserProfile/>`), `user.update()` writes, and `user.updateMetadata()`
 * (and `update({ unsafeMetadata })`, which clerk-js 6.40 turns into it) deep-merges. The user is the
 * one `/v1/me/sessions` and `/v1/me/organization_memberships` see: the session `_clerk_session_id`
 * names, else the caller's client's last active one; signed out is Clerk's 401 `signed_out`. Every
 * answer is `Client.ClientWrappedUser`, `{ response: <user>, client }` with the caller's client.
 * Changes go through the core's `updateUser` / `updateUserMetadata`, so `user.updated` fires.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { errors } from '../../core/errors.js'
import { ClientJson, ErrorJson, Nullable, UserJson } from '../../core/wire.js'
import { servedTo } from '../guard.js'
import { callerOf } from '../identity.js'
import { ClerkQuery, MAX_PARAM_LENGTH } from '../schemas.js'

const Text = (maxLength = 256) => Type.Optional(Nullable(Type.String({ maxLength })))

/**
 * `patchUser` in Clerk's OpenAPI file. As of API version 2026-05-12 it takes no `unsafe_metadata`
 * (that is `/v1/me/metadata`'s job), so one sent here is an unknown field, as it is at Clerk.
 */
const UpdateBody = Type.Union([
  Type.Object(
    {
      first_name: Text(),
      last_name: Text(),
      username: Text(),
      primary_email_address_id: Text(MAX_PARAM_LENGTH),
      primary_phone_number_id: Text(MAX_PARAM_LENGTH),
      primary_web3_wallet_id: Text(MAX_PARAM_LENGTH),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

/** `patchUserMetadata`: a form sends the patch as JSON text, a JSON body may send the object itself. */
const MetadataBody = Type.Object(
  { unsafe_metadata: Type.Union([Type.String({ maxLength: 16_384 }), Type.Record(Type.String(), Type.Unknown())]) },
  { additionalProperties: false },
)

/** `Client.ClientWrappedUser`: the spec requires the client (never null) next to the user. */
const UserAnswer = { 200: Type.Object({ response: UserJson, client: ClientJson }), '4xx': ErrorJson, '5xx': ErrorJson }

type Query = { _clerk_session_id?: string }

/** A form's empty field clears a name, as clearing the input in `<UserProfile/>` means. */
const cleared = (v: string | null | undefined) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim())

export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core

  /** The signed-in user and how to answer with them; Clerk's 401 `signed_out` without one. */
  const signedIn = (request: FastifyRequest) => {
    const caller = callerOf(request)
    const sessionId = (request.query as Query)._clerk_session_id
    const user = core.signedInUser(caller, sessionId)
    // An anonymous caller (not --strict-clients) named the session: its client is the one to show.
    const client = caller.clientId !== null ? core.client(caller.clientId) : core.session(caller, sessionId!).client
    const answer = (id: string) => ({ response: core.userJson(core.user(id)), client: core.clientJson(client, servedTo(request)) })
    return { user, answer }
  }

  app.get('/v1/me', { schema: { querystring: ClerkQuery, response: UserAnswer } }, async (request) => {
    const { user, answer } = signedIn(request)
    return answer(user.id)
  })

  app.patch('/v1/me', { schema: { querystring: ClerkQuery, body: UpdateBody, response: UserAnswer } }, async (request) => {
    const { user, answer } = signedIn(request)
    const body = request.body ?? {}
    // The mock has one phone number per user at most and no web3 wallets: refused, never ignored.
    for (const name of ['primary_phone_number_id', 'primary_web3_wallet_id'] as const) {
      if (body[name] != null && body[name] !== '') throw errors.paramUnsupported(name)
    }
    core.updateUser(user.id, {
      firstName: cleared(body.first_name),
      lastName: cleared(body.last_name),
      username: cleared(body.username),
      primaryEmailAddressId: body.primary_email_address_id || undefined,
    })
    return answer(user.id)
  })

  app.patch('/v1/me/metadata', { schema: { querystring: ClerkQuery, body: MetadataBody, response: UserAnswer } }, async (request) => {
    const { user, answer } = signedIn(request)
    const raw = request.body.unsafe_metadata
    let patch: unknown = raw
    if (typeof raw === 'string') {
      try {
        patch = JSON.parse(raw)
      } catch {
        patch = undefined
      }
    }
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw errors.paramFormatInvalid('unsafe_metadata', `unsafe_metadata must be a JSON object (the patch to deep-merge), got ${JSON.stringify(raw).slice(0, 80)}.`)
    }
    // Clerk's merge: nested objects merge, a null value deletes its key; size limits as the Backend API's.
    core.updateUserMetadata(user.id, { unsafe_metadata: patch as Record<string, unknown> }, 'merge')
    return answer(user.id)
  })
}
