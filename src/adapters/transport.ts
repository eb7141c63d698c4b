// How a request arrived, for `secure: 'auto'` cookies and the plain-HTTP warning: from the
// connection itself (TLS socket, `https:` URL), or, with `trustProxy`, from the headers a
// proxy that terminates TLS adds (`X-Forwarded-Proto`, `X-Forwarded-Host`). Those headers are
// whatever the client sent unless a proxy overwrites them, so they are ignored by default.

import type { RequestTransport } from '../core/store.ts'

type HeaderValue = string | readonly string[] | null | undefined

/** The first of a comma-separated list header (the one the outermost proxy saw), trimmed. */
function first(value: HeaderValue): string | undefined {
  const line = typeof value === 'string' ? value : value?.[0]
  const head = line?.split(',')[0]?.trim()
  return head === undefined || head === '' ? undefined : head
}

/** The host without its port: `example.com:8080` → `example.com`, `[::1]:3000` → `[::1]`. */
export function hostWithoutPort(host: string | undefined): string | undefined {
  if (host === undefined) return undefined
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    return end < 0 ? host : host.slice(0, end + 1)
  }
  const colon = host.indexOf(':')
  return (colon < 0 ? host : host.slice(0, colon)).toLowerCase()
}

export interface Arrival {
  /** The connection is TLS (a TLS socket, an `https:` request URL). */
  readonly encrypted: boolean
  /** The host of the request itself (the `Host` header, the URL's). */
  readonly host: string | undefined
  readonly forwardedProto: HeaderValue
  readonly forwardedHost: HeaderValue
}

/** The request's transport; with `trustProxy`, a forwarded protocol and host win. */
export function requestTransport(arrival: Arrival, trustProxy: boolean): RequestTransport {
  const proto = trustProxy ? first(arrival.forwardedProto)?.toLowerCase() : undefined
  const host = (trustProxy ? first(arrival.forwardedHost) : undefined) ?? arrival.host
  return {
    secure: proto === undefined ? arrival.encrypted : proto === 'https',
    host: hostWithoutPort(host),
  }
}

// A plain `http(s)://host[:port]` start, as a URL serializer writes it: read without the URL
// parser, which costs a microsecond per request. Only a lower-case name whose last label starts
// with a letter, or a dotted-quad IPv4 address: the parser would rewrite anything else (upper
// case, userinfo, escapes, IPv6, IPv4 in other notations), so that goes to the parser.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const PLAIN_ORIGIN = new RegExp(
  `^(https?)://((?:(?:[a-z0-9_-]+\\.)*[a-z][a-z0-9_-]*|${OCTET}(?:\\.${OCTET}){3})(?::\\d{1,5})?)(?:[/?#]|$)`,
)

function originOf(href: string): { readonly encrypted: boolean; readonly host: string } {
  const plain = PLAIN_ORIGIN.exec(href)
  if (plain !== null) return { encrypted: plain[1] === 'https', host: plain[2] ?? '' }
  const url = new URL(href)
  return { encrypted: url.protocol === 'https:', host: url.host }
}

/** The transport of a Fetch `Request`: `https:` URLs are HTTPS (see {@link requestTransport}). */
export function fetchTransport(request: Request, trustProxy: boolean): RequestTransport {
  const url = originOf(request.url)
  // Each Headers lookup costs (and on @hono/node-server the first one builds the request's
  // whole Headers): the forwarded ones are read only when they count.
  const headers = trustProxy ? request.headers : undefined
  return requestTransport(
    {
      encrypted: url.encrypted,
      host: url.host,
      forwardedProto: headers?.get('x-forwarded-proto'),
      forwardedHost: headers?.get('x-forwarded-host'),
    },
    trustProxy,
  )
}

/** The documentation of the adapters' `trustProxy` option, for their option interfaces. */
export interface TrustProxyOption {
  /**
   * Behind a proxy that terminates TLS (the app sees plain-HTTP requests): take the protocol
   * and host from `X-Forwarded-Proto` and `X-Forwarded-Host` (their first value) rather than
   * from the request itself. Only when every request comes through a proxy that sets them: a
   * client can send them too. Decides what `secure: 'auto'` cookies do and what the
   * plain-HTTP warning sees. @default false
   */
  readonly trustProxy?: boolean
}
