// Serves a Fetch handler over real node:http, as Fetch runtimes do: the request becomes a
// `Request`, the returned `Response` is written out and its body streamed to the client as
// the client reads it. A network error (`Response.error()`) closes the connection.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TestHandler } from './adapter-harness.ts'

export type FetchHandler = (request: Request) => Promise<Response>

export function fetchOverHttp(handler: FetchHandler): TestHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const response = await handler(toRequest(req))
    if (response.type === 'error') {
      res.destroy()
      return
    }
    res.statusCode = response.status
    for (const [name, value] of response.headers) {
      if (name !== 'set-cookie') res.setHeader(name, value)
    }
    const cookies = response.headers.getSetCookie()
    if (cookies.length > 0) res.setHeader('Set-Cookie', cookies)
    if (response.body === null) {
      res.end()
      return
    }
    const reader = response.body.getReader()
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) break
      await new Promise<void>((resolve, reject) => {
        res.write(chunk.value, (error) => {
          if (error) reject(error)
          else resolve()
        })
      })
    }
    res.end()
  }
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '')
  }
  return new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers })
}
