/** Webhooks: Clerk's events, Svix's signing and delivery (see the files for each). */
export * from './events.js'
export * from './endpoints.js'
export * from './deliveries.js'
