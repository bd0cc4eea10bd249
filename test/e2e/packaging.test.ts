/**
 * The artefact, as a user gets it: `npm pack`, install the tarball into a scratch project, import it
 * (and its `./playwright` entry) as ESM, require both from CommonJS, type-check both, and run the
 * bin through npx.
 * Mutation seen failing: the CommonJS `signIn` answering without calling the ESM build → the require check.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, ensureBuilt } from '../helpers/build.js'

t.setTimeout(240_000)
// After the one pack and install (t.before), the checks read the scratch project without changing
// what the others read: run them side by side.
t.jobs = 4

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx'

function sh(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // tap's own variables must not reach the scratch project's processes.
    const env = { ...process.env, NODE_OPTIONS: '', TAP: '', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
    execFile(command, args, { cwd, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const work = mkdtempSync(join(tmpdir(), 'clerk-fapi-mock-pack-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const scratch = join(work, 'scratch')

t.before(async () => {
  await ensureBuilt()
  // dist/ is fresh (ensureBuilt), so the prepare script's build is skipped here.
  const pack = await sh(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`)
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[]
  packed = { tarball: join(work, info.filename), files: info.files.map((f) => f.path) }

  // The scratch project is ESM by default, like most test set-ups today.
  mkdirSync(scratch)
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }))
  const install = await sh(NPM, ['install', packed.tarball, '--no-audit', '--no-fund', '--prefer-offline'], scratch)
  if (install.code !== 0) throw new Error(`npm install of the tarball failed: ${install.stderr}`)
})
let packed: { tarball: string; files: string[] }

t.test('the tarball holds the build, the fixtures and the README, not the sources or tests', async (t) => {
  for (const file of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts', 'dist/bin.js', 'dist/cli.js', 'fixtures/default.json', 'dist/playwright.js', 'dist/playwright.d.ts', 'dist/playwright.cjs', 'dist/playwright.d.cts']) {
    t.ok(packed.files.includes(file), file)
  }
  t.notOk(packed.files.some((f) => /^(src|test|examples)\//.test(f)), 'no src/, test/ or examples/')
})

t.test('import (ESM)', async (t) => {
  const script = `
    import { startClerkMock, createClerkMock, publishableKeyFor } from 'clerk-fapi-mock'
    const mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
    const res = await fetch(mock.url + '/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER')
    console.log(res.status, (await res.json()).response.status, typeof createClerkMock, mock.publishableKey === publishableKeyFor(new URL(mock.url).host))
    await mock.stop()
  `
  const r = await sh(process.execPath, ['--input-type=module', '-e', script], scratch)
  t.equal(r.code, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout, '200 active function true\n')
})

t.test('require (CommonJS): async entry points over the ESM build', async (t) => {
  const script = `
    const { startClerkMock, createClerkMock, load } = require('clerk-fapi-mock')
    ;(async () => {
      const mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
      const res = await fetch(mock.url + '/v1/client')
      const created = await createClerkMock()
      const { MockClock } = await load()
      console.log(res.status, typeof created.inject, typeof MockClock)
      await mock.stop()
    })().catch((e) => { console.error(e); process.exit(1) })
  `
  const r = await sh(process.execPath, ['--input-type=commonjs', '-e', script], scratch)
  t.equal(r.code, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout, '200 function function\n')
})

/**
 * The Playwright helpers against the packed mock, with a stand-in page (no browser here): a user the
 * mock does not have is refused by its Backend API before the page is asked anything. That runs the
 * entry itself (the CommonJS one loads the ESM build from its own folder), not just its exports.
 */
const PAGE_STAND_IN = `{ url: () => 'http://localhost:3000/', evaluate: async () => { throw new Error('the page was asked') } }`

t.test('import clerk-fapi-mock/playwright (ESM)', async (t) => {
  const script = `
    import { startClerkMock } from 'clerk-fapi-mock'
    import { signIn, signOut } from 'clerk-fapi-mock/playwright'
    const mock = await startClerkMock()
    const error = await signIn(${PAGE_STAND_IN}, { mock, userId: 'user_nobody' }).catch((e) => e)
    console.log(typeof signOut, error instanceof Error && error.message.includes('user_nobody') && !error.message.includes('the page was asked'))
    await mock.stop()
  `
  const r = await sh(process.execPath, ['--input-type=module', '-e', script], scratch)
  t.equal(r.code, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout, 'function true\n')
})

t.test('require clerk-fapi-mock/playwright (CommonJS)', async (t) => {
  const script = `
    const { startClerkMock } = require('clerk-fapi-mock')
    const { signIn, signOut } = require('clerk-fapi-mock/playwright')
    ;(async () => {
      const mock = await startClerkMock()
      const error = await signIn(${PAGE_STAND_IN}, { mock, userId: 'user_nobody' }).catch((e) => e)
      console.log(typeof signOut, error instanceof Error && error.message.includes('user_nobody') && !error.message.includes('the page was asked'))
      await mock.stop()
    })().catch((e) => { console.error(e); process.exit(1) })
  `
  const r = await sh(process.execPath, ['--input-type=commonjs', '-e', script], scratch)
  t.equal(r.code, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout, 'function true\n')
})

t.test('types resolve for ESM and CommonJS consumers', async (t) => {
  writeFileSync(
    join(scratch, 'esm.mts'),
    `import { startClerkMock, type ClerkMock, type JournalEntry } from 'clerk-fapi-mock'
import { signIn, type PageLike, type PageSignIn } from 'clerk-fapi-mock/playwright'
const mock: ClerkMock = await startClerkMock({ port: 0, controlApi: false })
const first: JournalEntry | undefined = mock.requests[0]
mock.fail({ path: '/v1/client', status: 429, times: 1 })
export async function signInAda(page: PageLike): Promise<PageSignIn> {
  return signIn(page, { mock, emailAddress: 'ada@example.com' })
}
export { first }
`,
  )
  writeFileSync(
    join(scratch, 'cjs.cts'),
    `import mockPackage = require('clerk-fapi-mock')
import playwright = require('clerk-fapi-mock/playwright')
export async function run(page: playwright.PageLike): Promise<string> {
  const mock = await mockPackage.startClerkMock({ clock: '2030-01-01T00:00:00Z' })
  const signedIn: playwright.PageSignIn = await playwright.signIn(page, { mock, userId: 'user_1' })
  await playwright.signOut(page, { redirectUrl: '/' })
  return mock.url + signedIn.sessionId
}
`,
  )
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const r = await sh(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node', 'esm.mts', 'cjs.cts'],
    scratch,
  )
  t.equal(r.code, 0, 'tsc accepts both', { output: r.stdout + r.stderr })
})

t.test('npx clerk-fapi-mock --help', async (t) => {
  const [r, v] = await Promise.all([sh(NPX, ['--no-install', 'clerk-fapi-mock', '--help'], scratch), sh(NPX, ['--no-install', 'clerk-fapi-mock', '--version'], scratch)])
  t.equal(r.code, 0, 'exits 0', { stderr: r.stderr })
  t.match(r.stdout, /^Usage: clerk-fapi-mock/)
  t.match(v.stdout, /^\d+\.\d+\.\d+/)
})
