/**
 * Organizations, their memberships and the roles that give members permissions (REFERENCE §16):
 * the records, the rules (unique slugs, known roles, one membership per user and organization, the
 * membership limit, an organization keeps at least one admin), Clerk's JSON for them, and what a
 * session token says about the active organization. No HTTP, no webhooks here: `MockCore` runs
 * these operations and emits the events.
 */
import { customAlphabet } from 'nanoid'
import { ClerkError } from './errors.js'
import { newId } from './ids.js'
import type { TimeSource } from './time.js'
import { DEFAULT_IMAGE, publicUserDataJson } from './serialize.js'
import type { User } from './store.js'
import type { BapiOrganizationJson, BapiOrganizationMembershipJson, OrganizationJson, OrganizationMembershipJson, RoleJson } from './organization-wire.js'

/** Clerk's system permissions (`org:sys_…`): every admin has them all; a member reads the member list. */
export const SYSTEM_PERMISSIONS = [
  'org:sys_profile:manage',
  'org:sys_profile:delete',
  'org:sys_memberships:read',
  'org:sys_memberships:manage',
  'org:sys_domains:read',
  'org:sys_domains:manage',
  'org:sys_billing:read',
  'org:sys_billing:manage',
] as const

export const ADMIN_ROLE = 'org:admin'
export const MEMBER_ROLE = 'org:member'

/** `org:<feature>:<action>`; a custom feature may not start with `sys_` (those are Clerk's). */
export const PERMISSION_PATTERN = /^org:[a-z0-9_-]+:[a-z0-9_-]+$/
export const ROLE_PATTERN = /^org:[a-z0-9_-]+$/
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]*$/

export interface OrgRole {
  /** `org:admin`, `org:member` or a custom `org:<name>`. */
  key: string
  name: string
  /** The whole list, system permissions first. */
  permissions: string[]
}

export interface Organization {
  /** `org_…` */
  id: string
  name: string
  slug: string
  imageUrl: string | null
  publicMetadata: Record<string, unknown>
  privateMetadata: Record<string, unknown>
  /** 0: no limit. */
  maxAllowedMemberships: number
  adminDeleteEnabled: boolean
  createdBy: string | null
  createdAt: number
  updatedAt: number
}

export interface Membership {
  /** `orgmem_…` */
  id: string
  organizationId: string
  userId: string
  role: string
  publicMetadata: Record<string, unknown>
  privateMetadata: Record<string, unknown>
  createdAt: number
  updatedAt: number
}

/** What a fixture seeds (every time resolved, every reference checked by the loader). */
export interface SeedOrganizations {
  organizations: Organization[]
  memberships: Membership[]
  /** Custom roles, and extra permissions for `org:admin` / `org:member` (added to their system ones). */
  roles: { key: string; name?: string; permissions: string[] }[]
}

export interface NewOrganization {
  name: string
  slug?: string | null
  imageUrl?: string | null
  publicMetadata?: Record<string, unknown>
  privateMetadata?: Record<string, unknown>
  maxAllowedMemberships?: number | null
  createdBy?: string | null
  createdAt?: number
}

export interface OrganizationPatch {
  name?: string
  slug?: string
  maxAllowedMemberships?: number
  adminDeleteEnabled?: boolean
  publicMetadata?: Record<string, unknown>
  privateMetadata?: Record<string, unknown>
}

export const orgErrors = {
  /** Clerk's answer to anyone who may not see an organization, and for one that does not exist (no existence leak). */
  notFoundOrUnauthorized: () =>
    new ClerkError(404, 'organization_not_found_or_unauthorized', 'not found or unauthorized', "Given organization not found, or you don't have permission to access the organization"),
  /** The Backend API, which may know every organization. */
  notFound: (id: string) => new ClerkError(404, 'resource_not_found', 'not found', `Given organization not found: no organization has the id or slug ${id}.`),
  membershipNotFound: (orgId: string, userId: string) =>
    new ClerkError(404, 'resource_not_found', 'not found', `User ${userId} is not a member of organization ${orgId}.`),
  alreadyMember: (userId: string) =>
    new ClerkError(400, 'already_a_member_in_organization', 'already a member', `${userId} is already a member of the organization.`),
  roleNotFound: (role: string, known: string[]) =>
    new ClerkError(404, 'resource_not_found', 'not found', `Organization role not found: ${role} (roles: ${known.join(', ')})`, { param_name: 'role' }),
  slugTaken: (slug: string) =>
    new ClerkError(422, 'form_identifier_exists', 'That slug is taken. Please try another.', `The slug ${slug} is already used by another organization.`, { param_name: 'slug' }),
  slugInvalid: (slug: string) =>
    new ClerkError(422, 'form_param_format_invalid', 'is invalid', `slug ${JSON.stringify(slug)} must be lowercase letters, digits, '-' and '_' (starting with a letter or digit).`, { param_name: 'slug' }),
  nameInvalid: () => new ClerkError(422, 'form_param_value_invalid', 'is invalid', 'name is invalid. Must be not empty', { param_name: 'name' }),
  quotaExceeded: (max: number) =>
    new ClerkError(403, 'organization_membership_quota_exceeded', 'organization membership quota exceeded', `You have reached your limit of ${max} organization memberships, including outstanding invitations.`),
  lastAdmin: () =>
    new ClerkError(400, 'organization_minimum_permissions_needed', 'minimum organization permissions needed', 'There has to be at least one organization member with the minimum required permissions'),
  missingPermission: (permission: string) =>
    new ClerkError(403, 'missing_organization_permission', 'missing permission', `Current user is missing an organization permission (${permission}).`, { permissions: [permission] }),
  notEnabled: () =>
    new ClerkError(403, 'organization_not_enabled_in_instance', 'access denied', 'The organizations feature is not enabled for this instance (the fixture sets environment.organization_settings.enabled to false).'),
}

const slugSuffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 6)

/** `Acme Inc.` → `acme-inc`: how Clerk derives a slug from a name when none is given. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug === '' ? 'organization' : slug
}

/** The roles an instance has: the two defaults (with any extra permissions the fixture gives them) and the fixture's custom ones. */
export function buildRoles(extra: SeedOrganizations['roles']): Map<string, OrgRole> {
  const roles = new Map<string, OrgRole>([
    [ADMIN_ROLE, { key: ADMIN_ROLE, name: 'Admin', permissions: [...SYSTEM_PERMISSIONS] }],
    [MEMBER_ROLE, { key: MEMBER_ROLE, name: 'Member', permissions: ['org:sys_memberships:read'] }],
  ])
  for (const r of extra) {
    const base = roles.get(r.key)
    const permissions = [...new Set([...(base?.permissions ?? []), ...r.permissions])]
    roles.set(r.key, { key: r.key, name: r.name ?? base?.name ?? roleName(r.key), permissions })
  }
  return roles
}

/** `org:billing_manager` → `Billing manager`. */
const roleName = (key: string) => {
  const words = key.replace(/^org:/, '').replace(/[_-]+/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The organizations of one mock. Containers private; records returned are the live ones (serialise at once). */
export class Organizations {
  readonly #orgs = new Map<string, Organization>()
  /** organization id → user id → membership, in creation order. */
  readonly #members = new Map<string, Map<string, Membership>>()
  readonly #roles: Map<string, OrgRole>

  constructor(
    readonly clock: TimeSource,
    seed: SeedOrganizations = { organizations: [], memberships: [], roles: [] },
  ) {
    this.#roles = buildRoles(seed.roles)
    for (const org of seed.organizations) {
      this.#orgs.set(org.id, { ...org, publicMetadata: structuredClone(org.publicMetadata), privateMetadata: structuredClone(org.privateMetadata) })
      this.#members.set(org.id, new Map())
    }
    for (const m of seed.memberships) this.#members.get(m.organizationId)!.set(m.userId, { ...m })
  }

  // ---- roles -------------------------------------------------------------------------------

  roles(): OrgRole[] {
    return [...this.#roles.values()]
  }

  role(key: string): OrgRole {
    const role = this.#roles.get(key)
    if (!role) throw orgErrors.roleNotFound(key, [...this.#roles.keys()])
    return role
  }

  // ---- organizations -----------------------------------------------------------------------

  /** By id or by slug (the Backend API accepts either); null when neither names one. */
  lookup(idOrSlug: string): Organization | null {
    const byId = this.#orgs.get(idOrSlug)
    if (byId) return byId
    for (const org of this.#orgs.values()) if (org.slug === idOrSlug) return org
    return null
  }

  get(idOrSlug: string): Organization {
    const org = this.lookup(idOrSlug)
    if (!org) throw orgErrors.notFound(idOrSlug)
    return org
  }

  /** Every organization, newest first (ties: later created first), optionally those matching `query` (name, slug or id, case-insensitive substring). */
  list(filter: { query?: string; userId?: string; ids?: string[] } = {}): Organization[] {
    const q = filter.query?.toLowerCase()
    const out = [...this.#orgs.values()].filter(
      (o) =>
        (q === undefined || [o.name, o.slug, o.id].some((v) => v.toLowerCase().includes(q))) &&
        (filter.userId === undefined || this.#members.get(o.id)!.has(filter.userId)) &&
        (filter.ids === undefined || filter.ids.includes(o.id)),
    )
    return out.reverse().sort((a, b) => b.createdAt - a.createdAt)
  }

  /** A new organization; `createdBy` (a user) becomes its first admin, as on Clerk. */
  create(input: NewOrganization): { organization: Organization; membership: Membership | null } {
    const name = input.name.trim()
    if (name === '') throw orgErrors.nameInvalid()
    let slug = input.slug ?? null
    if (slug !== null) this.#checkSlug(slug, null)
    else {
      slug = slugify(name)
      while (this.lookup(slug) !== null) slug = `${slugify(name)}-${slugSuffix()}`
    }
    const now = this.clock.now()
    const organization: Organization = {
      id: newId('org', this.clock),
      name,
      slug,
      imageUrl: input.imageUrl ?? null,
      publicMetadata: input.publicMetadata ?? {},
      privateMetadata: input.privateMetadata ?? {},
      maxAllowedMemberships: input.maxAllowedMemberships ?? 0,
      adminDeleteEnabled: true,
      createdBy: input.createdBy ?? null,
      createdAt: input.createdAt ?? now,
      updatedAt: now,
    }
    this.#orgs.set(organization.id, organization)
    this.#members.set(organization.id, new Map())
    const membership = input.createdBy ? this.addMember(organization.id, input.createdBy, ADMIN_ROLE) : null
    return { organization, membership }
  }

  update(id: string, patch: OrganizationPatch): Organization {
    const org = this.get(id)
    if (patch.name !== undefined && patch.name.trim() === '') throw orgErrors.nameInvalid()
    if (patch.slug !== undefined) this.#checkSlug(patch.slug, org.id)
    if (patch.name !== undefined) org.name = patch.name.trim()
    if (patch.slug !== undefined) org.slug = patch.slug
    if (patch.maxAllowedMemberships !== undefined) org.maxAllowedMemberships = patch.maxAllowedMemberships
    if (patch.adminDeleteEnabled !== undefined) org.adminDeleteEnabled = patch.adminDeleteEnabled
    if (patch.publicMetadata !== undefined) org.publicMetadata = patch.publicMetadata
    if (patch.privateMetadata !== undefined) org.privateMetadata = patch.privateMetadata
    org.updatedAt = this.clock.now()
    return org
  }

  /** The organization and its memberships (as they were) leave. */
  delete(id: string): { organization: Organization; memberships: Membership[] } {
    const organization = this.get(id)
    const memberships = this.membersOf(organization.id)
    this.#orgs.delete(organization.id)
    this.#members.delete(organization.id)
    return { organization, memberships }
  }

  #checkSlug(slug: string, self: string | null): void {
    if (!SLUG_PATTERN.test(slug)) throw orgErrors.slugInvalid(slug)
    for (const other of this.#orgs.values()) if (other.id !== self && other.slug === slug) throw orgErrors.slugTaken(slug)
  }

  // ---- memberships --------------------------------------------------------------------------

  membersCount(orgId: string): number {
    return this.#members.get(orgId)?.size ?? 0
  }

  /** Oldest first. */
  membersOf(orgId: string): Membership[] {
    return [...(this.#members.get(orgId)?.values() ?? [])]
  }

  membership(orgId: string, userId: string): Membership | undefined {
    return this.#members.get(orgId)?.get(userId)
  }

  /** A user's memberships, the newest first (as Clerk lists them). */
  membershipsOf(userId: string): Membership[] {
    const out: Membership[] = []
    for (const members of this.#members.values()) {
      const m = members.get(userId)
      if (m) out.push(m)
    }
    return out.reverse().sort((a, b) => b.createdAt - a.createdAt)
  }

  addMember(orgId: string, userId: string, role: string = MEMBER_ROLE): Membership {
    const org = this.get(orgId)
    this.role(role)
    const members = this.#members.get(org.id)!
    if (members.has(userId)) throw orgErrors.alreadyMember(userId)
    if (org.maxAllowedMemberships > 0 && members.size >= org.maxAllowedMemberships) throw orgErrors.quotaExceeded(org.maxAllowedMemberships)
    const now = this.clock.now()
    const membership: Membership = { id: newId('orgmem', this.clock), organizationId: org.id, userId, role, publicMetadata: {}, privateMetadata: {}, createdAt: now, updatedAt: now }
    members.set(userId, membership)
    return membership
  }

  setRole(orgId: string, userId: string, role: string): Membership {
    const org = this.get(orgId)
    const membership = this.#requireMember(org.id, userId)
    this.role(role)
    if (membership.role === ADMIN_ROLE && role !== ADMIN_ROLE) this.#keepAnAdmin(org.id, userId)
    membership.role = role
    membership.updatedAt = this.clock.now()
    return membership
  }

  setMembershipMetadata(orgId: string, userId: string, metadata: { publicMetadata?: Record<string, unknown>; privateMetadata?: Record<string, unknown> }): Membership {
    const membership = this.#requireMember(this.get(orgId).id, userId)
    if (metadata.publicMetadata !== undefined) membership.publicMetadata = metadata.publicMetadata
    if (metadata.privateMetadata !== undefined) membership.privateMetadata = metadata.privateMetadata
    membership.updatedAt = this.clock.now()
    return membership
  }

  /** `keepAdmin`: refuse to remove the last admin (Clerk's rule for members leaving or being removed). */
  removeMember(orgId: string, userId: string, keepAdmin = true): Membership {
    const org = this.get(orgId)
    const membership = this.#requireMember(org.id, userId)
    if (keepAdmin && membership.role === ADMIN_ROLE) this.#keepAnAdmin(org.id, userId)
    this.#members.get(org.id)!.delete(userId)
    return membership
  }

  /** A deleted user leaves every organization (an organization may be left without an admin, as on Clerk). */
  removeUser(userId: string): Membership[] {
    const gone = this.membershipsOf(userId)
    for (const m of gone) this.#members.get(m.organizationId)!.delete(userId)
    return gone
  }

  #requireMember(orgId: string, userId: string): Membership {
    const membership = this.membership(orgId, userId)
    if (!membership) throw orgErrors.membershipNotFound(orgId, userId)
    return membership
  }

  #keepAnAdmin(orgId: string, leaving: string): void {
    if (!this.membersOf(orgId).some((m) => m.userId !== leaving && m.role === ADMIN_ROLE)) throw orgErrors.lastAdmin()
  }

  /** Whether the membership's role has the permission (system or custom). */
  can(membership: Membership, permission: string): boolean {
    return this.#roles.get(membership.role)?.permissions.includes(permission) ?? false
  }

  // ---- Clerk's JSON ------------------------------------------------------------------------

  /** What the Frontend and Backend API's organizations both say (`members_count` aside). */
  #commonOrganizationJson(org: Organization) {
    return {
      object: 'organization' as const,
      id: org.id,
      name: org.name,
      slug: org.slug,
      image_url: org.imageUrl ?? DEFAULT_IMAGE,
      has_image: org.imageUrl !== null,
      pending_invitations_count: 0,
      max_allowed_memberships: org.maxAllowedMemberships,
      admin_delete_enabled: org.adminDeleteEnabled,
      public_metadata: org.publicMetadata,
      created_at: org.createdAt,
      updated_at: org.updatedAt,
    }
  }

  organizationJson(org: Organization): OrganizationJson {
    return { ...this.#commonOrganizationJson(org), members_count: this.membersCount(org.id) }
  }

  membershipJson(m: Membership, user: User): OrganizationMembershipJson {
    const role = this.#roles.get(m.role)
    return {
      object: 'organization_membership',
      id: m.id,
      organization: this.organizationJson(this.#orgs.get(m.organizationId)!),
      public_metadata: m.publicMetadata,
      public_user_data: publicUserDataJson(user),
      role: m.role,
      role_name: role?.name ?? m.role,
      permissions: [...(role?.permissions ?? [])],
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    }
  }

  bapiOrganizationJson(org: Organization, includeMembersCount = false): BapiOrganizationJson {
    return {
      ...this.#commonOrganizationJson(org),
      ...(includeMembersCount ? { members_count: this.membersCount(org.id) } : {}),
      private_metadata: org.privateMetadata,
      ...(org.createdBy === null ? {} : { created_by: org.createdBy }),
    }
  }

  /** `org`: the organization as it was, for a membership whose organization is being deleted. */
  bapiMembershipJson(m: Membership, user: User, org: Organization = this.#orgs.get(m.organizationId)!): BapiOrganizationMembershipJson {
    const role = this.#roles.get(m.role)
    return {
      object: 'organization_membership',
      id: m.id,
      role: m.role,
      role_name: role?.name ?? m.role,
      permissions: [...(role?.permissions ?? [])],
      public_metadata: m.publicMetadata,
      private_metadata: m.privateMetadata,
      organization: this.bapiOrganizationJson(org),
      // The Backend API's also has the older profile_image_url.
      public_user_data: { ...publicUserDataJson(user), profile_image_url: user.imageUrl ?? DEFAULT_IMAGE },
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    }
  }

  // ---- session tokens ------------------------------------------------------------------------

  /**
   * What a session token says about the user's active organization, or null (no organization
   * active, or the user is not, or no longer, a member): the v2 `o` claim and the `fea` claim it
   * indexes, encoded as Clerk does (`@clerk/shared`'s jwtPayloadParser reads them).
   */
  tokenClaims(orgId: string | null, userId: string): OrganizationClaims | null {
    if (orgId === null) return null
    const org = this.#orgs.get(orgId)
    const membership = org && this.membership(org.id, userId)
    if (!org || !membership) return null
    return encodeOrganizationClaims(org, membership.role, this.#roles.get(membership.role)?.permissions ?? [])
  }

  /**
   * A JWT template's claims with the organization shortcodes replaced (Clerk's `{{org.id}}`,
   * `{{org.name}}`, `{{org.slug}}`, `{{org.role}}`, `{{org.image_url}}`, `{{org.public_metadata}}`,
   * `{{org_membership.permissions}}`, `{{org_membership.public_metadata}}`): a claim whose value is
   * exactly a shortcode, at any depth. With no active organization each is null. Other strings stay.
   */
  resolveTemplate(claims: Record<string, unknown>, orgId: string | null, userId: string): Record<string, unknown> {
    const org = orgId === null ? undefined : this.#orgs.get(orgId)
    const membership = org && this.membership(org.id, userId)
    const active = org && membership ? { org, membership } : null
    const value = (code: string): unknown => {
      if (active === null) return null
      switch (code) {
        case 'org.id':
          return active.org.id
        case 'org.name':
          return active.org.name
        case 'org.slug':
          return active.org.slug
        case 'org.role':
          return active.membership.role
        case 'org.image_url':
          return active.org.imageUrl ?? DEFAULT_IMAGE
        case 'org.public_metadata':
          return structuredClone(active.org.publicMetadata)
        case 'org_membership.permissions':
          return customPermissions(this.#roles.get(active.membership.role)?.permissions ?? [])
        case 'org_membership.public_metadata':
          return structuredClone(active.membership.publicMetadata)
      }
      return undefined
    }
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') {
        const code = /^\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}$/.exec(v)?.[1]
        const replaced = code === undefined ? undefined : value(code)
        return replaced === undefined ? v : replaced
      }
      if (Array.isArray(v)) return v.map(walk)
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
      return v
    }
    return walk(claims) as Record<string, unknown>
  }
}

/** The custom permissions of a role: system ones (`org:sys_…`) are never in a session token (Clerk keeps tokens small). */
export const customPermissions = (permissions: string[]): string[] => permissions.filter((p) => !p.startsWith('org:sys_'))

export interface OrganizationClaims {
  o: { id: string; rol: string; slg: string; per?: string; fpm?: string }
  /** `o:<feature>,…`: the features `o.fpm` indexes; absent when the role has no custom permission. */
  fea?: string
}

/**
 * Clerk's v2 encoding: `rol` is the role without `org:`; `fea` lists the features of the role's
 * custom permissions (`o:<feature>`), `o.per` the actions, and `o.fpm` one integer per feature
 * whose bit i (least significant first) says whether that feature has action `per[i]`. So
 * `org:invoices:read`, `org:invoices:create`, `org:teams:read` → `fea: 'o:invoices,o:teams'`,
 * `per: 'create,read'`, `fpm: '3,2'`.
 */
export function encodeOrganizationClaims(org: Pick<Organization, 'id' | 'slug'>, role: string, permissions: string[]): OrganizationClaims {
  const o: OrganizationClaims['o'] = { id: org.id, rol: role.replace(/^org:/, ''), slg: org.slug }
  const parsed = customPermissions(permissions).map((p) => p.split(':') as [string, string, string])
  if (parsed.length === 0) return { o }
  const features = [...new Set(parsed.map(([, f]) => f))].sort()
  const actions = [...new Set(parsed.map(([, , a]) => a))].sort()
  const masks = features.map((f) => parsed.filter(([, pf]) => pf === f).reduce((mask, [, , a]) => mask | (1n << BigInt(actions.indexOf(a))), 0n))
  o.per = actions.join(',')
  o.fpm = masks.map(String).join(',')
  return { o, fea: features.map((f) => `o:${f}`).join(',') }
}

/** A role as `GET /v1/organizations/{id}/roles` lists it; `at`: the instant the roles were seeded (they never change). */
export function roleJson(role: OrgRole, at: number): RoleJson {
  return {
    object: 'role',
    id: `role_${role.key.slice(4)}`,
    name: role.name,
    key: role.key,
    description: '',
    is_creator_eligible: role.key === ADMIN_ROLE,
    permissions: role.permissions.map((key) => ({
      object: 'permission' as const,
      id: `perm_${key.slice(4).replace(/:/g, '_')}`,
      name: key,
      key,
      description: '',
      type: key.startsWith('org:sys_') ? ('system' as const) : ('user' as const),
      created_at: at,
      updated_at: at,
    })),
    created_at: at,
    updated_at: at,
  }
}
