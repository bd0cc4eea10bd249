#!/usr/bin/env node
/**
 * `npm run test:apps`: the example apps (examples/<app>/ with their own package.json and lock) run
 * against the mock in headless Chromium. Kept out of `npm test` because installing and building real
 * framework apps takes minutes the per-commit suite should not pay.
 *
 * 1. Each example with its own package-lock.json gets `npm ci` when its node_modules is missing or
 *    was installed from a different lock (a stamp in node_modules holds the hash of package.json and
 *    the lock), so a second run installs nothing.
 * 2. tap runs every test/apps/*.test.ts, named on the command line: the root tap config excludes
 *    test/apps/** from `npm test`'s discovery, and tap runs files named explicitly whatever `exclude`
 *    says (measured with tap 21.8). Builds (Next's) are cached by the tests themselves, keyed by what
 *    goes into them (see test/apps/helpers.ts), because only the test knows the mock port a build inlines.
 *
 * Extra arguments go to tap (e.g. `npm run test:apps -- test/apps/nextjs.test.ts` runs only that file).
 * Prints how long each step took. Exits with tap's code (1 when an install fails).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const EXAMPLES = join(ROOT, 'examples')
const TESTS = join(ROOT, 'test', 'apps')
const STAMP = '.clerk-fapi-mock-install'

const seconds = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`

/** The hash an installed node_modules must have been installed from. */
function lockHash(dir) {
  const hash = createHash('sha256')
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(dir, file))).update('\0')
  return hash.digest('hex')
}

/** Installs one example's dependencies unless its stamp says they match its lock; false on failure. */
function install(dir) {
  const name = relative(ROOT, dir)
  const want = lockHash(dir)
  const stamp = join(dir, 'node_modules', STAMP)
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) {
    console.log(`test:apps: ${name}: dependencies up to date`)
    return true
  }
  const start = performance.now()
  // --prefix, not cwd: the command a user reads in the README. tap's and the root's environment stay out.
  const r = spawnSync('npm', ['ci', '--prefix', name, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } })
  if (r.status !== 0) {
    console.log(`test:apps: ${name}: npm ci failed (${r.status ?? r.signal}) after ${seconds(start)}`)
    return false
  }
  writeFileSync(stamp, want + '\n')
  console.log(`test:apps: ${name}: npm ci took ${seconds(start)}`)
  return true
}

const args = process.argv.slice(2)
const named = args.filter((a) => !a.startsWith('-'))
// test/apps/<app>.test.ts drives examples/<app>: with test files named, only their apps are installed.
const wanted = named.length ? new Set(named.map((f) => /([^/]+)\.test\.ts$/.exec(f)?.[1])) : null
const apps = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(EXAMPLES, e.name, 'package-lock.json')) && (!wanted || wanted.has(e.name)))
  .map((e) => join(EXAMPLES, e.name))

const total = performance.now()
let ok = true
for (const dir of apps) ok = install(dir) && ok
if (!ok) process.exit(1)

const files = named.length
  ? []
  : readdirSync(TESTS)
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => relative(ROOT, join(TESTS, f)))

const start = performance.now()
// One file at a time: a Next build takes both cores, and browser flows under that load are timed out, not tested.
// The limit per file covers a first build on a slow machine; a cached run takes well under a minute.
const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tap'), ['--jobs=1', '--timeout=900', ...files, ...args], { cwd: ROOT, stdio: 'inherit' })
console.log(`test:apps: tap took ${seconds(start)}; everything ${seconds(total)}`)
process.exit(r.status ?? 1)
