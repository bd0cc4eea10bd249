/**
 * clerk-js and the prebuilt UI served by the mock (REFERENCE §11): `/npm/@clerk/clerk-js@<spec>/dist/*`
 * and `/npm/@clerk/ui@<spec>/dist/*` from the installed packages. Version specs as Clerk's loaders
 * send them, content types and caching, no way out of `dist/`, a missing package's 404, CORS for a
 * `crossorigin="anonymous"` script, and, in Chromium, clerk-js loading its chunks and the UI from the
 * mock's URL.
 */
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Fastify from 'fastify'
import { createClerkMock, startClerkMock } from '../src/index.js'
import { installErrorHandling } from '../src/http/errors.js'
import { clerkScriptRoutes, findInstalledPackage, specMatches } from '../src/http/scripts.js'
import { assertClerkError } from './helpers/clerk-error.js'
import { launchChromium, skipBrowser, startPageServer } from './helpers/browser.js'

const require = createRequire(import.meta.url)
const CLERK_JS_DIST = dirname(require.resolve('@clerk/clerk-js'))
const UI_DIST = join(dirname(require.resolve('@clerk/ui/package.json')), 'dist')
const CLERK_JS_VERSION = (JSON.parse(readFileSync(join(CLERK_JS_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version
const UI_VERSION = (require('@clerk/ui/package.json') as { version: string }).version

const APP_ORIGIN = 'http://localhost:5173'
const get = (mock: { inject: ReturnType<typeof createClerkMock>['inject'] }, url: string, headers: Record<string, string> = {}) =>
  mock.inject({ method: 'GET', url, headers: { origin: APP_ORIGIN, ...headers } })

/** Just the script routes and the mock's error bodies, finding packages from `resolveFrom`. */
async function scriptsOnly(resolveFrom: string) {
  const app = Fastify()
  installErrorHandling(app, () => [])
  app.register(clerkScriptRoutes, { resolveFrom })
  await app.ready()
  return app
}

/** A project folder with a fake `@clerk/ui` installed: its own version, a file, a folder and a symlink out of dist/. */
function fakeInstall(t: { teardown(fn: () => void): void }, version: string) {
  const root = mkdtempSync(join(tmpdir(), 'clerk-mock-scripts-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const pkg = join(root, 'node_modules', '@clerk', 'ui')
  mkdirSync(join(pkg, 'dist', 'sub'), { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@clerk/ui', version, exports: { '.': './dist/index.js' } }))
  writeFileSync(join(pkg, 'dist', 'index.js'), 'export {}\n')
  writeFileSync(join(pkg, 'dist', 'ui.browser.js'), 'globalThis.fake = 1\n')
  writeFileSync(join(pkg, 'dist', 'sub', 'chunk.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]))
  writeFileSync(join(pkg, 'secret.txt'), 'outside dist\n')
  symlinkSync(join(pkg, 'secret.txt'), join(pkg, 'dist', 'escape.js'))
  symlinkSync(join(pkg, 'dist', 'ui.browser.js'), join(pkg, 'dist', 'alias.js'))
  return join(root, 'app.js')
}

t.test('both bundles come from the installed packages, byte for byte, with the major as clerk loaders ask', async (t) => {
  const mock = createClerkMock()
  for (const [url, file] of [
    ['/npm/@clerk/clerk-js@6/dist/clerk.browser.js', join(CLERK_JS_DIST, 'clerk.browser.js')],
    ['/npm/@clerk/ui@1/dist/ui.browser.js', join(UI_DIST, 'ui.browser.js')],
  ] as const) {
    const res = await get(mock, url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-type'], 'text/javascript; charset=utf-8', `${url}: JavaScript`)
    t.ok(res.rawPayload.equals(readFileSync(file)), `${url}: the installed file`)
    t.equal(Number(res.headers['content-length']), readFileSync(file).length, `${url}: its length`)
    t.equal(res.headers['cache-control'], 'no-cache', `${url}: a major may name another release after an install`)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  }
})

t.test('an exact version is cached for good; nested files, CSS and source maps get their types', async (t) => {
  const mock = createClerkMock()
  const exact = await get(mock, `/npm/@clerk/clerk-js@${CLERK_JS_VERSION}/dist/clerk.browser.js`)
  t.equal(exact.statusCode, 200)
  t.equal(exact.headers['cache-control'], 'public, max-age=31536000, immutable')
  const css = await get(mock, `/npm/@clerk/ui@${UI_VERSION}/dist/themes/shadcn.css`)
  t.equal(css.statusCode, 200)
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8')
  const map = await get(mock, '/npm/@clerk/ui@1/dist/index.js.map')
  t.equal(map.statusCode, 200)
  t.equal(map.headers['content-type'], 'application/json; charset=utf-8')
  t.ok(JSON.parse(map.body).mappings, 'a source map')
  const head = await mock.inject({ method: 'HEAD', url: '/npm/@clerk/clerk-js@6/dist/clerk.browser.js' })
  t.equal(head.statusCode, 200, 'HEAD answers')
  t.equal(head.body, '', 'HEAD has no body')
})

t.test('version specs: the installed version by major, major.minor, exact or latest; anything else is a 404 naming it', async (t) => {
  const mock = createClerkMock()
  const [major, minor] = CLERK_JS_VERSION.split('.')
  for (const spec of [major, `${major}.${minor}`, CLERK_JS_VERSION, 'latest']) {
    t.equal((await get(mock, `/npm/@clerk/clerk-js@${spec}/dist/clerk.browser.js`)).statusCode, 200, `@${spec}`)
  }
  // `6.4` is a prefix of `6.40.0` as a string, not as a version.
  for (const spec of [String(Number(major) - 1), String(Number(major) + 1), `${major}.${minor.slice(0, 1)}`, `${major}.${Number(minor) + 1}`, `${CLERK_JS_VERSION}1`, 'canary', `^${major}`, `${major}.x`]) {
    const res = await get(mock, `/npm/@clerk/clerk-js@${encodeURIComponent(spec)}/dist/clerk.browser.js`)
    assertClerkError(t, res, 404, 'resource_not_found', `@clerk/clerk-js@${spec} was asked for, but the mock serves the installed @clerk/clerk-js ${CLERK_JS_VERSION}, which does not match ${spec}. Install a matching version (npm install -D @clerk/clerk-js@${spec}) or ask for @clerk/clerk-js@${major}.`)
  }
  const ui = await get(mock, '/npm/@clerk/ui@2/dist/ui.browser.js')
  assertClerkError(t, ui, 404, 'resource_not_found', `@clerk/ui@2 was asked for, but the mock serves the installed @clerk/ui ${UI_VERSION}, which does not match 2. Install a matching version (npm install -D @clerk/ui@2) or ask for @clerk/ui@1.`)
})

t.test('specMatches: prerelease lines by their tag or exact version, never by a bare major', async (t) => {
  t.ok(specMatches('6', '6.40.0'))
  t.ok(specMatches('6.40', '6.40.0'))
  t.notOk(specMatches('6.4', '6.40.0'))
  t.notOk(specMatches('60', '6.40.0'))
  const canary = '6.41.0-canary.v20260101120000'
  t.ok(specMatches('canary', canary))
  t.ok(specMatches(canary, canary), 'a snapshot is asked for by its full version')
  t.notOk(specMatches('6', canary), 'a stable spec is not satisfied by a prerelease (semver)')
  t.notOk(specMatches('beta', canary))
  t.notOk(specMatches('canary', '6.40.0'))
  t.ok(specMatches('snapshot', '6.41.0-snapshot.v1+build.2'))
})

t.test('paths that could leave dist/ are refused: encoded slashes, dot segments, backslashes, absolute paths, directories', async (t) => {
  const mock = createClerkMock()
  for (const file of ['..%2Fpackage.json', '%2e%2e%2fpackage.json', 'types%2Findex.d.ts', '..%5Cpackage.json', '.%2Fclerk.browser.js', '%2Fetc%2Fpasswd', 'clerk.browser.js%00.map', '']) {
    const res = await get(mock, `/npm/@clerk/clerk-js@6/dist/${file}`)
    assertClerkError(t, res, 404, 'resource_not_found', undefined)
    t.notMatch(res.body, /"name":\s*"@clerk\/clerk-js"/, `${file}: no package.json leaked`)
  }
  for (const file of ['types', 'nope.js']) {
    assertClerkError(t, await get(mock, `/npm/@clerk/clerk-js@6/dist/${file}`), 404, 'resource_not_found', `@clerk/clerk-js ${CLERK_JS_VERSION} has no file dist/${file}.`)
  }
  assertClerkError(t, await get(mock, '/npm/@clerk/clerk-js@6/dist//etc/passwd'), 404, 'resource_not_found', '"/etc/passwd" does not name a file inside @clerk/clerk-js\'s dist/ folder.')
})

t.test('over a real socket, where nobody normalises the path first, dot segments are refused too', async (t) => {
  const mock = await startClerkMock()
  t.teardown(() => mock.stop())
  const { port } = new URL(mock.url)
  for (const path of ['/npm/@clerk/clerk-js@6/dist/../package.json', '/npm/@clerk/clerk-js@6/dist/./../../clerk-js/package.json', '/npm/@clerk/clerk-js@6/dist/..\\package.json']) {
    const res = await new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}` } }, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }))
      })
      req.on('error', reject).end()
    })
    assertClerkError(t, { status: res.status, body: res.body, headers: { 'content-type': res.type } }, 404, 'resource_not_found', /does not name a file inside @clerk\/clerk-js's dist\/ folder/)
  }
})

t.test('a symlink inside dist/ is followed only while it stays inside dist/', async (t) => {
  const app = await scriptsOnly(fakeInstall(t, '1.99.0'))
  t.teardown(() => app.close())
  const alias = await app.inject({ url: '/npm/@clerk/ui@1/dist/alias.js' })
  t.equal(alias.statusCode, 200)
  t.equal(alias.body, 'globalThis.fake = 1\n')
  const escape = await app.inject({ url: '/npm/@clerk/ui@1/dist/escape.js' })
  assertClerkError(t, escape, 404, 'resource_not_found', '@clerk/ui 1.99.0 has no file dist/escape.js.')
  t.notMatch(escape.body, /outside dist/)
  const wasm = await app.inject({ url: '/npm/@clerk/ui@1.99.0/dist/sub/chunk.wasm' })
  t.equal(wasm.statusCode, 200)
  t.equal(wasm.headers['content-type'], 'application/wasm', 'WebAssembly streams need their type')
})

t.test('the installed package is the one found from where the mock runs, prereleases by their tag', async (t) => {
  const from = fakeInstall(t, '1.99.0-beta.3')
  t.same(await findInstalledPackage('@clerk/ui', from), { name: '@clerk/ui', version: '1.99.0-beta.3', dist: join(dirname(from), 'node_modules', '@clerk', 'ui', 'dist') })
  const app = await scriptsOnly(from)
  t.teardown(() => app.close())
  t.equal((await app.inject({ url: '/npm/@clerk/ui@beta/dist/ui.browser.js' })).statusCode, 200, '@beta')
  t.equal((await app.inject({ url: '/npm/@clerk/ui@1.99.0-beta.3/dist/ui.browser.js' })).statusCode, 200, 'exact')
  assertClerkError(t, await app.inject({ url: '/npm/@clerk/ui@1/dist/ui.browser.js' }), 404, 'resource_not_found', /installed @clerk\/ui 1\.99\.0-beta\.3/)
})

t.test('a package that is not installed answers a 404 that says what to install', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'clerk-mock-scripts-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const app = await scriptsOnly(join(root, 'app.js'))
  t.teardown(() => app.close())
  assertClerkError(t, await app.inject({ url: '/npm/@clerk/ui@1/dist/ui.browser.js' }), 404, 'resource_not_found', '@clerk/ui is not installed where the mock runs, so the mock cannot serve it. Install it next to clerk-fapi-mock: npm install -D @clerk/ui@1.34.0')
  assertClerkError(t, await app.inject({ url: '/npm/@clerk/clerk-js@6/dist/clerk.browser.js' }), 404, 'resource_not_found', /npm install -D @clerk\/clerk-js@6\.40\.0$/)
  t.equal(await findInstalledPackage('@clerk/clerk-js', join(root, 'app.js')), null)
})

t.test('CORS: an allowed page origin is reflected for crossorigin="anonymous" scripts, a foreign one is not', async (t) => {
  const mock = createClerkMock()
  const allowed = await get(mock, '/npm/@clerk/ui@1/dist/ui.browser.js', { origin: 'http://127.0.0.1:3000' })
  t.equal(allowed.headers['access-control-allow-origin'], 'http://127.0.0.1:3000')
  const foreign = await get(mock, '/npm/@clerk/ui@1/dist/ui.browser.js', { origin: 'https://evil.example' })
  t.equal(foreign.statusCode, 200, 'the file itself is public, as on Clerk')
  t.equal(foreign.headers['access-control-allow-origin'], undefined, 'but a foreign page cannot read it cross-origin')
})

// Mutations seen failing: traffic.ts's onSend without the `journal === false` check; scripts.ts without the route config.
t.test('bundle requests stay out of the request journal', async (t) => {
  const mock = createClerkMock()
  await get(mock, '/npm/@clerk/clerk-js@6/dist/clerk.browser.js')
  await get(mock, '/v1/environment')
  const journal = (await mock.inject({ method: 'GET', url: '/__mock/requests' })).json() as { requests: { path: string }[] }
  t.same(journal.requests.map((r) => r.path), ['/v1/environment'])
})

t.test('in Chromium: clerk-js from the mock loads its chunks relative to its URL, loads, and mounts the UI from the mock', { skip: skipBrowser }, async (t) => {
  const [mock, pages, browser] = await Promise.all([startClerkMock(), startPageServer(), launchChromium()])
  t.teardown(async () => {
    await browser.close()
    await pages.close()
    await mock.stop()
  })
  // The page is on another port (another origin), as an app's page is; proxyUrl keeps clerk-js on plain http.
  pages.page(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><div id="sign-in"></div>
<script async crossorigin="anonymous" data-clerk-publishable-key="${mock.publishableKey}" data-clerk-proxy-url="${mock.url}" src="${mock.url}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"></script>
<script async crossorigin="anonymous" src="${mock.url}/npm/@clerk/ui@1/dist/ui.browser.js"></script>
</body></html>`)
  const context = await browser.newContext()
  const page = await context.newPage()
  const loaded: string[] = []
  const failed: string[] = []
  page.on('response', (r) => {
    if (!r.ok()) failed.push(`${r.status()} ${r.url()}`)
    else if (r.url().includes('/npm/@clerk/')) loaded.push(new URL(r.url()).pathname)
  })
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`))
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await page.goto(`http://localhost:${pages.port}/`)
  await page.waitForFunction(() => (globalThis as any).Clerk !== undefined && (globalThis as any).__internal_ClerkUICtor !== undefined)
  const state = await page.evaluate(async () => {
    const clerk = (globalThis as any).Clerk
    await clerk.load({ ui: { ClerkUI: (globalThis as any).__internal_ClerkUICtor } })
    clerk.mountSignIn((globalThis as any).document.getElementById('sign-in'))
    // The one clerk-js chunk a signed-out page needs on demand (webpack's query-core-vendors).
    await clerk.__internal_queryClient
    return { loaded: clerk.loaded, version: clerk.version, signedIn: clerk.user != null }
  })
  t.same(state, { loaded: true, version: CLERK_JS_VERSION, signedIn: false })
  await page.locator('#sign-in input[name="identifier"]').waitFor({ timeout: 15_000 })
  // Each bundle loads its chunks from its own origin under its exact version, whatever spec loaded it.
  t.ok(loaded.includes(`/npm/@clerk/clerk-js@${CLERK_JS_VERSION}/dist/query-core-vendors_clerk.browser_a68c22_${CLERK_JS_VERSION}.js`), `clerk-js chunks came from the mock: ${loaded.join(' ')}`)
  t.ok(loaded.some((p) => p.startsWith(`/npm/@clerk/ui@${UI_VERSION}/dist/signin_ui_`)), 'UI chunks came from the mock')
  t.same(failed, [], 'no request failed')
  t.same(errors, [], 'no page errors')
})
