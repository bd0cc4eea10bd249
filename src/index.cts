/**
 * The CommonJS entry (`require('clerk-fapi-mock')`). The package is ESM; Node before 20.19 cannot
 * `require()` an ES module at all, so this entry loads the ESM build with `import()` and offers its
 * factories as async functions; everything else comes from `load()`. Every type of the ESM API is
 * re-exported.
 *
 * @example
 * const { startClerkMock } = require('clerk-fapi-mock')
 * startClerkMock({ clock: '2030-01-01T00:00:00Z' }).then(async (mock) => { … ; await mock.stop() })
 */
import type * as Esm from './index.js' with { 'resolution-mode': 'import' }

/** The whole ESM API (`ClerkMock`, `MockClock`, `publishableKeyFor`, …), loaded once. */
export function load(): Promise<typeof Esm> {
  return import('./index.js')
}

/** Creates and starts a mock: `startClerkMock` of the ESM API. */
export async function startClerkMock(options?: Esm.ClerkMockOptions): Promise<Esm.ClerkMock> {
  return (await load()).startClerkMock(options)
}

/** A mock built but not listening. Async here (synchronous in the ESM API), because loading the ESM build is. */
export async function createClerkMock(options?: Esm.ClerkMockOptions): Promise<Esm.ClerkMock> {
  return (await load()).createClerkMock(options)
}

export type * from './index.js' with { 'resolution-mode': 'import' }
