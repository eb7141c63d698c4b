// Serves the shared app with Bun.serve on a free port of 127.0.0.1 and prints the port.
import { createApp } from './app.mjs'

const app = createApp(`bun ${Bun.version}`)
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch })
console.log(JSON.stringify({ port: server.port }))
