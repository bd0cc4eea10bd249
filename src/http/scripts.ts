/**
 * clerk-js and Clerk's prebuilt UI, served the way Clerk's own Frontend API serves them (REFERENCE §11):
 * `<ClerkProvider>` loads `https://<key host>/npm/@clerk/clerk-js@6/dist/clerk.browser.js` and
 * `…/npm/@clerk/ui@1/dist/ui.browser.js`, and each bundle loads its chunks relative to its own URL.
 * The files come from the packages installed next to the mock (optional peer dependencies), found on
 * the first request for them, never at start-up.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, extname, isAbsolute, join, relative, sep } from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ClerkError } from '../core/errors.js'

/** The packages served, by the name in their URL (`/npm/@clerk/<name>@…`). */
export const SERVED_PACKAGES = {
  'clerk-js': { name: '@clerk/clerk-js', peerVersion: '6.40.0' },
  ui: { name: '@clerk/ui', peerVersion: '1.34.0' },
} as const

type Served = keyof typeof SERVED_PACKAGES

/** An installed package: its version and its `dist/` folder with symlinks resolved. */
export interface InstalledPackage {
  name: string
  version: string
  dist: string
}

export interface ClerkScriptOptions {
  /**
   * Where packages are looked up from (a file or folder path, or a `file:` URL), as `require()` from
   * there would find them. Default: this module, i.e. wherever the mock itself is installed.
   */
  resolveFrom?: string | URL
}

// Lookups are per process and per place, and only found packages are kept: a package installed
// while the mock runs is seen by the next request.
const found = new Map<string, InstalledPackage>()

/**
 * Finds an installed package as `require()` would from `from`: its entry point, then the nearest
 * `package.json` above it with the package's name. (`@clerk/clerk-js` exports no `./package.json`,
 * so the manifest cannot be resolved directly.) Null when it is not installed there.
 */
export async function findInstalledPackage(name: string, from: string | URL): Promise<InstalledPackage | null> {
  const key = `${String(from)}\0${name}`
  const cached = found.get(key)
  if (cached) return cached
  let entry: string
  try {
    entry = createRequire(from).resolve(name)
  } catch {
    return null
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === name && typeof pkg.version === 'string') {
        let dist: string
        try {
          dist = await realpath(join(dir, 'dist'))
        } catch {
          return null
        }
        const installed = { name, version: pkg.version, dist }
        found.set(key, installed)
        return installed
      }
    }
    if (dirname(dir) === dir) return null
  }
}

/**
 * Whether a version spec from a script URL names the installed version. Clerk's loaders send the
 * major (`6`, from `@clerk/shared`'s `versionSelector`), the full version (snapshots, or
 * `clerkJSVersion`/`NEXT_PUBLIC_CLERK_JS_VERSION` set by the app) or a prerelease tag (`canary`,
 * `beta`, when the SDK itself is one); a user may write `6.40` or `latest`. `latest` is whatever is
 * installed (chosen: the mock serves one version). Ranges (`^6`) are not sent by any loader and are
 * not accepted.
 */
export function specMatches(spec: string, version: string): boolean {
  if (spec === version || spec === 'latest') return true
  const [release, prerelease] = splitVersion(version)
  if (/^\d+(\.\d+)?$/.test(spec)) return !prerelease && (release === spec || release.startsWith(`${spec}.`))
  // A dist-tag names a prerelease line: 6.41.0-canary.v20260101 is `canary`.
  return prerelease !== undefined && /^[a-z][a-z0-9-]*$/i.test(spec) && prerelease.split('.')[0] === spec
}

function splitVersion(version: string): [string, string | undefined] {
  const plus = version.indexOf('+')
  const bare = plus === -1 ? version : version.slice(0, plus)
  const dash = bare.indexOf('-')
  return dash === -1 ? [bare, undefined] : [bare.slice(0, dash), bare.slice(dash + 1)]
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** An exact version's files never change; a major or a tag may name another release after an install. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

const notFound = (long: string) => new ClerkError(404, 'resource_not_found', 'Resource not found', long)

const scriptErrors = {
  notInstalled: (name: string, peerVersion: string) =>
    notFound(`${name} is not installed where the mock runs, so the mock cannot serve it. Install it next to clerk-fapi-mock: npm install -D ${name}@${peerVersion}`),
  versionMismatch: (name: string, spec: string, installed: string) =>
    notFound(`${name}@${spec} was asked for, but the mock serves the installed ${name} ${installed}, which does not match ${spec}. Install a matching version (npm install -D ${name}@${spec}) or ask for ${name}@${installed.split('.')[0]}.`),
  badPath: (name: string, file: string) =>
    notFound(`${JSON.stringify(file)} does not name a file inside ${name}'s dist/ folder.`),
  noFile: (name: string, version: string, file: string) =>
    notFound(`${name} ${version} has no file dist/${file}.`),
}

/**
 * The file a URL's path names inside `dist/`, or null when it could step outside: `..` or `.`
 * segments, empty segments, backslashes, NUL, a percent-encoded slash or backslash (the router has
 * already decoded the rest), or an absolute path.
 */
function relativeFile(file: string, rawUrl: string): string | null {
  if (/%(2f|5c|00)/i.test(rawUrl.split('?')[0])) return null
  if (file === '' || file.includes('\\') || file.includes('\0') || isAbsolute(file)) return null
  const segments = file.split('/')
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null
  return segments.join(sep)
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
}

/**
 * `GET /npm/@clerk/clerk-js@<spec>/dist/<file>` and `GET /npm/@clerk/ui@<spec>/dist/<file>`.
 * @example
 * // app.ts registers it; a test may point it at another install:
 * app.register(clerkScriptRoutes, { resolveFrom: '/path/to/project/' })
 */
export const clerkScriptRoutes: FastifyPluginAsyncTypebox<ClerkScriptOptions> = async (app, options) => {
  const from = options.resolveFrom ?? import.meta.url
  for (const served of Object.keys(SERVED_PACKAGES) as Served[]) {
    const { name, peerVersion } = SERVED_PACKAGES[served]
    // `journal: false` (traffic.ts): a page load's thirty bundle files would bury its Frontend API calls in the journal.
    app.get<{ Params: { spec: string; '*': string } }>(`/npm/@clerk/${served}@:spec/dist/*`, { config: { journal: false } }, async (request, reply) => {
      const { spec, '*': file } = request.params
      const installed = await findInstalledPackage(name, from)
      if (!installed) throw scriptErrors.notInstalled(name, peerVersion)
      if (!specMatches(spec, installed.version)) throw scriptErrors.versionMismatch(name, spec, installed.version)
      const rel = relativeFile(file, request.url)
      if (rel === null) throw scriptErrors.badPath(name, file)
      let path: string
      let size: number
      try {
        // A symlink inside dist/ pointing elsewhere is not dist/'s file.
        path = await realpath(join(installed.dist, rel))
        const info = await stat(path)
        if (!info.isFile() || !inside(installed.dist, path)) throw new Error('not a file inside dist/')
        size = info.size
      } catch {
        throw scriptErrors.noFile(name, installed.version, file)
      }
      return reply
        .type(CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
        .header('content-length', size)
        .header('cache-control', spec === installed.version ? IMMUTABLE : REVALIDATE)
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(path))
    })
  }
}
