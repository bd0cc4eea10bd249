/** Small assertion helpers shared by the SDK-driven tests. */

/** A JWT's payload, decoded without checking anything. */
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, any>

/** The error a promise rejects with; resolving is a failure. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection, got a result')
}
