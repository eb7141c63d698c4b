// A TCP proxy in front of the MySQL/MariaDB server that counts the commands clients send:
// every client packet with sequence id 0 starts a command (COM_QUERY, COM_STMT_PREPARE,
// COM_STMT_EXECUTE, …), so the count is exactly the statements the server was asked to run,
// whatever the client library does. It can also cut every connection and refuse new ones, as
// a server outage would look to the pool.
import net from 'node:net'

export const COMMANDS: Readonly<Record<number, string>> = {
  0x01: 'quit',
  0x03: 'query',
  0x0e: 'ping',
  0x16: 'prepare',
  0x17: 'execute',
  0x19: 'close',
  0x1a: 'reset',
}

export interface MySQLProxy {
  readonly port: number
  /** Commands seen since the last `reset()`, by name. */
  readonly counts: Map<string, number>
  /** Commands that wait for a reply (all but COM_STMT_CLOSE and COM_QUIT). */
  roundTrips(): number
  reset(): void
  /** Destroys every connection and refuses new ones until `resume()`. */
  cut(): void
  resume(): void
  close(): Promise<void>
}

export async function startMySQLProxy(
  target = { host: '127.0.0.1', port: 3306 },
): Promise<MySQLProxy> {
  const counts = new Map<string, number>()
  const sockets = new Set<net.Socket>()
  let down = false
  const server = net.createServer((client) => {
    if (down) {
      client.destroy()
      return
    }
    const upstream = net.connect(target)
    sockets.add(client).add(upstream)
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    upstream.pipe(client)
    let pending = Buffer.alloc(0)
    // Bytes of the current packet still to forward before the next header.
    let rest = 0
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        if (rest > 0) {
          const take = Math.min(rest, pending.length)
          rest -= take
          pending = pending.subarray(take)
          if (rest > 0) break
        }
        if (pending.length < 5) break
        const length = pending.readUIntLE(0, 3)
        const sequence = pending[3]
        if (sequence === 0) {
          const name = COMMANDS[pending[4] ?? 0] ?? `0x${(pending[4] ?? 0).toString(16)}`
          counts.set(name, (counts.get(name) ?? 0) + 1)
        }
        rest = 4 + length
      }
      upstream.write(chunk)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no proxy port')
  const cut = (): void => {
    down = true
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  return {
    port: address.port,
    counts,
    roundTrips() {
      let sum = 0
      for (const [name, n] of counts) if (name !== 'close' && name !== 'quit') sum += n
      return sum
    },
    reset() {
      counts.clear()
    },
    cut,
    resume() {
      down = false
    },
    async close() {
      cut()
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
      })
    },
  }
}

/** A port nothing listens on (the OS gave it out, and it was closed again). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
  return address.port
}
