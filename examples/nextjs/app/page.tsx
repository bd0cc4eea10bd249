import { auth } from '@clerk/nextjs/server'
import { UserStatus } from './user-status'

export default async function Home() {
  const { userId } = await auth()
  return (
    <>
      <h1>Home</h1>
      <p data-testid="server-status">server: {userId ? `signed in as ${userId}` : 'signed out'}</p>
      <UserStatus />
    </>
  )
}
