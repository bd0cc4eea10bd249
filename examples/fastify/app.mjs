// A Fastify 5 app on @clerk/fastify, configured only by its environment:
//   CLERK_PUBLISHABLE_KEY=<mock.publishableKey>  CLERK_SECRET_KEY=<mock.secretKey>  CLERK_API_URL=<mock.apiUrl>
import Fastify from 'fastify'
import { clerkClient, clerkPlugin, getAuth } from '@clerk/fastify'

export async function buildApp() {
  const app = Fastify()

  // The plugin does not read CLERK_API_URL (only the exported clerkClient does): without this option
  // it verifies tokens with keys fetched from https://api.clerk.com, whatever the environment says.
  await app.register(clerkPlugin, { apiUrl: process.env.CLERK_API_URL })

  // Public: signed in or not.
  app.get('/', async (request) => {
    const { userId } = getAuth(request)
    return { page: 'public', userId }
  })

  // An API route: 401 JSON when signed out, and the user read from the Backend API
  // (GET /v1/users/{id} on CLERK_API_URL).
  app.get('/api/me', async (request, reply) => {
    const { userId, sessionId } = getAuth(request)
    if (!userId) return reply.code(401).send({ error: 'Unauthenticated' })
    const user = await clerkClient.users.getUser(userId)
    return { userId, sessionId, email: user.primaryEmailAddress?.emailAddress ?? null }
  })

  return app
}
