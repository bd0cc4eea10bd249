/**
 * examples/express: the real Express 5 app on @clerk/express 2.1, run as its own process and configured
 * only by its environment, against the mock: the server-app contract (server-app-contract.ts), with
 * its requireAuth() page.
 */
import t from 'tap'
import { serverAppContract } from './server-app-contract.js'

serverAppContract(t, 'examples/express/server.mjs', { protectedPage: true })
