/**
 * The book both sign-in and sign-up attempts are kept in: by id, and each client's latest one,
 * which is the client's `sign_in` / `sign_up` while it is in progress. An attempt lives as long
 * as its client: once that is destroyed (`DELETE /v1/client`) the attempt is no longer found.
 */
import type { TimeSource } from './time.js'

/** What the book reads of an attempt. */
export interface ClientAttempt {
  readonly id: string
  readonly clientId: string
  readonly status: string
  readonly abandonAt: number
}

export class AttemptBook<T extends ClientAttempt> {
  readonly #byId = new Map<string, T>()
  /** Client id → its latest attempt's id. */
  readonly #latest = new Map<string, string>()

  constructor(readonly clock: TimeSource) {}

  /** Keeps a new attempt as its client's latest. */
  protected keep(attempt: T): T {
    this.#byId.set(attempt.id, attempt)
    this.#latest.set(attempt.clientId, attempt.id)
    return attempt
  }

  /** The attempt with this id if its client still exists (`clientExists`: the core's answer). */
  get(id: string, clientExists: (clientId: string) => boolean): T | undefined {
    const attempt = this.#byId.get(id)
    if (attempt === undefined) return undefined
    if (!clientExists(attempt.clientId)) {
      // Its client was destroyed: the attempt went with it (client ids are never reused).
      this.#byId.delete(id)
      if (this.#latest.get(attempt.clientId) === id) this.#latest.delete(attempt.clientId)
      return undefined
    }
    return attempt
  }

  /** The client's attempt in progress: its latest unless that is complete (or abandoned by time). */
  inProgress(clientId: string): T | null {
    const id = this.#latest.get(clientId)
    const attempt = id === undefined ? undefined : this.#byId.get(id)
    if (attempt === undefined || attempt.status === 'complete' || this.clock.now() >= attempt.abandonAt) return null
    return attempt
  }

  /** Drops every attempt `gone` says can no longer go on. */
  protected forget(gone: (attempt: T) => boolean): void {
    for (const [id, attempt] of this.#byId) if (gone(attempt)) this.#byId.delete(id)
  }

  clear(): void {
    this.#byId.clear()
    this.#latest.clear()
  }
}
