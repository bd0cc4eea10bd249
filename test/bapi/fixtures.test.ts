/**
 * What fixtures can say about users for the Backend API: private metadata (served by BAPI only),
 * a password (kept as a hash, for sign-in), and identifiers unique as BAPI keeps them.
 */
import t from 'tap'
import { MockCore } from '../../src/core/mock-core.js'
import { FixtureError, loadSeed } from '../../src/fixtures/load.js'
import { ADA, BOB } from '../helpers/mock.js'

t.test('private_metadata and password from a fixture; reset keeps them', async (t) => {
  const core = new MockCore(loadSeed({ users: [{ id: ADA, email_address: 'ada@example.com', private_metadata: { tier: 'gold' }, password: 'analytical-engine' }, { id: BOB }] }))
  t.same(core.bapiUserJson(core.user(ADA)).private_metadata, { tier: 'gold' })
  t.notOk('private_metadata' in core.userJson(core.user(ADA)), 'not in the Frontend API user')
  t.equal(core.userJson(core.user(ADA)).password_enabled, true)
  t.equal(core.userJson(core.user(BOB)).password_enabled, false)
  t.equal(core.checkPassword(ADA, 'analytical-engine'), true)
  t.equal(core.checkPassword(ADA, 'difference-engine'), false)
  t.match(core.user(ADA).passwordHash, /^scrypt\$/, 'a hash, not the text')
  core.updateUserMetadata(ADA, { private_metadata: { tier: 'silver' } }, 'merge')
  core.reset()
  t.same(core.user(ADA).privateMetadata, { tier: 'gold' }, 'reset brings the seed back (the seed was not mutated)')
  t.equal(core.checkPassword(ADA, 'analytical-engine'), true)
})

t.test('two fixture users with one email address or username: a FixtureError naming both', async (t) => {
  const err = (users: object[]) => {
    try {
      loadSeed({ users } as never)
    } catch (e) {
      return e
    }
    return null
  }
  const email = err([{ id: ADA, email_address: 'same@example.com' }, { id: BOB, email_address: 'SAME@example.com' }])
  t.ok(email instanceof FixtureError)
  t.match((email as FixtureError).message, /\$\.users\[1\]\.email_address: SAME@example\.com is already the email_address of \$\.users\[0\]/)
  const username = err([{ id: ADA, username: 'ada' }, { id: BOB, username: 'Ada' }])
  t.match((username as FixtureError).message, /\$\.users\[1\]\.username/)
  t.equal(err([{ id: ADA, username: 'ada' }, { id: BOB, username: 'bob' }]), null)
})
