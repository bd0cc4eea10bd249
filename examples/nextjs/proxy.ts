// Next 16 runs proxy.ts (the file formerly called middleware.ts) before every matched request.
import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server'

const isProtectedRoute = createRouteMatcher(['/protected(.*)'])

// Keys, the Backend API URL and the sign-in page come from the environment (.env.example):
// nothing here names the mock.
export default clerkMiddleware(async (auth, req) => {
  // Signed-out visitors go to NEXT_PUBLIC_CLERK_SIGN_IN_URL (without it, to https://<key host>/sign-in).
  if (isProtectedRoute(req)) await auth.protect()
})

export const config = {
  matcher: [
    // Skip Next internals and static files, unless found in search params
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    // Always run for API routes
    '/(api|trpc)(.*)',
  ],
}
