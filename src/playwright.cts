/**
 * The CommonJS entry of the Playwright helpers (`require('clerk-fapi-mock/playwright')`): the
 * helpers are async anyway, so each loads the ESM build with `import()` and calls it. Every type
 * of the ESM entry is re-exported.
 *
 * @example
 * const { signIn, signOut } = require('clerk-fapi-mock/playwright')
 * await signIn(page, { mock, userId: 'user_…' })
 */
import type * as Esm from './playwright.js' with { 'resolution-mode': 'import' }

/** Signs the page in as a user of the mock: `signIn` of the ESM entry. */
export async function signIn(page: Esm.PageLike, options: Esm.SignInOptions): Promise<Esm.PageSignIn> {
  return (await import('./playwright.js')).signIn(page, options)
}

/** Signs the page out: `signOut` of the ESM entry. */
export async function signOut(page: Esm.PageLike, options?: Esm.SignOutOptions): Promise<void> {
  return (await import('./playwright.js')).signOut(page, options)
}

export type * from './playwright.js' with { 'resolution-mode': 'import' }
