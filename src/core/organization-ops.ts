/**
 * The organization operations of a mock, whichever face calls them (FAPI, BAPI, control API,
 * handle): each runs the rule in `organizations.ts`, keeps sessions consistent with memberships (a
 * session whose user leaves its active organization, or whose organization is deleted, falls back
 * to the personal account, so its next token has no `o` claim), and emits the webhooks of the
 * transition. `MockCore` owns one and rebuilds it on `reset()`.
 */
import type { Session, User } from './store.js'
import {
  MEMBER_ROLE,
  Organizations,
  orgErrors,
  type Membership,
  type NewOrganization,
  type Organization,
  type OrganizationPatch,
  type SeedOrganizations,
} from './organizations.js'
import type { TimeSource } from './time.js'
import type { Webhooks } from './webhooks/index.js'

/** What the operations need from the rest of the core (read lazily: the store is replaced on reset). */
export interface OrganizationDeps {
  clock: TimeSource
  webhooks: Webhooks
  user(id: string): User
  /** Every session the store holds (any status). */
  sessions(): Session[]
  sessionsOfUser(userId: string): Session[]
}

/** A member to add: a user id and a role key (default `org:member`). */
export interface NewMember {
  userId: string
  role?: string
}

export class OrganizationOps {
  #orgs: Organizations

  constructor(
    readonly deps: OrganizationDeps,
    readonly seed: SeedOrganizations,
  ) {
    this.#orgs = new Organizations(deps.clock, seed)
  }

  /** Back to the seed's organizations, memberships and roles. */
  reset(seed: SeedOrganizations = this.seed): void {
    this.#orgs = new Organizations(this.deps.clock, seed)
  }

  /** The records and their JSON (read-only use). */
  get records(): Organizations {
    return this.#orgs
  }

  // ---- rules other operations ask -----------------------------------------------------------

  /** Refuses an active organization the user is not a member of, with Clerk's 404 (no existence leak). */
  assertMember(userId: string, orgId: string | null | undefined): void {
    if (!orgId) return
    if (this.#orgs.membership(orgId, userId) === undefined) throw orgErrors.notFoundOrUnauthorized()
  }

  /** Whether the user is a member of the organization (false for an empty or unknown one). */
  isMember(userId: string, orgId: string | null | undefined): boolean {
    return !!orgId && this.#orgs.membership(orgId, userId) !== undefined
  }

  /** The membership of a signed-in user, with the permission an action needs; Clerk's 404 for a non-member, 403 for a missing permission. */
  requireMembership(userId: string, orgId: string, permission?: string): Membership {
    const membership = this.#orgs.membership(orgId, userId)
    if (membership === undefined) throw orgErrors.notFoundOrUnauthorized()
    if (permission !== undefined && !this.#orgs.can(membership, permission)) throw orgErrors.missingPermission(permission)
    return membership
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** A new organization; `createdBy` becomes its admin, then `members` join (each with its role). */
  create(input: NewOrganization & { members?: NewMember[] }): { organization: Organization; memberships: Membership[] } {
    if (input.createdBy) this.deps.user(input.createdBy)
    for (const m of input.members ?? []) {
      this.deps.user(m.userId)
      this.#orgs.role(m.role ?? MEMBER_ROLE)
    }
    const { organization, membership } = this.#orgs.create(input)
    if (this.deps.webhooks.wants('organization.created')) this.deps.webhooks.emit('organization.created', this.#orgs.bapiOrganizationJson(organization, true))
    const memberships: Membership[] = []
    if (membership) memberships.push(this.#membershipEvent('organizationMembership.created', membership))
    for (const m of input.members ?? []) {
      if (m.userId === input.createdBy) continue
      memberships.push(this.addMember(organization.id, m.userId, m.role))
    }
    return { organization, memberships }
  }

  update(id: string, patch: OrganizationPatch): Organization {
    const org = this.#orgs.update(id, patch)
    if (this.deps.webhooks.wants('organization.updated')) this.deps.webhooks.emit('organization.updated', this.#orgs.bapiOrganizationJson(org, true))
    return org
  }

  /** The organization goes, with its memberships; sessions that had it active fall back to the personal account. */
  delete(id: string): Organization {
    const { organization } = this.#orgs.delete(id)
    for (const s of this.deps.sessions()) if (s.lastActiveOrganizationId === organization.id) s.lastActiveOrganizationId = null
    if (this.deps.webhooks.wants('organization.deleted')) this.deps.webhooks.emit('organization.deleted', { object: 'organization', id: organization.id, slug: organization.slug, deleted: true })
    return organization
  }

  addMember(orgId: string, userId: string, role: string = MEMBER_ROLE): Membership {
    this.deps.user(userId)
    return this.#membershipEvent('organizationMembership.created', this.#orgs.addMember(orgId, userId, role))
  }

  /** A new role: the user's next token says it (tokens carry the role they were minted with). */
  setRole(orgId: string, userId: string, role: string): Membership {
    return this.#membershipEvent('organizationMembership.updated', this.#orgs.setRole(orgId, userId, role))
  }

  setMembershipMetadata(orgId: string, userId: string, metadata: { publicMetadata?: Record<string, unknown>; privateMetadata?: Record<string, unknown> }): Membership {
    return this.#membershipEvent('organizationMembership.updated', this.#orgs.setMembershipMetadata(orgId, userId, metadata))
  }

  /**
   * The member leaves; their sessions with this organization active fall back to the personal
   * account. `keepAdmin`: refuse to remove the last admin (false for the Backend API, which may).
   */
  removeMember(orgId: string, userId: string, keepAdmin = true): Membership {
    const org = this.#orgs.get(orgId)
    const current = this.#orgs.membership(org.id, userId)
    if (current === undefined) throw orgErrors.membershipNotFound(org.id, userId)
    // Read before it goes: the event carries the membership as it was.
    const json = this.#wantsMembership('organizationMembership.deleted') ? this.#orgs.bapiMembershipJson(current, this.deps.user(userId)) : null
    const membership = this.#orgs.removeMember(org.id, userId, keepAdmin)
    this.#leave(userId, org.id)
    if (json !== null) this.deps.webhooks.emit('organizationMembership.deleted', json)
    return membership
  }

  /** A user being deleted leaves every organization (called before the user is gone: the events carry them). */
  removeUser(userId: string): void {
    const user = this.deps.user(userId)
    const payloads = this.#wantsMembership('organizationMembership.deleted') ? this.#orgs.membershipsOf(userId).map((m) => this.#orgs.bapiMembershipJson(m, user)) : []
    this.#orgs.removeUser(userId)
    for (const json of payloads) this.deps.webhooks.emit('organizationMembership.deleted', json)
  }

  #leave(userId: string, orgId: string): void {
    for (const s of this.deps.sessionsOfUser(userId)) if (s.lastActiveOrganizationId === orgId) s.lastActiveOrganizationId = null
  }

  #wantsMembership(type: string): boolean {
    return this.deps.webhooks.wants(type)
  }

  #membershipEvent(type: 'organizationMembership.created' | 'organizationMembership.updated', m: Membership): Membership {
    if (this.deps.webhooks.wants(type)) this.deps.webhooks.emit(type, this.#orgs.bapiMembershipJson(m, this.deps.user(m.userId)))
    return m
  }
}
