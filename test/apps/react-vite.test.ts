/**
 * examples/react-vite: a real Vite + React 19 app on @clerk/react 6.18, configured only by
 * VITE_CLERK_PUBLISHABLE_KEY (no proxyUrl, no script URLs), run with Vite's dev server against the
 * mock and driven by headless Chromium. `<ClerkProvider>` loads clerk-js and the UI from
 * `https://<key host>/npm/...`, i.e. from the mock over TLS, exactly as it would from Clerk.
 * Flows: signed out shows `<SignIn/>` from the mock's UI bundle; the package's Playwright helper signs
 * the page in, which then shows the user's email and `<UserButton/>`; signing out shows `<SignIn/>` again.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import t from 'tap'
import { startClerkMock } from '../../src/index.js'
import { signIn, signOut } from '../../src/playwright.js'
import type { Fixture } from '../../src/fixtures/schema.js'
import { launchChromium, skipBrowser } from '../helpers/browser.js'
import { appEnvironment, EXAMPLES, freePort, installed, newContext, startApp, timed } from './helpers.js'

const APP = join(EXAMPLES, 'react-vite')
const VITE = join(APP, 'node_modules', 'vite', 'bin', 'vite.js')
const ADA = 'user_ada000000000000000000000000'
// The clock follows real time: clerk-js checks token times against the browser's clock.
const fixture: Fixture = {
  users: [{ id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com' }],
  clients: [],
}

const skip = skipBrowser || (!installed('react-vite') && 'examples/react-vite has no node_modules: run `npm run test:apps`, which installs it')

/**
 * What the page says went wrong, read at the end: uncaught errors, console errors and failed
 * answers. clerk-js's development-keys notice is a warning, so it is not among them.
 */
function problems(page: Page): () => string[] {
  const seen: string[] = []
  // The avatar <UserButton/> shows is the user's image_url on Clerk's image host, which this closed
  // network cannot reach; Chromium's console line for it names no URL, so it is matched by its text.
  let offline = 0
  page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`))
  page.on('console', (m) => m.type() === 'error' && seen.push(`console: ${m.text()}`))
  page.on('requestfailed', (r) => {
    if (new URL(r.url()).hostname === 'img.clerk.com') offline++
    else seen.push(`failed: ${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => r.status() >= 400 && seen.push(`${r.status()}: ${r.url()}`))
  return () => {
    let excused = offline
    return seen.filter((line) => !(line === 'console: Failed to load resource: net::ERR_NAME_NOT_RESOLVED' && excused-- > 0))
  }
}

t.test('examples/react-vite', { skip }, async (t) => {
  const mock = await startClerkMock({ fixtures: fixture })
  t.teardown(() => mock.stop())
  const port = await freePort()
  const started = await timed(() =>
    startApp(t, {
      command: process.execPath,
      args: [VITE, '--port', String(port), '--strictPort', '--clearScreen', 'false'],
      cwd: APP,
      env: appEnvironment({ VITE_CLERK_PUBLISHABLE_KEY: mock.publishableKey }),
      ready: /Local:\s+http:\/\/localhost:\d+/,
    }),
  )
  const app = started.value
  t.comment(`vite dev server: ${started.seconds} s`)
  const base = `http://localhost:${port}`
  const browser = await launchChromium()
  t.teardown(() => browser.close())

  const page = await (await newContext(t, browser)).newPage()
  const seen = problems(page)
  // CLERK_FAPI_MOCK_DEBUG_COOKIES=<file>: every request to the mock with its Cookie and Set-Cookie, for timing bugs.
  const debugFile = process.env.CLERK_FAPI_MOCK_DEBUG_COOKIES
  let mark = (_: string) => {}
  if (debugFile) {
    const { appendFileSync } = await import('node:fs')
    const { performance } = await import('node:perf_hooks')
    const t0 = performance.now()
    const log = (line: string) => appendFileSync(debugFile, `${(performance.now() - t0).toFixed(0).padStart(6)} ${line}\n`)
    const ids = new Map<object, number>()
    let n = 0
    page.on('request', (r) => {
      if (!r.url().startsWith(mock.httpsUrl) || r.url().includes('/npm/')) return
      ids.set(r, ++n)
      void r.allHeaders().then((h) => log(`#${ids.get(r)} > ${r.method()} ${r.url().slice(mock.httpsUrl.length)} cookie=${h.cookie ?? '-'}`), () => log(`#${ids.get(r)} > ${r.method()} ${r.url()} (headers gone)`))
    })
    page.on('response', (r) => {
      const req = r.request()
      if (!ids.has(req)) return
      void r.allHeaders().then((h) => log(`#${ids.get(req)} < ${r.status()} ${req.method()} ${req.url().slice(mock.httpsUrl.length).split('?')[0]} set-cookie=${h['set-cookie'] ?? '-'}`), () => log(`#${ids.get(req)} < ${r.status()} (headers gone)`))
    })
    page.on('requestfailed', (r) => ids.has(r) && log(`#${ids.get(r)} FAILED ${r.failure()?.errorText}`))
    page.on('framenavigated', (f) => f === page.mainFrame() && log(`navigated ${f.url()}`))
    page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`))
    mark = (what) => log(`---- ${what}`)
    // Chromium's own account of each cookie it sent, withheld, stored or refused (and the partition it used).
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    const brief = (c: any) => `${c.cookie?.name ?? c.name ?? c.cookieLine?.split('=')[0]}${c.cookie?.partitionKey ? ` pk=${JSON.stringify(c.cookie.partitionKey)}` : ''} ${JSON.stringify(c.blockedReasons ?? [])}${c.exemptionReason ? ` exempt=${c.exemptionReason}` : ''}`
    cdp.on('Network.requestWillBeSentExtraInfo', (e: any) => e.associatedCookies?.length && log(`cdp req ${e.requestId} cookies: ${e.associatedCookies.map(brief).join(', ')}`))
    cdp.on('Network.responseReceivedExtraInfo', (e: any) => {
      const set = e.headers?.['set-cookie'] ?? e.headers?.['Set-Cookie']
      if (set || e.blockedCookies?.length) log(`cdp res ${e.requestId} set=${set ? String(set).split('=')[0] : '-'} partition=${JSON.stringify(e.cookiePartitionKey ?? null)} blocked=${JSON.stringify((e.blockedCookies ?? []).map(brief))}`)
    })
  }
  const scripts: string[] = []
  page.on('response', (r) => r.url().includes('/npm/@clerk/') && scripts.push(`${r.status()} ${r.url()}`))

  /** Adds what the page's clerk-js asked the mock (the journal) and what the page reported to a failure. */
  const explain = async (e: Error): Promise<never> => {
    const journal = (await (await fetch(`${mock.url}/__mock/requests`)).json()) as { requests: { method: string; path: string; status: number; client_id: string | null }[] }
    const fapi = journal.requests.filter((r) => !r.path.startsWith('/npm/')).map((r) => `${r.method} ${r.path} ${r.status} ${r.client_id ?? '-'}`)
    e.message += `\nrequests: ${fapi.join(', ')}\npage: ${seen().join(' | ')}`
    throw e
  }
  const signedOut = await timed(async () => {
    await page.goto(base + '/')
    await page.locator('.cl-signIn-root input[name="identifier"]').waitFor({ timeout: 30_000 })
  })
  t.comment(`first page to <SignIn/>: ${signedOut.seconds} s`)
  t.ok(scripts.includes(`200 ${mock.httpsUrl}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`), 'clerk-js came from the mock over https, as the key names it', { scripts })
  t.ok(scripts.includes(`200 ${mock.httpsUrl}/npm/@clerk/ui@1/dist/ui.browser.js`), 'and so did the UI', { scripts })
  t.equal(await page.locator('#email').count(), 0, 'nothing signed-in is shown')

  const signedIn = await timed(async () => {
    mark('signIn')
    await signIn(page, { mock, emailAddress: 'ada@example.com' }).catch(explain)
    mark('signIn returned')
    await page.locator('#email').waitFor({ timeout: 15_000 })
  })
  t.comment(`signIn() to the signed-in UI: ${signedIn.seconds} s`)
  t.equal(await page.locator('#email').textContent(), 'Signed in as ada@example.com', 'useUser() shows the email')
  // The UI loads <UserButton/>'s chunk once it is first rendered, after useUser() already shows the email.
  await page.locator('.cl-userButtonTrigger').waitFor({ timeout: 15_000 })
  t.equal(await page.locator('.cl-userButtonTrigger').count(), 1, '<UserButton/> is rendered')
  t.equal(await page.locator('.cl-signIn-root').count(), 0, '<SignIn/> is gone')

  mark('signOut')
  await signOut(page).catch(explain)
  mark('signOut returned')
  await page.locator('.cl-signIn-root input[name="identifier"]').waitFor({ timeout: 15_000 })
  t.equal(await page.locator('#email').count(), 0, 'signed out again')
  t.same(seen(), [], 'no page errors, console errors or failed requests', { output: app.output() })
})
