/** clerk-js in plain Node, as a test uses it against the mock: through the package's own `loadNodeClerk()`. */
import type { Clerk } from '@clerk/clerk-js'
import type { ClerkMock } from '../../src/index.js'
import { loadNodeClerk as load, nativeClientToken } from '../../src/index.js'

export type ClerkInstance = Clerk

/** A loaded clerk-js that talks to the mock as a native client, starting from `clientToken` (or none). */
export function loadNodeClerk(mock: ClerkMock, clientToken?: string | null): Promise<ClerkInstance> {
  return load<ClerkInstance>({ publishableKey: mock.publishableKey, proxyUrl: mock.url, clientToken })
}

export { nativeClientToken }
