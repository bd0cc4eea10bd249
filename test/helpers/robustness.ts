/** Helpers for the robustness suite (test/robustness): Clerk error-body checks, seeds, memory. */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'

/**
 * What is wrong with a response that should be a Clerk error (REFERENCE §7): an empty list when the
 * body is `{ errors: [{ code, message, long_message }], clerk_trace_id }` served as JSON.
 */
export function clerkErrorProblems(res: { statusCode: number; headers: Record<string, unknown>; body: string }): string[] {
  const problems: string[] = []
  if (res.statusCode >= 500) problems.push(`status ${res.statusCode} (a 5xx)`)
  if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) problems.push(`content-type ${String(res.headers['content-type'])}`)
  let json: any
  try {
    json = JSON.parse(res.body)
  } catch {
    problems.push(`body is not JSON: ${JSON.stringify(res.body.slice(0, 200))}`)
    return problems
  }
  const first = json?.errors?.[0]
  if (!Array.isArray(json?.errors) || json.errors.length === 0) problems.push('no errors[]')
  for (const key of ['code', 'message', 'long_message']) {
    if (typeof first?.[key] !== 'string' || first[key] === '') problems.push(`errors[0].${key} missing`)
  }
  if (typeof json?.clerk_trace_id !== 'string' || !/^[0-9a-f]{32}$/.test(json.clerk_trace_id)) problems.push('clerk_trace_id missing')
  return problems
}

/**
 * The fast-check seed and run count for one property: fixed for CI, overridable to explore
 * (`FC_SEED=123 FC_RUNS=500 npx tap test/robustness`). A failure prints the seed and path to replay.
 */
export function fcParams(defaultSeed: number, defaultRuns: number): { seed: number; numRuns: number } {
  const seed = process.env.FC_SEED === undefined ? defaultSeed : Number(process.env.FC_SEED)
  const numRuns = process.env.FC_RUNS === undefined ? defaultRuns : Number(process.env.FC_RUNS)
  return { seed, numRuns }
}

let gcFn: (() => void) | null = null

/** A full garbage collection, without needing `node --expose-gc` (tap starts the process). */
export function collectGarbage(): void {
  if (gcFn === null) {
    setFlagsFromString('--expose_gc')
    gcFn = runInNewContext('gc') as () => void
  }
  gcFn()
  gcFn()
}

/** Heap and resident memory after a full collection, in bytes. */
export function settledMemory(): { heapUsed: number; rss: number } {
  collectGarbage()
  const { heapUsed, rss } = process.memoryUsage()
  return { heapUsed, rss }
}

export const MB = 1024 * 1024
