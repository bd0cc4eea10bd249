/**
 * TLS and plain HTTP on one port (REFERENCE §11). Browser SDKs force https for the handshake and for
 * clerk-js's script URLs even when told an http URL, so every mock answers both on its one port: the
 * first byte of a connection decides (0x16 opens a TLS ClientHello), which `@httptoolkit/httpolyglot`
 * does. The certificate is the user's, or a self-signed one for this machine's names, made on first
 * need (the first TLS connection, or the first read of `mock.certificate`), never at start-up, and
 * made once per process for each set of names.
 */
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto'
import { Server as HttpServer } from 'node:http'
import { createRequire } from 'node:module'
import { isIP, type Socket } from 'node:net'
import { createSecureContext, Server as TlsServer } from 'node:tls'
import { createServer as createPolyglotServer } from '@httptoolkit/httpolyglot'
import type { FastifyServerFactory } from 'fastify'
import { MockClock } from '../core/clock.js'
import { isWildcardAddress } from './guard.js'

/** A certificate and its private key, both PEM: what the mock serves over TLS. */
export interface TlsCredentials {
  /** The certificate (PEM); a chain may follow it. */
  cert: string
  /** Its private key (PEM). */
  key: string
}

/** The names every self-signed certificate covers: what a client on this machine may call the mock. */
const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1']

/**
 * The names a self-signed certificate should cover: this machine's, the bound host (the name in
 * `mock.url`, unless it binds every interface), and the allowed hosts (`.example.test` as `*.example.test`; a wildcard one label
 * under a top-level name, such as `*.test`, is refused by Node and browsers alike, so it is left out).
 */
export function certificateNames(boundHost = '127.0.0.1', allowedHosts: readonly string[] = []): string[] {
  const names = new Set(LOCAL_NAMES)
  const add = (raw: string) => {
    const name = raw.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
    if (name === '' || isWildcardAddress(name)) return
    if (name.startsWith('.')) {
      if (name.split('.').length > 3) names.add(`*${name}`)
      return
    }
    names.add(name)
  }
  add(boundHost)
  for (const host of allowedHosts) add(host)
  return [...names]
}

/**
 * Checks user-supplied credentials the way the TLS server will load them, so a bad file fails when
 * the mock is created rather than on the first https request.
 * @throws Error naming what is wrong (not PEM, or a key that does not match the certificate).
 */
export function checkCredentials(credentials: TlsCredentials): TlsCredentials {
  const { cert, key } = credentials
  if (typeof cert !== 'string' || !cert.includes('-----BEGIN CERTIFICATE-----')) throw new Error('the TLS certificate must be a PEM string (-----BEGIN CERTIFICATE-----)')
  if (typeof key !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new Error('the TLS key must be a PEM private key (-----BEGIN PRIVATE KEY-----)')
  try {
    createSecureContext({ cert, key })
  } catch (e) {
    throw new Error(`the TLS certificate and key cannot be used: ${(e as Error).message}`)
  }
  return { cert, key }
}

/** One self-signed certificate per set of names, for the life of the process. */
const selfSigned = new Map<string, TlsCredentials>()

/** A self-signed certificate (EC P-256, ECDSA-SHA256) for these names; made once per process and set of names. */
export function selfSignedCredentials(names: readonly string[]): TlsCredentials {
  const cacheKey = [...names].sort().join(' ')
  let credentials = selfSigned.get(cacheKey)
  if (credentials === undefined) {
    credentials = makeSelfSigned(names)
    selfSigned.set(cacheKey, credentials)
  }
  return credentials
}

const DAY_MS = 86_400_000
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const COMMON_NAME = '2.5.4.3'

// Loaded on first need, synchronously: `mock.certificate` is a plain getter, and the ASN.1 modules
// take about 100 ms to load, which an instance that never sees TLS should not pay.
const require = createRequire(import.meta.url)

/**
 * Builds the certificate with Peculiar's ASN.1 schemas (the layer under `@peculiar/x509`) and signs it
 * with node:crypto. `@peculiar/x509` itself is asynchronous (WebCrypto), which a getter cannot wait
 * for, and from 2.0 it needs a global `Reflect` metadata polyfill that a test library should not
 * install in its user's process.
 */
function makeSelfSigned(names: readonly string[]): TlsCredentials {
  const asn = require('@peculiar/asn1-x509') as typeof import('@peculiar/asn1-x509')
  const { AsnConvert, OctetString } = require('@peculiar/asn1-schema') as typeof import('@peculiar/asn1-schema')
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  // TLS clients check the certificate against real time, whatever the mock clock says.
  const now = new MockClock('system').now()
  const algorithm = new asn.AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 })
  const name = new asn.Name([new asn.RelativeDistinguishedName([new asn.AttributeTypeAndValue({ type: COMMON_NAME, value: new asn.AttributeValue({ utf8String: 'clerk-fapi-mock' }) })])])
  const extension = (extnID: string, critical: boolean, value: object) => new asn.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })
  const serial = randomBytes(16)
  // DER wants a positive INTEGER in its shortest form: a first byte from 0x01 to 0x7f (a 0x00 before
  // a byte under 0x80 is "illegal padding", which OpenSSL refuses: one certificate in 256, measured).
  serial[0] = (serial[0] & 0x7f) | 0x01
  const tbsCertificate = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: name,
    subject: name,
    // A day of slack for a client clock a little behind; a year ahead outlives any test process.
    validity: new asn.Validity({ notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS) }),
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), asn.SubjectPublicKeyInfo),
    extensions: new asn.Extensions([
      extension(asn.id_ce_subjectAltName, false, new asn.SubjectAlternativeName(names.map((n) => new asn.GeneralName(isIP(n) ? { iPAddress: n } : { dNSName: n })))),
      // A leaf, not a CA: Firefox refuses a CA certificate used as a server's (CA_CERT_USED_AS_END_ENTITY).
      extension(asn.id_ce_basicConstraints, true, new asn.BasicConstraints({ cA: false })),
      extension(asn.id_ce_keyUsage, true, new asn.KeyUsage(asn.KeyUsageFlags.digitalSignature)),
      extension(asn.id_ce_extKeyUsage, false, new asn.ExtendedKeyUsage([asn.id_kp_serverAuth])),
    ]),
  })
  // node:crypto signs EC keys in DER (ECDSA-Sig-Value), which is what X.509 carries.
  const signatureValue = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), privateKey)
  const der = AsnConvert.serialize(new asn.Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signatureValue).buffer }))
  return { cert: new X509Certificate(Buffer.from(der)).toString(), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }
}

/** How often the inner HTTP server looks for requests past their time (REQUEST_TIMEOUT_MS in app.ts). */
export const CHECKING_INTERVAL_MS = 1000

/**
 * httpolyglot hands both protocols' sockets to an http.Server of its own that never listens, so it
 * never hears 'listening', the event on which Node starts the checks behind requestTimeout and
 * headersTimeout (a request that never finishes would hold its socket for good), and its close()
 * (which stops them) is never called. Both follow the polyglot server's own events here. Every
 * listener on the polyglot server is also added to its inner servers, hence the guards: the inner
 * server's own 'close' reaches these listeners too.
 */
function enforceRequestTimeouts(server: ReturnType<typeof createPolyglotServer>): void {
  const inner = (server as unknown as { _httpServer?: unknown })._httpServer
  if (!(inner instanceof HttpServer)) return
  // Node's own 'listening' listeners of an http.Server, taken before any other is added: they start the checks.
  const nodeListening = inner.listeners('listening') as ((this: HttpServer) => void)[]
  let checking = false
  server.on('listening', () => {
    if (checking) return
    checking = true
    for (const listener of nodeListening) listener.call(inner)
  })
  server.on('close', () => {
    if (!checking) return
    checking = false
    inner.close()
  })
}

/** What the mock serves over TLS: the user's credentials, or a self-signed certificate for its names. */
export class MockTls {
  readonly #supplied: TlsCredentials | undefined
  readonly #names: readonly string[]

  /** @param supplied the user's certificate and key (checked here); without them, a self-signed certificate for `names`. */
  constructor({ supplied, names }: { supplied?: TlsCredentials; names: readonly string[] }) {
    this.#supplied = supplied === undefined ? undefined : checkCredentials(supplied)
    this.#names = names
  }

  /** The certificate and key; a self-signed pair is made on the first read. */
  get credentials(): TlsCredentials {
    return this.#supplied ?? selfSignedCredentials(this.#names)
  }

  /** The certificate (PEM). */
  get certificate(): string {
    return this.credentials.cert
  }

  /**
   * Fastify's `serverFactory`: one server for both protocols. With a factory Fastify no longer tunes
   * the server, so this does what its own factory does for HTTP/1 (keep-alive and request timeouts:
   * behind the sniffing, Node's 5 s keep-alive reset clerk-js's reused sockets under load, measured).
   */
  readonly serverFactory: FastifyServerFactory = (handler, options) => {
    // Only HTTP/1.1 over TLS: the handler is Fastify's HTTP/1 one.
    const tlsServer = new TlsServer({ ALPNProtocols: ['http/1.1'] })
    let loaded = false
    // Before the TLS server wraps the socket (its own 'connection' listener), so the first handshake already has the certificate.
    tlsServer.prependListener('connection', () => {
      if (loaded) return
      loaded = true
      // A failure leaves the context without a certificate: that client's handshake fails, the server stays up.
      try {
        tlsServer.setSecureContext(this.credentials)
      } catch {}
    })
    const server = createPolyglotServer(
      {
        tls: tlsServer,
        http: {
          keepAliveTimeout: options.keepAliveTimeout as number,
          requestTimeout: options.requestTimeout as number,
          // How often a request past requestTimeout is looked for (Node's default: 30 s).
          connectionsCheckingInterval: CHECKING_INTERVAL_MS,
        },
      },
      handler,
    )
    enforceRequestTimeouts(server)
    // Fastify's forceCloseConnections calls closeAllConnections(), which a polyglot server lacks.
    // Every socket counts, including one still waiting for its first byte or mid-handshake (a
    // browser's preconnect), which would otherwise hold close() open.
    const sockets = new Set<Socket>()
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    })
    const closeAllConnections = () => {
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    }
    // A net.Server, not an http.Server as the type says: Fastify only listens, closes, reads the
    // address and subscribes to events, which httpolyglot passes on to its inner servers.
    return Object.assign(server, { closeAllConnections }) as unknown as HttpServer
  }
}
