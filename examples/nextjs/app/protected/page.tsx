import { auth, currentUser } from '@clerk/nextjs/server'
import { UserStatus } from '../user-status'

export default async function Protected() {
  // proxy.ts has already sent signed-out visitors to the sign-in page.
  const { userId, sessionId } = await auth()
  // currentUser() calls the Backend API (GET /v1/users/{id}) at CLERK_API_URL.
  const user = await currentUser()
  return (
    <>
      <h1>Protected</h1>
      <p data-testid="email">{user?.primaryEmailAddress?.emailAddress}</p>
      <p data-testid="session">
        {userId} · {sessionId}
      </p>
      <UserStatus />
    </>
  )
}
