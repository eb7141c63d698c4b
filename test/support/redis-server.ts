// A private redis-server for tests that must see every command the server ran (INFO
// commandstats) or change server-wide state (SCRIPT FLUSH): on a loopback port the OS picks,
// in a temporary directory, without persistence, always stopped by `stop()`.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PrivateRedis {
  readonly port: number
  readonly url: string
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => {
        resolve(port)
      })
    })
  })
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    socket.setTimeout(200)
    socket.once('error', () => {
      resolve(false)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
  })
}

/** Starts a server; `extra` adds arguments (`--cluster-enabled yes`, say). */
export async function startRedis(extra: readonly string[] = []): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-redis-'))
  const port = await freePort()
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
    { cwd: dir, stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve()
    }),
  )
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await ping(port)) return { port, url: `redis://127.0.0.1:${port}`, stop }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stop()
  throw new Error(`redis-server did not start on port ${port}`)
}

/**
 * What clients sent to a server, from MONITOR on a connection of its own: the commands
 * between two markers, by name, without those scripts ran inside the server (`[0 lua]`)
 * and without the markers.
 */
export interface Monitor {
  /** The commands clients sent while `step` ran, by lower-case name. */
  count(step: () => Promise<unknown>): Promise<Record<string, number>>
  close(): void
}

export async function monitor(port: number): Promise<Monitor> {
  const socket = new Socket()
  let buffer = ''
  const lines: string[] = []
  const waiters: (() => void)[] = []
  socket.on('data', (data) => {
    buffer += data.toString('utf8')
    let end
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      lines.push(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
    }
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.connect(port, '127.0.0.1', resolve)
  })
  socket.write('MONITOR\r\n')
  const marker = new Socket()
  await new Promise<void>((resolve) => marker.connect(port, '127.0.0.1', resolve))
  marker.on('data', () => undefined)
  let markers = 0

  async function mark(): Promise<number> {
    const name = `sessionkit-monitor-marker-${++markers}`
    marker.write(`ECHO ${name}\r\n`)
    for (;;) {
      const at = lines.findIndex((line) => line.includes(`"${name}"`))
      if (at >= 0) return at
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }

  return {
    async count(step) {
      const from = await mark()
      await step()
      const to = await mark()
      const out: Record<string, number> = {}
      for (const line of lines.slice(from + 1, to)) {
        const match = /^[+]?\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line)
        if (match === null || match[1] === 'lua') continue
        const name = (match[2] ?? '').toLowerCase()
        out[name] = (out[name] ?? 0) + 1
      }
      return out
    },
    close() {
      socket.destroy()
      marker.destroy()
    },
  }
}
