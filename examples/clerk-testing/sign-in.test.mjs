// @clerk/testing's Playwright helper against the mock, unchanged: clerkSetup() fetches a testing
// token from the mock's Backend API, and clerk.signIn({ page, signInParams }) signs the page in
// with a password, or with an email code (Clerk's test code 424242; as with Clerk, the address must
// have the +clerk_test subaddress). The "app" is one page that loads clerk-js from the mock.
// Run: node --test examples/clerk-testing/sign-in.test.mjs (needs Chromium: /usr/bin/chromium)
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { clerk, clerkSetup } from '@clerk/testing/playwright'
import { startClerkMock } from 'clerk-fapi-mock'

const ADA = { id: 'user_ada', email_address: 'ada+clerk_test@example.com', password: 'correct horse battery staple' }
let mock, app, browser

before(async () => {
  mock = await startClerkMock({ fixtures: { users: [ADA] } })
  // What a Playwright globalSetup does, pointed at the mock instead of api.clerk.com.
  process.env.CLERK_API_URL = mock.apiUrl
  await clerkSetup({ publishableKey: mock.publishableKey, secretKey: mock.secretKey, dotenv: false })

  const page = `<script async crossorigin="anonymous" data-clerk-publishable-key="${mock.publishableKey}"
    src="${mock.httpsUrl}/npm/@clerk/clerk-js@6/dist/clerk.browser.js" onload="Clerk.load()"></script>`
  app = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page))
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve))
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})
after(() => Promise.all([browser.close(), mock.stop(), new Promise((resolve) => app.close(resolve))]))

/** A new browser profile on the app's page. The mock's certificate is self-signed: accept it. */
async function openApp(t) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  t.after(() => context.close())
  const tab = await context.newPage()
  await tab.goto(`http://localhost:${app.address().port}/`)
  return tab
}

test('clerk.signIn with a password', async (t) => {
  const tab = await openApp(t)
  await clerk.signIn({ page: tab, signInParams: { strategy: 'password', identifier: ADA.email_address, password: ADA.password } })
  assert.equal(await tab.evaluate(() => window.Clerk.user?.id), ADA.id)
})

test('clerk.signIn with an email code', async (t) => {
  const tab = await openApp(t)
  await clerk.signIn({ page: tab, signInParams: { strategy: 'email_code', identifier: ADA.email_address } })
  assert.equal(await tab.evaluate(() => window.Clerk.user?.id), ADA.id)
  // The mock sends no email: the code it would have sent is in mock.messages.
  assert.equal(mock.messages.at(-1).to, ADA.email_address)
})
