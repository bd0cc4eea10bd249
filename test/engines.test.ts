/**
 * The package promises Node >= 20 (package.json "engines"): every package it installs for its users
 * must accept that Node too. (cookie@2, pulled by @fastify/cookie 11.1 and light-my-request 6.8,
 * declares Node >= 22; the dependencies are pinned to the releases that use cookie@1.)
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import t from 'tap'
import { ROOT } from './helpers/build.js'

// npm's own version-range library (a devDependency; it ships no types of its own).
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean
  minVersion(range: string): { version: string } | null
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean; peer?: boolean; version?: string; engines?: { node?: string } | string[] }>
}

t.test('every runtime dependency accepts the oldest Node the package promises', async (t) => {
  const oldest = semver.minVersion(pkg.engines.node)!.version
  t.equal(oldest, '20.0.0')
  const runtime = Object.entries(lock.packages).filter(([path, info]) => path !== '' && !info.dev && !info.devOptional)
  t.ok(runtime.length > 20, `${runtime.length} runtime packages`)
  const refusing = runtime
    .map(([path, info]) => ({ path, version: info.version, node: Array.isArray(info.engines) ? undefined : info.engines?.node }))
    .filter((p) => p.node !== undefined && !semver.satisfies(oldest, p.node, { includePrerelease: true }))
  t.same(refusing, [], `packages whose engines refuse Node ${oldest}`)
})

t.test('the running Node is one the package promises', async (t) => {
  t.ok(semver.satisfies(process.version, pkg.engines.node), `${process.version} satisfies ${pkg.engines.node}`)
})
