/** Stub: registered by app.ts, filled in by its face's work. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

export const handshakeRoutes: FastifyPluginAsyncTypebox = async () => {}
