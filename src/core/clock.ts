/**
 * The mock's only source of time. Nothing else in the project reads the wall clock, so a test
 * that moves this clock moves every timestamp, id, token and lifecycle rule with it. How times and
 * durations are spelled is `time.ts`'s business.
 */
import { parseAdvance, parseClockSetting, parseInstant, TimeInputError, type ClockSetting, type ClockStart, type TimeSource } from './time.js'

/** One move of the clock, as `POST /__mock/clock` takes it: any of the three, applied set → advance → frozen. */
export interface ClockMove {
  set?: unknown
  advance?: unknown
  frozen?: boolean
}

/** A mock clock: a time source shifted by an offset, or frozen at one instant. */
export class MockClock implements TimeSource {
  #offset = 0
  #frozenAt: number | null = null
  #source: TimeSource

  /**
   * @param setting `'system'`, a start time (ISO string or epoch ms; the clock stays frozen until
   *   moved) or a time source of your own (`{ now() }`, e.g. a fake-timer clock), followed like 'system'.
   * @example new MockClock('2030-01-01T00:00:00Z').advance('8d')
   */
  constructor(setting: ClockSetting | ClockStart = 'system') {
    this.#source = { now: Date.now }
    this.restore(setting)
  }

  /** Back to a setting, exactly as if just constructed with it (`reset()` uses this). */
  restore(setting: ClockSetting | ClockStart): number {
    const start = typeof setting === 'object' && 'kind' in setting ? setting : parseClockSetting(setting)
    this.#offset = 0
    this.#frozenAt = start.kind === 'frozen' ? start.at : null
    if (start.kind === 'system') this.#source = start.source
    return this.now()
  }

  now(): number {
    return this.#frozenAt ?? this.#source.now() + this.#offset
  }

  get frozen(): boolean {
    return this.#frozenAt !== null
  }

  /** Moves time forward by a duration (ms or `'90s'`, `'15m'`, `'2h'`, `'8d'`). */
  advance(duration: number | string): number {
    return this.move({ advance: duration })
  }

  /** Jumps to an instant (ISO string or epoch ms); keeps frozen or running as it was. */
  set(time: string | number): number {
    return this.move({ set: time })
  }

  /** Stops time where it is now. */
  freeze(): number {
    return this.move({ frozen: true })
  }

  /** Lets time run again from where it stands. */
  resume(): number {
    return this.move({ frozen: false })
  }

  /**
   * Every way of moving the clock. All of `move` is checked before anything moves, so a bad field
   * leaves the clock where it was. Throws a TimeInputError naming the field.
   */
  move(move: ClockMove): number {
    if (typeof move.frozen !== 'boolean' && move.frozen !== undefined) throw new TimeInputError('frozen', 'must be true or false')
    const set = move.set === undefined ? undefined : parseInstant(move.set, 'set')
    const advance = move.advance === undefined ? 0 : parseAdvance(move.advance, set ?? this.now())
    if (set !== undefined) {
      if (this.#frozenAt !== null) this.#frozenAt = set
      else this.#offset = set - this.#source.now()
    }
    if (this.#frozenAt !== null) this.#frozenAt += advance
    else this.#offset += advance
    if (move.frozen === true && this.#frozenAt === null) this.#frozenAt = this.now()
    if (move.frozen === false && this.#frozenAt !== null) {
      const at = this.#frozenAt
      this.#offset = at - this.#source.now()
      this.#frozenAt = null
      // The instant it runs on from: reading the source again could already be a millisecond later.
      return at
    }
    return this.now()
  }
}
