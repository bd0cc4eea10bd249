/**
 * Clerk's organization JSON shapes, each declared once: the Frontend API's (`Client.Organization`,
 * `Client.OrganizationMembership` of `fapi_2026-05-12.yml`) and the Backend API's (`Organization`,
 * `OrganizationMembership` of `bapi_2026-05-12.yml`, which the webhooks description shares). Kept
 * apart from `wire.ts` only because organizations came later; the same rules hold.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Metadata, Ms, Nullable, PublicUserDataJson } from './wire-parts.js'

/** `Client.Organization`: the spec forbids properties it does not list. */
export const OrganizationJson = Type.Object({
  object: Type.Literal('organization'),
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  image_url: Type.String(),
  has_image: Type.Boolean(),
  members_count: Type.Integer(),
  pending_invitations_count: Type.Integer(),
  max_allowed_memberships: Type.Integer(),
  admin_delete_enabled: Type.Boolean(),
  public_metadata: Metadata,
  created_at: Ms,
  updated_at: Ms,
})
export type OrganizationJson = Static<typeof OrganizationJson>

/** `Client.OrganizationMembership`: what clerk-js reads for `useOrganization()` and the switcher. */
export const OrganizationMembershipJson = Type.Object({
  object: Type.Literal('organization_membership'),
  id: Type.String(),
  organization: OrganizationJson,
  public_metadata: Metadata,
  public_user_data: PublicUserDataJson,
  role: Type.String(),
  role_name: Type.String(),
  /** Every permission of the role, system ones (`org:sys_…`) included. */
  permissions: Type.Array(Type.String()),
  created_at: Ms,
  updated_at: Ms,
})
export type OrganizationMembershipJson = Static<typeof OrganizationMembershipJson>

/** The Backend API's organization (also the `data` of `organization.created|updated`). */
export const BapiOrganizationJson = Type.Object({
  object: Type.Literal('organization'),
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  image_url: Type.String(),
  has_image: Type.Boolean(),
  /** Only when asked for (`include_members_count=true`), as on Clerk. */
  members_count: Type.Optional(Type.Integer()),
  pending_invitations_count: Type.Integer(),
  max_allowed_memberships: Type.Integer(),
  admin_delete_enabled: Type.Boolean(),
  public_metadata: Metadata,
  private_metadata: Metadata,
  created_by: Type.Optional(Type.String()),
  created_at: Ms,
  updated_at: Ms,
})
export type BapiOrganizationJson = Static<typeof BapiOrganizationJson>

export const BapiOrganizationPublicUserDataJson = Type.Object({
  user_id: Type.String(),
  first_name: Nullable(Type.String()),
  last_name: Nullable(Type.String()),
  profile_image_url: Nullable(Type.String()),
  image_url: Type.String(),
  has_image: Type.Boolean(),
  identifier: Nullable(Type.String()),
  username: Nullable(Type.String()),
})

/** The Backend API's membership (also the `data` of `organizationMembership.*`). */
export const BapiOrganizationMembershipJson = Type.Object({
  object: Type.Literal('organization_membership'),
  id: Type.String(),
  role: Type.String(),
  role_name: Type.String(),
  permissions: Type.Array(Type.String()),
  public_metadata: Metadata,
  private_metadata: Metadata,
  organization: BapiOrganizationJson,
  public_user_data: BapiOrganizationPublicUserDataJson,
  created_at: Ms,
  updated_at: Ms,
})
export type BapiOrganizationMembershipJson = Static<typeof BapiOrganizationMembershipJson>

/** A page of a list: `{ data, total_count }` (the Frontend API with `paginated=true`, the Backend API always). */
export const Page = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), total_count: Type.Integer() })
export type Page<T> = { data: T[]; total_count: number }

/** `Client.Permission`: one permission of a role, as `GET /v1/organizations/{id}/roles` lists it. */
export const PermissionJson = Type.Object({
  object: Type.Literal('permission'),
  id: Type.String(),
  name: Type.String(),
  key: Type.String(),
  description: Type.String(),
  type: Type.Union([Type.Literal('system'), Type.Literal('user')]),
  created_at: Ms,
  updated_at: Ms,
})

/** `Client.Role`. */
export const RoleJson = Type.Object({
  object: Type.Literal('role'),
  id: Type.String(),
  name: Type.String(),
  key: Type.String(),
  description: Type.String(),
  is_creator_eligible: Type.Boolean(),
  permissions: Type.Array(PermissionJson),
  created_at: Ms,
  updated_at: Ms,
})
export type RoleJson = Static<typeof RoleJson>

/** `Client.DeletedObject` / `DeletedObject`: what deleting an organization or leaving one answers. */
export const DeletedJson = Type.Object({ object: Type.String(), id: Type.String(), slug: Type.Optional(Type.String()), deleted: Type.Literal(true) })
export type DeletedJson = Static<typeof DeletedJson>

/** A page of something the mock never has (invitations, suggestions, membership requests, domains): always empty. */
export const EmptyPage = Type.Object({ data: Type.Array(Type.Unknown(), { maxItems: 0 }), total_count: Type.Literal(0) })
