// How the global setup plugs into Playwright (@playwright/test is not a dependency of this repo,
// so the test suite exercises global-setup.mjs and signed-in.mjs's helper without a browser).
// The app is served from 127.0.0.1 like the mock: same site, so the browser sends the mock's
// SameSite=Lax __client cookie along (localhost and 127.0.0.1 would be two different sites).
export default {
  globalSetup: './global-setup.mjs',
  use: { baseURL: 'http://127.0.0.1:3000' },
  // The app under test gets the mock's publishable key from the environment, for example:
  // webServer: { command: 'npm run dev', url: 'http://127.0.0.1:3000', env: { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: process.env.CLERK_MOCK_PUBLISHABLE_KEY } },
}
