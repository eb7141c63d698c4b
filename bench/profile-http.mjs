// CPU-profiles one HTTP contender under the benchmark's steady-state load and prints its top
// frames: `node bench/profile-http.mjs <scenario> [seconds=5]` (scenarios: bench/http/scenarios.mjs).
import { execFileSync, fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { URL, fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const scenario = process.argv[2] ?? 'sk-node'
const seconds = Number(process.argv[3] ?? 5)
const dir = mkdtempSync(join(tmpdir(), `sessionkit-prof-${scenario}-`))
const child = fork(new URL('./http/server.mjs', import.meta.url), [scenario], {
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const [{ port }] = await once(child, 'message')
const setCookie = await new Promise((resolve, reject) => {
  http
    .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.headers['set-cookie'] ?? []))
    })
    .on('error', reject)
})
const cookie = setCookie.map((line) => line.split(';')[0]).join('; ')
await autocannon({
  url: `http://127.0.0.1:${port}/`,
  connections: 10,
  duration: seconds,
  headers: cookie === '' ? {} : { cookie },
})
child.send('exit')
await once(child, 'exit')
const topFrames = fileURLToPath(new URL('./top-frames.mjs', import.meta.url))
process.stdout.write(execFileSync(process.execPath, [topFrames, dir, '30'], { encoding: 'utf8' }))
