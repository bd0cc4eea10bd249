import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ClerkProvider } from '@clerk/react'
import { App } from './App.jsx'

// The mock's publishable key (mock.publishableKey, or the CLI's publishable_key) names the mock's
// host and port, so clerk-js and the UI are loaded from the mock over https, as from Clerk: no proxyUrl.
createRoot(document.getElementById('root')).render(
  <StrictMode>
    <ClerkProvider publishableKey={import.meta.env.VITE_CLERK_PUBLISHABLE_KEY}>
      <App />
    </ClerkProvider>
  </StrictMode>,
)
