// An Express 5 app on @clerk/express, configured only by its environment:
//   CLERK_PUBLISHABLE_KEY=<mock.publishableKey>  CLERK_SECRET_KEY=<mock.secretKey>  CLERK_API_URL=<mock.apiUrl>
// Against the mock it runs exactly as against Clerk: cookies (through the handshake) and Bearer tokens.
import express from 'express'
import { clerkClient, clerkMiddleware, getAuth, requireAuth } from '@clerk/express'

export const app = express()

// Reads the session from the `__session` cookie or an `Authorization: Bearer` token on every request.
// A browser's first page load with a development key is redirected to the mock's /v1/client/handshake
// and comes back with its cookies set.
app.use(clerkMiddleware())

// Public: signed in or not.
app.get('/', (req, res) => {
  const { userId } = getAuth(req)
  res.json({ page: 'public', userId })
})

// A page: signed-out visitors are redirected to CLERK_SIGN_IN_URL (or `/`).
// requireAuth() is deprecated in @clerk/express 2 but still shipped; getAuth() below is the advice.
app.get('/protected', requireAuth(), (req, res) => {
  const { userId } = getAuth(req)
  res.json({ page: 'protected', userId })
})

// An API route: a 401 JSON answer instead of a redirect, and the user read from the Backend API
// (GET /v1/users/{id} on CLERK_API_URL).
app.get('/api/me', async (req, res) => {
  const { userId, sessionId } = getAuth(req)
  if (!userId) {
    res.status(401).json({ error: 'Unauthenticated' })
    return
  }
  const user = await clerkClient.users.getUser(userId)
  res.json({ userId, sessionId, email: user.primaryEmailAddress?.emailAddress ?? null })
})
