// Signing an app's page in from a test with the package's Playwright helper. The "app" is one page
// that loads clerk-js from the mock with nothing but the publishable key, as <ClerkProvider> does.
// Run: node --test examples/playwright-sign-in/sign-in.test.mjs (needs Chromium: /usr/bin/chromium)
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { startClerkMock } from 'clerk-fapi-mock'
import { signIn, signOut } from 'clerk-fapi-mock/playwright'

test('a page signed in and out by the helper', async (t) => {
  const mock = await startClerkMock()
  const page = `<script async crossorigin="anonymous" data-clerk-publishable-key="${mock.publishableKey}"
    src="${mock.httpsUrl}/npm/@clerk/clerk-js@6/dist/clerk.browser.js" onload="Clerk.load()"></script>`
  const app = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page))
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve))
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  t.after(() => Promise.all([browser.close(), mock.stop(), new Promise((resolve) => app.close(resolve))]))

  // The mock's certificate is self-signed: accept it (or trust mock.certificate).
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  const tab = await context.newPage()
  await tab.goto(`http://localhost:${app.address().port}/`)

  const { userId } = await signIn(tab, { mock, emailAddress: 'ada@example.com' })
  assert.equal(await tab.evaluate(() => window.Clerk.user.id), userId)

  await signOut(tab)
  assert.equal(await tab.evaluate(() => window.Clerk.user), null)
})
