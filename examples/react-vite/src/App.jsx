import { Show, SignIn, SignOutButton, UserButton, useUser } from '@clerk/react'

function Account() {
  const { user } = useUser()
  return <p id="email">Signed in as {user?.primaryEmailAddress?.emailAddress}</p>
}

export function App() {
  return (
    <main>
      <h1>React (Vite) + Clerk</h1>
      <Show when="signed-out">
        <SignIn routing="hash" />
      </Show>
      <Show when="signed-in">
        <UserButton />
        <Account />
        <SignOutButton />
      </Show>
    </main>
  )
}
