/**
 * Tests that spawn the bin or pack the package need an up-to-date `dist/`. `ensureBuilt()` runs the
 * build once when any source is newer than the last build; a lock directory keeps test files that
 * tap runs in parallel from building over each other.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'dist', 'bin.js')
// Outside dist/, so neither file ever ends up in the packed tarball.
const CACHE = join(ROOT, 'node_modules', '.cache', 'clerk-fapi-mock-tests')
const STAMP = join(CACHE, 'build-stamp')
const LOCK = join(CACHE, 'build-lock')

function newest(dir: string): number {
  let max = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return max
}

const stale = () => !existsSync(STAMP) || !existsSync(BIN) || Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs) > statSync(STAMP).mtimeMs

export async function ensureBuilt(): Promise<void> {
  mkdirSync(CACHE, { recursive: true })
  for (let waited = 0; stale(); waited += 200) {
    try {
      mkdirSync(LOCK)
    } catch {
      // Another test file is building; a lock older than a minute is left over from a killed run.
      if (waited > 60_000 || Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 60_000) rmSync(LOCK, { recursive: true, force: true })
      await new Promise((r) => setTimeout(r, 200))
      continue
    }
    try {
      if (!stale()) return
      // Type errors elsewhere in a work tree must not hide the CLI tests: tsc still emits, so the exit code is ignored here (typecheck is its own step).
      try {
        execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' })
      } catch (e) {
        if (!existsSync(BIN)) throw e
      }
      writeFileSync(STAMP, '')
    } finally {
      rmSync(LOCK, { recursive: true, force: true })
    }
  }
}
