/**
 * Organizations on the Frontend API (REFERENCE §16), what clerk-js calls for `useOrganization()`,
 * `useOrganizationList()`, `<OrganizationSwitcher/>` and `<OrganizationProfile/>`: the signed-in
 * user's memberships (`/v1/me/organization_memberships`, which clerk-js waits seconds for when it
 * is missing), invitations and suggestions (always empty pages: the mock has neither), creating,
 * reading, updating and deleting an organization, its members and its roles. Every answer is
 * `{ response, client }` with the caller's client, as Clerk's are; a user who is not a member of
 * the organization named gets Clerk's 404 `organization_not_found_or_unauthorized`, a member without
 * the permission an action needs 403 `missing_organization_permission`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { ADMIN_ROLE, orgErrors, roleJson } from '../../core/organizations.js'
import { DeletedJson, EmptyPage, OrganizationJson, OrganizationMembershipJson, Page, RoleJson } from '../../core/organization-wire.js'
import type { User } from '../../core/store.js'
import { ClientJson, ErrorJson, Nullable } from '../../core/wire.js'
import { transportErrors } from '../errors.js'
import { servedTo } from '../guard.js'
import { callerOf } from '../identity.js'
import { ClerkQuery, MAX_PARAM_LENGTH } from '../schemas.js'

const Id = Type.String({ minLength: 1, maxLength: MAX_PARAM_LENGTH })
const Text = (maxLength = 256) => Type.Optional(Nullable(Type.String({ maxLength })))
const OrgParams = Type.Object({ organization_id: Id })
const MemberParams = Type.Object({ organization_id: Id, user_id: Id })
const NoBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])
const CreateBody = Type.Object({ name: Type.String({ maxLength: 256 }), slug: Text() }, { additionalProperties: false })
const UpdateBody = Type.Union([Type.Object({ name: Text(), slug: Text() }, { additionalProperties: false }), Type.Null()])
const AddMemberBody = Type.Object({ user_id: Id, role: Text() }, { additionalProperties: false })
const RoleBody = Type.Object({ role: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })

/** `{ response, client }` with the caller's client (the spec requires it on every organization answer). */
const wrapped = <T extends TSchema>(response: T) => ({ 200: Type.Object({ response, client: Nullable(ClientJson) }), '4xx': ErrorJson, '5xx': ErrorJson })
const MembershipsAnswer = wrapped(Type.Union([Page(OrganizationMembershipJson), Type.Array(OrganizationMembershipJson)]))
const MembershipAnswer = wrapped(OrganizationMembershipJson)
const OrganizationAnswer = wrapped(OrganizationJson)
const DeletedAnswer = wrapped(DeletedJson)
const EmptyPageAnswer = wrapped(EmptyPage)
const RolesAnswer = wrapped(Page(RoleJson))

type Query = Record<string, unknown>

/** `limit` (default 10, 1–500) and `offset` (default 0); Clerk's 422 for anything else. */
function page(query: Query): { limit: number; offset: number } {
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = query[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || n > max) throw transportErrors.paramInvalid(name, raw, `${name} must be an integer between ${min} and ${max}, got ${String(raw)}.`)
    return n
  }
  return { limit: int('limit', 10, 1, 500), offset: int('offset', 0, 0, Number.MAX_SAFE_INTEGER) }
}

/** A page, or (without `paginated=true`, the legacy form) a bare array. */
function paged<T>(items: T[], query: Query): { data: T[]; total_count: number } | T[] {
  const { limit, offset } = page(query)
  const slice = items.slice(offset, offset + limit)
  return query.paginated === 'true' ? { data: slice, total_count: items.length } : slice
}

export const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  const orgs = () => core.organizations.records

  /** The signed-in user and the client to answer with; Clerk's 401 `signed_out` without one; 403 when the fixture turned organizations off. */
  const signedIn = (request: FastifyRequest) => {
    const settings = core.environment.organization_settings as { enabled?: unknown } | undefined
    if (settings?.enabled === false) throw orgErrors.notEnabled()
    const caller = callerOf(request)
    const sessionId = (request.query as Query)._clerk_session_id as string | undefined
    const user = core.signedInUser(caller, sessionId)
    const client = caller.clientId !== null ? core.client(caller.clientId) : core.session(caller, sessionId!).client
    const wrap = <T>(response: T) => ({ response, client: core.clientJson(client, servedTo(request)) })
    return { user, wrap }
  }
  const membershipsJson = (user: User) => orgs().membershipsOf(user.id).map((m) => orgs().membershipJson(m, user))

  // ---- the signed-in user's organizations -------------------------------------------------------

  app.get('/v1/me/organization_memberships', { schema: { querystring: ClerkQuery, response: MembershipsAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    return wrap(paged(membershipsJson(user), request.query))
  })

  // Leaving an organization (clerk-js's `membership.destroy()` from the switcher's "Leave organization").
  app.delete('/v1/me/organization_memberships/:organization_id', { schema: { params: OrgParams, querystring: ClerkQuery, body: NoBody, response: DeletedAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const orgId = request.params.organization_id
    core.organizations.requireMembership(user.id, orgId)
    const m = core.organizations.removeMember(orgId, user.id)
    return wrap({ object: 'organization_membership', id: m.id, deleted: true as const })
  })

  // The mock has no invitations or domain suggestions: empty pages, never a 404 clerk-js would retry.
  for (const path of ['/v1/me/organization_invitations', '/v1/me/organization_suggestions']) {
    app.get(path, { schema: { querystring: ClerkQuery, response: EmptyPageAnswer } }, async (request) => {
      page(request.query)
      return signedIn(request).wrap({ data: [], total_count: 0 as const })
    })
  }

  // ---- organizations -------------------------------------------------------------------------------

  // `clerk.createOrganization({ name, slug })`: the creator becomes its admin (the environment's creator_role).
  app.post('/v1/organizations', { schema: { querystring: ClerkQuery, body: CreateBody, response: OrganizationAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const { organization } = core.organizations.create({ name: request.body.name, slug: request.body.slug || null, createdBy: user.id })
    return wrap(orgs().organizationJson(organization))
  })

  app.get('/v1/organizations/:organization_id', { schema: { params: OrgParams, querystring: ClerkQuery, response: OrganizationAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    core.organizations.requireMembership(user.id, request.params.organization_id)
    return wrap(orgs().organizationJson(orgs().get(request.params.organization_id)))
  })

  app.patch('/v1/organizations/:organization_id', { schema: { params: OrgParams, querystring: ClerkQuery, body: UpdateBody, response: OrganizationAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const id = request.params.organization_id
    core.organizations.requireMembership(user.id, id, 'org:sys_profile:manage')
    const body = request.body ?? {}
    const org = core.organizations.update(id, { name: body.name ?? undefined, slug: body.slug ?? undefined })
    return wrap(orgs().organizationJson(org))
  })

  app.delete('/v1/organizations/:organization_id', { schema: { params: OrgParams, querystring: ClerkQuery, body: NoBody, response: DeletedAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const id = request.params.organization_id
    core.organizations.requireMembership(user.id, id, 'org:sys_profile:delete')
    if (!orgs().get(id).adminDeleteEnabled) throw orgErrors.missingPermission('org:sys_profile:delete')
    const org = core.organizations.delete(id)
    return wrap({ object: 'organization', id: org.id, slug: org.slug, deleted: true as const })
  })

  // ---- members and roles ---------------------------------------------------------------------------

  app.get('/v1/organizations/:organization_id/memberships', { schema: { params: OrgParams, querystring: ClerkQuery, response: MembershipsAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const id = request.params.organization_id
    core.organizations.requireMembership(user.id, id, 'org:sys_memberships:read')
    const q = request.query as Query
    const role = typeof q.role === 'string' ? q.role : undefined
    const needle = typeof q.query === 'string' ? q.query.toLowerCase() : undefined
    const members = orgs()
      .membersOf(id)
      .filter((m) => role === undefined || m.role === role)
      .map((m) => orgs().membershipJson(m, core.user(m.userId)))
      .filter((j) => needle === undefined || [j.public_user_data.identifier, j.public_user_data.first_name, j.public_user_data.last_name, j.public_user_data.username, j.public_user_data.user_id].some((v) => v?.toLowerCase().includes(needle)))
    return wrap(paged(members, q))
  })

  app.post('/v1/organizations/:organization_id/memberships', { schema: { params: OrgParams, querystring: ClerkQuery, body: AddMemberBody, response: MembershipAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const id = request.params.organization_id
    core.organizations.requireMembership(user.id, id, 'org:sys_memberships:manage')
    const m = core.organizations.addMember(id, request.body.user_id, request.body.role ?? undefined)
    return wrap(orgs().membershipJson(m, core.user(m.userId)))
  })

  app.patch('/v1/organizations/:organization_id/memberships/:user_id', { schema: { params: MemberParams, querystring: ClerkQuery, body: RoleBody, response: MembershipAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const { organization_id: id, user_id: userId } = request.params
    core.organizations.requireMembership(user.id, id, 'org:sys_memberships:manage')
    const m = core.organizations.setRole(id, userId, request.body.role)
    return wrap(orgs().membershipJson(m, core.user(m.userId)))
  })

  app.delete('/v1/organizations/:organization_id/memberships/:user_id', { schema: { params: MemberParams, querystring: ClerkQuery, body: NoBody, response: MembershipAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const { organization_id: id, user_id: userId } = request.params
    core.organizations.requireMembership(user.id, id, 'org:sys_memberships:manage')
    const member = core.user(userId)
    // The answer shows the membership as it was (its organization counted without it).
    const m = core.organizations.removeMember(id, userId)
    return wrap(orgs().membershipJson(m, member))
  })

  app.get('/v1/organizations/:organization_id/roles', { schema: { params: OrgParams, querystring: ClerkQuery, response: RolesAnswer } }, async (request) => {
    const { user, wrap } = signedIn(request)
    const id = request.params.organization_id
    core.organizations.requireMembership(user.id, id)
    const { limit, offset } = page(request.query)
    // Admin first, then the rest by key: the order the role picker shows them in.
    const roles = orgs()
      .roles()
      .sort((a, b) => (a.key === ADMIN_ROLE ? -1 : b.key === ADMIN_ROLE ? 1 : a.key.localeCompare(b.key)))
      .map((r) => roleJson(r, orgs().get(id).createdAt))
    return wrap({ data: roles.slice(offset, offset + limit), total_count: roles.length })
  })

  // <OrganizationProfile/> lists these; the mock has none of them.
  for (const path of ['/v1/organizations/:organization_id/invitations', '/v1/organizations/:organization_id/membership_requests', '/v1/organizations/:organization_id/domains']) {
    app.get(path, { schema: { params: OrgParams, querystring: ClerkQuery, response: EmptyPageAnswer } }, async (request) => {
      const { user, wrap } = signedIn(request)
      core.organizations.requireMembership(user.id, request.params.organization_id)
      page(request.query)
      return wrap({ data: [], total_count: 0 as const })
    })
  }
}
