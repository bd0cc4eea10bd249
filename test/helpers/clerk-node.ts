/**
 * clerk-js in plain Node, as a test uses it against the mock. clerk-js opens BroadcastChannels when
 * it is imported and when it loads; in Node those keep the process alive after the tests, so they
 * are unref'd (this module patches the global before importing clerk-js, hence the dynamic import).
 */
import type { ClerkMock } from '../../src/index.js'
import { withNativeClient, nativeClientToken } from '../../src/index.js'

const Native = globalThis.BroadcastChannel
if (Native && !(Native as { __unrefed?: boolean }).__unrefed) {
  class UnrefedBroadcastChannel extends Native {
    static __unrefed = true
    constructor(name: string) {
      super(name)
      ;(this as unknown as { unref?: () => void }).unref?.()
    }
  }
  globalThis.BroadcastChannel = UnrefedBroadcastChannel as typeof BroadcastChannel
}

const { Clerk } = await import('@clerk/clerk-js')
export { Clerk }
export type ClerkInstance = InstanceType<typeof Clerk>

/** A loaded clerk-js that talks to the mock as a native client, starting from `clientToken` (or none). */
export async function loadNodeClerk(mock: ClerkMock, clientToken?: string | null): Promise<ClerkInstance> {
  const clerk = withNativeClient(new Clerk(mock.publishableKey, { proxyUrl: mock.url }), { clientToken })
  await clerk.load({ standardBrowser: false, experimental: { rethrowOfflineNetworkErrors: true } } as Parameters<ClerkInstance['load']>[0])
  return clerk
}

export { nativeClientToken }
