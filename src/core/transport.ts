// How a request arrived, and the warning for the trap of a Secure cookie answered to a
// plain-HTTP request: the browser drops it without a word (outside localhost, which browsers
// treat as secure), so every request starts a new session ("visit 1" forever). Told once per
// cookie name and process.

/**
 * How a request arrived, as its adapter judged it (`trustProxy` included): what a cookie with
 * `secure: 'auto'` follows, and what the warning about a Secure cookie sent over plain HTTP
 * checks. The adapters give it to the request's registry.
 */
export interface RequestTransport {
  /** The request came over HTTPS. */
  readonly secure: boolean
  /** The host the client asked for (the `Host` header or the URL's), without the port. */
  readonly host?: string | undefined
}

const warned = new Set<string>()

// Browsers treat these as secure contexts: a Secure cookie over http:// is kept there.
const LOOPBACK = /^(?:localhost|[^.]+(?:\.[^.]+)*\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i

/** Whether browsers keep a Secure cookie sent over plain HTTP to `host`. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/\.$/, ''))
}

// The last host found to be loopback: a development server asks about the same one on every
// request. One entry, not a set: the Host header is the client's to choose.
let lastLoopbackHost: string | undefined

function isLoopbackCached(host: string): boolean {
  if (host === lastLoopbackHost) return true
  if (!isLoopbackHost(host)) return false
  lastLoopbackHost = host
  return true
}

const SECURE_ATTRIBUTE = /;\s*Secure\s*(?:;|$)/i

/**
 * Warns (console.warn, once per cookie name) when one of `written` is a Secure cookie in the
 * answer to a plain-HTTP request for a host other than localhost. `transport` is asked only
 * when a cookie not warned about yet was written.
 */
export function warnIfDropped(
  transport: () => RequestTransport | undefined,
  written: readonly { readonly name: string; readonly header: string | undefined }[],
): void {
  let host: string | undefined
  for (const { name, header } of written) {
    if (header === undefined || warned.has(name)) continue
    // How the request arrived is asked first: over HTTPS or to localhost (nearly every
    // request) no header needs reading.
    if (host === undefined) {
      const arrival = transport()
      if (arrival === undefined || arrival.secure || arrival.host === undefined) return
      if (arrival.host === '' || isLoopbackCached(arrival.host)) return
      host = arrival.host
    }
    if (!SECURE_ATTRIBUTE.test(header)) continue
    warned.add(name)
    console.warn(
      `[sessionkit] The Secure cookie "${name}" was sent in answer to a plain-HTTP request for ${host}: browsers drop it, so every request starts a new session. Serve the app over HTTPS, set cookie.secure to 'auto' (Secure only over HTTPS), or, behind a proxy that terminates TLS, the adapter's trustProxy option.`,
    )
  }
}
