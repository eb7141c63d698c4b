// Serves the shared app with Deno.serve on a free port of 127.0.0.1 and prints the port.
import { createApp } from './app.mjs'

const app = createApp(`deno ${Deno.version.deno}`)
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: 0,
    onListen({ port }) {
      console.log(JSON.stringify({ port }))
    },
  },
  app.fetch,
)
