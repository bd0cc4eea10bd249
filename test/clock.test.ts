import t from 'tap'
import { MockClock } from '../src/core/clock.js'
import { parseClockSetting, parseDuration, parseFixtureTime, parseInstant, TimeInputError } from '../src/core/time.js'

t.test('durations', async (t) => {
  t.equal(parseDuration(1500), 1500)
  t.equal(parseDuration('90s'), 90_000)
  t.equal(parseDuration('15m'), 900_000)
  t.equal(parseDuration('2h'), 7_200_000)
  t.equal(parseDuration('8d'), 691_200_000)
  t.equal(parseDuration('1w'), 604_800_000)
  t.equal(parseDuration('-2h'), -7_200_000)
  t.equal(parseDuration('250ms'), 250)
  for (const bad of ['', '8 days', 'd8', '1y', null, NaN, {}]) {
    t.throws(() => parseDuration(bad), /is not a duration/, `rejects ${JSON.stringify(bad)}`)
  }
})

t.test('instants', async (t) => {
  t.equal(parseInstant('2030-01-01T00:00:00Z'), Date.UTC(2030, 0, 1))
  t.equal(parseInstant(123), 123)
  t.throws(() => parseInstant('tomorrow'), /is not a time/)
  t.throws(() => parseInstant('2030-13-45'), /is not a time/)
})

t.test('a frozen clock moves only when told', async (t) => {
  const clock = new MockClock('2030-01-01T00:00:00Z')
  const t0 = Date.UTC(2030, 0, 1)
  t.equal(clock.now(), t0)
  t.ok(clock.frozen)
  await new Promise((r) => setTimeout(r, 5))
  t.equal(clock.now(), t0, 'real time passing does not move it')
  t.equal(clock.advance('1h'), t0 + 3_600_000)
  t.equal(clock.set('2031-01-01T00:00:00Z'), Date.UTC(2031, 0, 1))
  t.ok(clock.frozen, 'set keeps it frozen')
  t.throws(() => clock.advance('-1s'), /go back in time/)
})

t.test('a system clock follows real time plus the advances', async (t) => {
  let wall = 50_000
  const clock = new MockClock({ now: () => wall })
  t.notOk(clock.frozen)
  t.equal(clock.now(), 50_000)
  clock.advance('10s')
  wall += 1_000
  t.equal(clock.now(), 61_000)
  t.equal(clock.freeze(), 61_000)
  wall += 99_000
  t.equal(clock.now(), 61_000, 'frozen')
  clock.resume()
  t.equal(clock.now(), 61_000, 'resumes where it stood')
  wall += 500
  t.equal(clock.now(), 61_500, 'and runs again')
  clock.set(5)
  t.equal(clock.now(), 5)
  wall += 10
  t.equal(clock.now(), 15)
})

t.test('times stay within what a Date can hold', async (t) => {
  t.throws(() => parseInstant(1e308), /is not a time/)
  t.throws(() => parseInstant(-1), /is not a time/)
  t.throws(() => parseDuration(1e308), /is not a duration/)
  t.throws(() => parseDuration('99999999999999d'), /is not a duration/)
  const clock = new MockClock('2030-01-01T00:00:00Z')
  clock.advance(8e15)
  t.throws(() => clock.advance(8e14), /past the last date/)
  t.ok(Number.isFinite(clock.now()), 'a refused advance leaves the clock as it was')
})

t.test('restore goes back to a setting exactly', async (t) => {
  let wall = 1_000
  const clock = new MockClock({ now: () => wall })
  clock.advance('1h')
  t.equal(clock.restore('2030-01-01T00:00:00Z'), Date.UTC(2030, 0, 1))
  t.ok(clock.frozen)
  wall += 50
  t.equal(clock.restore({ now: () => wall }), 1_050)
  t.notOk(clock.frozen)
})

t.test('one move checks every field before anything moves', async (t) => {
  const clock = new MockClock('2030-01-01T00:00:00Z')
  const t0 = clock.now()
  t.throws(() => clock.move({ set: '2031-01-01T00:00:00Z', advance: 'soon' }), TimeInputError)
  t.equal(clock.now(), t0, 'the valid set was not applied either')
  t.throws(() => clock.move({ set: 8.6399e15, advance: '2000d' }), /past the last date/)
  t.equal(clock.now(), t0)
  t.equal(clock.move({ set: '2031-01-01T00:00:00Z', advance: '1d', frozen: false }), Date.UTC(2031, 0, 2))
  t.notOk(clock.frozen)
})

t.test('clock settings: epoch seconds are refused, time sources are checked once', async (t) => {
  t.same(parseClockSetting('2030-01-01T00:00:00Z'), { kind: 'frozen', at: Date.UTC(2030, 0, 1) })
  t.same(parseClockSetting('1893456000000'), { kind: 'frozen', at: 1893456000000 }, 'digits as a command line sends them')
  t.throws(() => parseClockSetting(1893456000, '--clock'), { name: 'TimeInputError', param: '--clock', message: /--clock: 1893456000 looks like epoch seconds/ })
  t.throws(() => parseClockSetting('1893456000', '--clock'), /looks like epoch seconds/)
  t.throws(() => parseClockSetting({ now: 'x' }), /a time source must be an object with a now\(\) method/)
  t.throws(() => parseClockSetting({ now: () => NaN }), /returned null, not epoch milliseconds|returned NaN/)
  let fake = Date.UTC(2040, 0, 1)
  const clock = new MockClock({ now: () => fake })
  t.notOk(clock.frozen, 'a time source runs like the system clock')
  fake += 1000
  t.equal(clock.now(), Date.UTC(2040, 0, 1) + 1000, 'and follows its source')
})

t.test('fixture times: seconds below 1e11, offsets from the start', async (t) => {
  const start = Date.UTC(2030, 0, 1)
  t.equal(parseFixtureTime(1616473411, start, '$.x'), 1616473411000, 'seconds, as in the seed documentation')
  t.equal(parseFixtureTime(1616473411000, start, '$.x'), 1616473411000, 'milliseconds')
  t.equal(parseFixtureTime('-2h', start, '$.x'), start - 7_200_000)
  t.throws(() => parseFixtureTime('yesterday', start, '$.x'), { name: 'TimeInputError', message: /^\$\.x: / })
})
