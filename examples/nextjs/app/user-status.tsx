'use client'
import { useUser } from '@clerk/nextjs'

/** What clerk-js in the browser believes, next to what the server rendered. */
export function UserStatus() {
  const { isLoaded, isSignedIn, user } = useUser()
  const text = !isLoaded ? 'loading' : isSignedIn ? `signed in as ${user.primaryEmailAddress?.emailAddress}` : 'signed out'
  return <p data-testid="client-status">client: {text}</p>
}
