/**
 * The handshake's nonces (REFERENCE §12): with `format=nonce` the mock may redirect with a nonce
 * instead of the signed token, and the app's server SDK then fetches the cookie directives from the
 * Backend API (`GET /v1/clients/handshake_payload?nonce=`). Each nonce is kept until it is read once
 * or `reset()` empties the store. (Owned by the handshake face; stub until it lands.)
 */
export class HandshakeNonces {
  readonly #payloads = new Map<string, string[]>()

  /** Stores a handshake's cookie directives; returns the nonce that names them. */
  put(nonce: string, directives: string[]): void {
    this.#payloads.set(nonce, directives)
  }

  /** The directives for a nonce, once; undefined for an unknown or already-read nonce. */
  take(nonce: string): string[] | undefined {
    const directives = this.#payloads.get(nonce)
    this.#payloads.delete(nonce)
    return directives
  }

  clear(): void {
    this.#payloads.clear()
  }
}
