import { ClerkProvider, OrganizationSwitcher, Show, UserButton } from '@clerk/nextjs'
import type { ReactNode } from 'react'

export const metadata = { title: 'clerk-fapi-mock: Next example' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <ClerkProvider>
          <header>
            <a href="/">Home</a> · <a href="/protected">Protected</a> · <a href="/org-admin">Organization admin</a>
            <Show when="signed-in">
              <OrganizationSwitcher />
              <UserButton />
            </Show>
            <Show when="signed-out">
              <a href="/sign-in" data-testid="sign-in-link">
                Sign in
              </a>
            </Show>
          </header>
          <main>{children}</main>
        </ClerkProvider>
      </body>
    </html>
  )
}
