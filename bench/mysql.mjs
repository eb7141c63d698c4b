// MySQL / MariaDB rows of `npm run bench`: `node bench/mysql.mjs [--quick]`, on the server at
// MYSQL_HOST:MYSQL_PORT (default 127.0.0.1:3306, db `test`, user root), on a table of its own
// that it drops at the end. The driver (mysql2 promise pool): load, patch and save in µs per
// call, one call at a time, and the statements each costs, counted on the wire by a TCP proxy
// in front of the server (a client packet with sequence id 0 starts a command; all but
// COM_STMT_CLOSE and COM_QUIT wait for a reply, so each is a round trip).
import { Buffer } from 'node:buffer'
import console from 'node:console'
import { once } from 'node:events'
import net from 'node:net'
import process from 'node:process'
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import { measureDriverCalls } from './lib/driver-calls.mjs'

const quick = process.argv.includes('--quick')
const SERVER = {
  host: process.env.MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? 'root',
  database: process.env.MYSQL_DATABASE ?? 'test',
}
const NO_REPLY = new Set([0x01, 0x19]) // COM_QUIT, COM_STMT_CLOSE

async function countingProxy() {
  let roundTrips = 0
  const sockets = new Set()
  const server = net.createServer((clientSocket) => {
    const upstream = net.connect(SERVER.port, SERVER.host)
    sockets.add(clientSocket).add(upstream)
    let pending = Buffer.alloc(0)
    clientSocket.on('data', (chunk) => {
      upstream.write(chunk)
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4) {
        const length = pending.readUIntLE(0, 3)
        if (pending.length < 4 + length) break
        const sequence = pending[3]
        const command = pending[4]
        if (sequence === 0 && length > 0 && !NO_REPLY.has(command)) roundTrips++
        pending = pending.subarray(4 + length)
      }
    })
    upstream.on('data', (chunk) => clientSocket.write(chunk))
    const end = () => {
      clientSocket.destroy()
      upstream.destroy()
    }
    clientSocket.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: server.address().port,
    take() {
      const seen = roundTrips
      roundTrips = 0
      return seen
    },
    close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

async function driverRows() {
  const { createMySQLDriver } = await import('../dist/mysql.js')
  const iterations = quick ? 300 : 3000
  const proxy = await countingProxy()
  const pool = mysql.createPool({ ...SERVER, port: proxy.port, connectionLimit: 1 })
  const table = `sk_bench_${randomBytes(6).toString('hex')}`
  const driver = createMySQLDriver({ client: pool, table })
  const rows = []
  try {
    await driver.migrate()
    rows.push(
      ...(await measureDriverCalls(driver, {
        client: 'mysql2',
        iterations,
        takeRoundTrips: () => proxy.take(),
      })),
    )
  } finally {
    await pool.query(`DROP TABLE IF EXISTS \`${table}\``).catch(() => undefined)
    await pool.end()
    proxy.close()
  }
  return { iterations, rows }
}

const server = `${SERVER.host}:${SERVER.port}`
let results
try {
  const probe = mysql.createPool({ ...SERVER, connectionLimit: 1 })
  await probe.query('SELECT 1').finally(() => probe.end())
  results = { server, ...(await driverRows()) }
} catch (error) {
  results = { server, unavailable: String(error?.message ?? error) }
}
if (process.send) process.send(results)
else console.log(JSON.stringify(results, null, 2))
