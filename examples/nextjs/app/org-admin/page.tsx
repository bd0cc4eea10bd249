import { auth } from '@clerk/nextjs/server'

// Shown to admins of the active organization only: has() reads the session token's o claim.
export default async function OrgAdmin() {
  const { orgId, orgSlug, orgRole, has } = await auth()
  if (!has({ role: 'org:admin' })) {
    return <p data-testid="org-admin">not an admin: {orgId ? `${orgRole} of ${orgSlug}` : 'no active organization'}</p>
  }
  return (
    <>
      <h1>Organization admin</h1>
      <p data-testid="org-admin">admin of {orgSlug}</p>
    </>
  )
}
