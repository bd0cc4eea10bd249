/**
 * Faults reach the Backend API by its full path, so a test can make `currentUser()` fail; the
 * answer is still BAPI's: Clerk's error format, exactly `application/json`.
 */
import t from 'tap'
import { createClerkMock } from '../../src/index.js'
import { clerkErrorFormatProblems } from '../helpers/clerk-error.js'

t.test('a fault on /bapi/v1/users/* answers a BAPI user read with a BAPI-format 503, once', async (t) => {
  const mock = createClerkMock({ secretKey: 'sk_test_faults' })
  t.teardown(() => mock.stop())
  mock.fail({ path: '/bapi/v1/users/*', status: 503, times: 1 })
  const get = () => mock.inject({ method: 'GET', url: '/bapi/v1/users/user_1n5BS00ns3t21GWIXiPJ0KcSe02', headers: { authorization: 'Bearer sk_test_faults' } })
  const faulted = await get()
  t.equal(faulted.statusCode, 503)
  t.equal(faulted.headers['content-type'], 'application/json')
  t.same(clerkErrorFormatProblems(faulted.json()), [])
  t.equal(faulted.json().errors[0].code, 'service_unavailable')
  t.equal((await get()).statusCode, 200, 'times: 1')
  t.match(mock.requests.at(-2), { path: '/bapi/v1/users/user_1n5BS00ns3t21GWIXiPJ0KcSe02', status: 503, fault: true })
})
