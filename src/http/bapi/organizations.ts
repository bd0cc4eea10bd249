/**
 * Backend API organizations (REFERENCE §13, §16), what `clerkClient.organizations.*` and
 * `clerkClient.users.getOrganizationMembershipList` call: organizations (get by id or slug, list,
 * create, update, metadata, delete), memberships (list with the user filters of `GET /v1/users`,
 * create, update role, metadata, delete) and a user's memberships. The same core operations as the
 * Frontend API's, so a role changed here is in the user's next session token.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import { errors } from '../../core/errors.js'
import { assertMetadataSize, deepMerge } from '../../core/mock-core.js'
import type { Membership, Organization } from '../../core/organizations.js'
import { BapiOrganizationJson, BapiOrganizationMembershipJson, DeletedJson, Page } from '../../core/organization-wire.js'
import { ErrorJson, Nullable } from '../../core/wire.js'
import { transportErrors } from '../errors.js'
import { MAX_PARAM_LENGTH } from '../schemas.js'
import { bounded, userFilter } from './query.js'

const Opt = Type.Optional
const Param = Type.String({ minLength: 1, maxLength: MAX_PARAM_LENGTH })
const Text = (maxLength = 256) => Type.String({ maxLength })
const Metadata = Type.Record(Type.String(), Type.Unknown())
const Many = Opt(Type.Union([Text(512), Type.Array(Text(512), { maxItems: 100 })]))
const Digits = (max: number) => Opt(Type.String({ pattern: `^[0-9]{1,${max}}$` }))
const Bool = Opt(Type.Union([Type.Literal('true'), Type.Literal('false')]))
const NoBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])

const OrgParams = Type.Object({ organization_id: Param })
const MemberParams = Type.Object({ organization_id: Param, user_id: Param })
const UserParams = Type.Object({ user_id: Param })

const OrganizationListQuery = Type.Object(
  {
    include_members_count: Bool,
    include_missing_member_with_elevated_permissions: Bool,
    query: Opt(Text(512)),
    user_id: Many,
    'user_id[]': Many,
    organization_id: Many,
    'organization_id[]': Many,
    order_by: Opt(Text(64)),
    limit: Digits(6),
    offset: Digits(9),
  },
  { additionalProperties: false },
)
const OrganizationGetQuery = Type.Object({ include_members_count: Bool, include_missing_member_with_elevated_permissions: Bool }, { additionalProperties: false })

/** The user filters of `GET /v1/users` (query.ts reads them), plus `role` and the page. */
const MembershipListQuery = Type.Object(
  {
    ...Object.fromEntries(
      ['user_id', 'email_address', 'phone_number', 'username', 'web3_wallet', 'role'].flatMap((n) => [
        [n, Many],
        [`${n}[]`, Many],
      ]),
    ),
    query: Opt(Text(512)),
    email_address_query: Opt(Text(512)),
    phone_number_query: Opt(Text(512)),
    username_query: Opt(Text(512)),
    name_query: Opt(Text(512)),
    last_active_at_before: Digits(15),
    last_active_at_after: Digits(15),
    created_at_before: Digits(15),
    created_at_after: Digits(15),
    order_by: Opt(Text(64)),
    limit: Digits(6),
    offset: Digits(9),
  },
  { additionalProperties: false },
)
const PageQuery = Type.Object({ limit: Digits(6), offset: Digits(9) }, { additionalProperties: false })

const CreateOrganizationBody = Type.Object(
  {
    name: Type.String({ maxLength: 256 }),
    created_by: Opt(Nullable(Param)),
    slug: Opt(Nullable(Text())),
    max_allowed_memberships: Opt(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
    public_metadata: Opt(Nullable(Metadata)),
    private_metadata: Opt(Nullable(Metadata)),
    created_at: Opt(Nullable(Text(64))),
    role_set_key: Opt(Nullable(Text())),
  },
  { additionalProperties: false },
)
const UpdateOrganizationBody = Type.Object(
  {
    name: Opt(Nullable(Text())),
    slug: Opt(Nullable(Text())),
    max_allowed_memberships: Opt(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
    admin_delete_enabled: Opt(Nullable(Type.Boolean())),
    created_at: Opt(Nullable(Text(64))),
    role_set_key: Opt(Nullable(Text())),
  },
  { additionalProperties: false },
)
const MetadataBody = Type.Union([Type.Object({ public_metadata: Opt(Nullable(Metadata)), private_metadata: Opt(Nullable(Metadata)) }, { additionalProperties: false }), Type.Null()])
const CreateMembershipBody = Type.Object(
  { user_id: Param, role: Param, public_metadata: Opt(Nullable(Metadata)), private_metadata: Opt(Nullable(Metadata)) },
  { additionalProperties: false },
)
const RoleBody = Type.Object({ role: Param }, { additionalProperties: false })

const answers = <T extends TSchema>(ok: T) => ({ 200: ok, '4xx': ErrorJson, '5xx': ErrorJson })
const OrganizationAnswer = answers(BapiOrganizationJson)
const OrganizationsAnswer = answers(Page(BapiOrganizationJson))
const MembershipAnswer = answers(BapiOrganizationMembershipJson)
const MembershipsAnswer = answers(Page(BapiOrganizationMembershipJson))
const DeletedAnswer = answers(DeletedJson)

type Query = Record<string, string | string[] | undefined>

const list = (q: Query, name: string): string[] | undefined => {
  const values = [q[name], q[`${name}[]`]].flat().filter((v): v is string => v !== undefined)
  return values.length === 0 ? undefined : values
}

/** Clerk's `+id`/`-id` lists, as for users: a `-` entry excludes, `+`/bare entries (if any) are the only ones included. */
const signedMatch = (entries: string[], value: (id: string) => boolean): boolean => {
  const include = entries.filter((x) => !x.startsWith('-')).map((x) => x.replace(/^\+/, ''))
  const exclude = entries.filter((x) => x.startsWith('-')).map((x) => x.slice(1))
  if (exclude.some(value)) return false
  return include.length === 0 || include.some(value)
}

/** `order_by` of an organization list: `name`, `created_at` or `members_count`, `-` descending (default `-created_at`). */
function organizationOrder(raw: string | undefined, count: (o: Organization) => number): (a: Organization, b: Organization) => number {
  const value = raw ?? '-created_at'
  const field = value.replace(/^[+-]/, '')
  const sign = value.startsWith('-') ? -1 : 1
  const key: Record<string, (o: Organization) => string | number> = { name: (o) => o.name.toLowerCase(), created_at: (o) => o.createdAt, members_count: count }
  if (!(field in key)) throw transportErrors.paramInvalid('order_by', value, `order_by must be name, created_at or members_count (with an optional + or - in front), got ${value}.`)
  return (a, b) => {
    const x = key[field](a)
    const y = key[field](b)
    return (x < y ? -1 : x > y ? 1 : 0) * sign
  }
}

/** An RFC 3339 `created_at` as epoch ms. */
function rfc3339(value: string | null | undefined): number | undefined {
  if (value == null) return undefined
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN
  if (!Number.isFinite(ms)) throw errors.paramFormatInvalid('created_at', `created_at must be an RFC 3339 time such as 2012-10-20T07:15:20.902Z, got ${value}.`)
  return ms
}

export const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  const orgs = () => core.organizations.records
  const orgJson = (o: Organization, withCount = false) => orgs().bapiOrganizationJson(o, withCount)
  const membershipJson = (m: Membership) => orgs().bapiMembershipJson(m, core.user(m.userId))
  const page = (q: Query) => ({ limit: bounded(q, 'limit', 10, 1, 500), offset: bounded(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER) })

  // ---- organizations -------------------------------------------------------------------------------

  app.get('/v1/organizations', { schema: { querystring: OrganizationListQuery, response: OrganizationsAnswer } }, async (request) => {
    const q = request.query as Query
    if (q.include_missing_member_with_elevated_permissions === 'true') throw errors.paramUnsupported('include_missing_member_with_elevated_permissions')
    const { limit, offset } = page(q)
    const userIds = list(q, 'user_id')
    const orgIds = list(q, 'organization_id')
    const needle = request.query.query?.toLowerCase()
    const found = orgs()
      .list()
      .filter((o) => needle === undefined || o.id === request.query.query || o.name.toLowerCase().includes(needle) || o.slug.toLowerCase().includes(needle))
      .filter((o) => userIds === undefined || signedMatch(userIds, (u) => orgs().membership(o.id, u) !== undefined))
      .filter((o) => orgIds === undefined || signedMatch(orgIds, (id) => id === o.id))
      .sort(organizationOrder(request.query.order_by, (o) => orgs().membersCount(o.id)))
    const withCount = q.include_members_count === 'true'
    return { data: found.slice(offset, offset + limit).map((o) => orgJson(o, withCount)), total_count: found.length }
  })

  app.post('/v1/organizations', { schema: { body: CreateOrganizationBody, response: OrganizationAnswer } }, async (request) => {
    const b = request.body
    if (b.role_set_key != null) throw errors.paramUnsupported('role_set_key')
    for (const field of ['public_metadata', 'private_metadata'] as const) if (b[field] != null) assertMetadataSize(field, b[field])
    const { organization } = core.organizations.create({
      name: b.name,
      slug: b.slug || null,
      createdBy: b.created_by || null,
      maxAllowedMemberships: b.max_allowed_memberships,
      publicMetadata: b.public_metadata ?? undefined,
      privateMetadata: b.private_metadata ?? undefined,
      createdAt: rfc3339(b.created_at),
    })
    return orgJson(organization, true)
  })

  // By id or by slug, as `getOrganization({ organizationId })` and `({ slug })` ask.
  app.get('/v1/organizations/:organization_id', { schema: { params: OrgParams, querystring: OrganizationGetQuery, response: OrganizationAnswer } }, async (request) => {
    if (request.query.include_missing_member_with_elevated_permissions === 'true') throw errors.paramUnsupported('include_missing_member_with_elevated_permissions')
    return orgJson(orgs().get(request.params.organization_id), request.query.include_members_count === 'true')
  })

  app.patch('/v1/organizations/:organization_id', { schema: { params: OrgParams, body: UpdateOrganizationBody, response: OrganizationAnswer } }, async (request) => {
    const b = request.body
    if (b.role_set_key != null) throw errors.paramUnsupported('role_set_key')
    if (b.created_at != null) throw errors.paramUnsupported('created_at')
    const org = core.organizations.update(orgs().get(request.params.organization_id).id, {
      name: b.name ?? undefined,
      slug: b.slug ?? undefined,
      maxAllowedMemberships: b.max_allowed_memberships ?? undefined,
      adminDeleteEnabled: b.admin_delete_enabled ?? undefined,
    })
    return orgJson(org)
  })

  // PATCH merges (a null value deletes its key), PUT replaces each field given, as for users.
  const metadata = (mode: 'merge' | 'replace') => async (request: { params: { organization_id: string }; body: { public_metadata?: Record<string, unknown> | null; private_metadata?: Record<string, unknown> | null } | null }) => {
    const org = orgs().get(request.params.organization_id)
    const body = request.body ?? {}
    const next = (field: 'public_metadata' | 'private_metadata', current: Record<string, unknown>) => {
      const given = body[field]
      if (given == null) return undefined
      const value = mode === 'merge' ? deepMerge(current, given) : given
      assertMetadataSize(field, value)
      return value
    }
    return orgJson(core.organizations.update(org.id, { publicMetadata: next('public_metadata', org.publicMetadata), privateMetadata: next('private_metadata', org.privateMetadata) }))
  }
  app.patch('/v1/organizations/:organization_id/metadata', { schema: { params: OrgParams, body: MetadataBody, response: OrganizationAnswer } }, metadata('merge'))
  app.put('/v1/organizations/:organization_id/metadata', { schema: { params: OrgParams, body: MetadataBody, response: OrganizationAnswer } }, metadata('replace'))

  app.delete('/v1/organizations/:organization_id', { schema: { params: OrgParams, body: NoBody, response: DeletedAnswer } }, async (request) => {
    const org = core.organizations.delete(orgs().get(request.params.organization_id).id)
    return { object: 'organization', id: org.id, slug: org.slug, deleted: true as const }
  })

  // ---- memberships ---------------------------------------------------------------------------------

  app.get('/v1/organizations/:organization_id/memberships', { schema: { params: OrgParams, querystring: MembershipListQuery, response: MembershipsAnswer } }, async (request) => {
    const q = request.query as Query
    const org = orgs().get(request.params.organization_id)
    const { limit, offset } = page(q)
    const roles = list(q, 'role')
    const { order_by: orderBy, role: _r, 'role[]': _rr, limit: _l, offset: _o, ...userQuery } = q
    // The user filters are GET /v1/users' own (phone numbers and wallets match nobody here).
    const users = new Set(core.findUsers(userFilter(userQuery)).map((u) => u.id))
    const value = typeof orderBy === 'string' ? orderBy : '-created_at'
    const field = value.replace(/^[+-]/, '')
    if (!['created_at', 'email_address', 'first_name', 'last_name', 'username', 'phone_number'].includes(field)) {
      throw transportErrors.paramInvalid('order_by', value, `order_by must be created_at, email_address, first_name, last_name, username or phone_number (with an optional + or - in front), got ${value}.`)
    }
    let members = orgs()
      .membersOf(org.id)
      .filter((m) => users.has(m.userId) && (roles === undefined || roles.includes(m.role)))
    if (field === 'created_at') members = [...members].sort((a, b) => a.createdAt - b.createdAt)
    else {
      const order = core.findUsers({}, field === 'phone_number' ? 'created_at' : field as 'email_address', false).map((u) => u.id)
      members = [...members].sort((a, b) => order.indexOf(a.userId) - order.indexOf(b.userId))
    }
    if (value.startsWith('-')) members.reverse()
    return { data: members.slice(offset, offset + limit).map(membershipJson), total_count: members.length }
  })

  app.post('/v1/organizations/:organization_id/memberships', { schema: { params: OrgParams, body: CreateMembershipBody, response: MembershipAnswer } }, async (request) => {
    const b = request.body
    const org = orgs().get(request.params.organization_id)
    for (const field of ['public_metadata', 'private_metadata'] as const) if (b[field] != null) assertMetadataSize(field, b[field])
    let m = core.organizations.addMember(org.id, b.user_id, b.role)
    if (b.public_metadata != null || b.private_metadata != null) {
      m = core.organizations.setMembershipMetadata(org.id, b.user_id, { publicMetadata: b.public_metadata ?? undefined, privateMetadata: b.private_metadata ?? undefined })
    }
    return membershipJson(m)
  })

  app.patch('/v1/organizations/:organization_id/memberships/:user_id', { schema: { params: MemberParams, body: RoleBody, response: MembershipAnswer } }, async (request) =>
    membershipJson(core.organizations.setRole(orgs().get(request.params.organization_id).id, request.params.user_id, request.body.role)),
  )

  app.patch('/v1/organizations/:organization_id/memberships/:user_id/metadata', { schema: { params: MemberParams, body: MetadataBody, response: MembershipAnswer } }, async (request) => {
    const org = orgs().get(request.params.organization_id)
    const current = orgs().membership(org.id, request.params.user_id)
    const body = request.body ?? {}
    const merged = (field: 'public_metadata' | 'private_metadata', now: Record<string, unknown> | undefined) => {
      const given = body[field]
      if (given == null || now === undefined) return undefined
      const value = deepMerge(now, given)
      assertMetadataSize(field, value)
      return value
    }
    return membershipJson(
      core.organizations.setMembershipMetadata(org.id, request.params.user_id, {
        publicMetadata: merged('public_metadata', current?.publicMetadata),
        privateMetadata: merged('private_metadata', current?.privateMetadata),
      }),
    )
  })

  app.delete('/v1/organizations/:organization_id/memberships/:user_id', { schema: { params: MemberParams, body: NoBody, response: MembershipAnswer } }, async (request) => {
    const org = orgs().get(request.params.organization_id)
    const user = core.user(request.params.user_id)
    // A backend may remove anyone, the last admin too (Clerk keeps that rule for members themselves).
    const m = core.organizations.removeMember(org.id, user.id, false)
    return orgs().bapiMembershipJson(m, user, org)
  })

  app.get('/v1/users/:user_id/organization_memberships', { schema: { params: UserParams, querystring: PageQuery, response: MembershipsAnswer } }, async (request) => {
    const user = core.user(request.params.user_id)
    const { limit, offset } = page(request.query as Query)
    const all = orgs().membershipsOf(user.id)
    return { data: all.slice(offset, offset + limit).map(membershipJson), total_count: all.length }
  })
}
