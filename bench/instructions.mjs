// `node bench/instructions.mjs [--only=raw,floor,...] [--n=2000] [--size=small|large]
// [--allocations-only] [--json=path] [--save [--merge]]` (or `npm run bench -- --instructions`): the cost of one
// request of each contender in CPU instructions (valgrind --tool=callgrind, total Ir) and in
// bytes allocated / promoted on the V8 heap (--trace-gc-nvp). Far steadier than timings, but
// not exact: runs of the same code differ by up to about 5%, as a collection or a compilation
// falls inside one run's measured requests and not the other's. A/B-test a change with
// several runs of each side, side by side.
//
// Each contender runs in its own process twice, with the same warm-up and `n` / `3n` measured
// requests; the difference divided by `2n` is the steady-state cost of one request (start-up,
// module loading and JIT warm-up cancel out). Every session handler opens the client's token,
// increments `views` and issues a new token, as bench/http/server.mjs does.
//
// Handler contenders (the request is a Cookie header string, the response a Set-Cookie string):
//   raw     hand-written AES-256-GCM: iv | ciphertext | tag, lenient base64url, no header
//   floor   sessionkit's own token format by hand (header with key id and times, AAD = header |
//           context with purpose and cookie name, pooled IV, strict base64url): what the
//           format itself costs; the rest of sessionkit is the machinery above it
//   codec   createTokenCodec for seal/open, the rest (cookie parse, JSON, Set-Cookie) by hand
//   store   the cookie store: store.get(header), session.increment, store.save(session)
//   memory  the server store on the memory driver, same calls
// Loopback contenders (a real node:http server and an in-process keep-alive client; the
// client's and the bare server's cost are the same in every row, so `− bare` is what the
// handler adds and is compared with `http-raw − bare`):
//   http-bare, http-raw, http-floor, http-floor-async (the floor after a promise, with
//   Cache-Control: no-store), http-node (getSessions + cookie store), http-fetch-bare
//   (the minimal Fetch bridge of the HTTP bench, no session) and http-fetch (withSessions
//   over that bridge)
// Hidden-class contenders, no session (bare node:http doing what Express does to every
// response): http-props adds five properties to the response, http-proto replaces its
// prototype (Object.setPrototypeOf, as Express does), http-proto-props does both
// Framework contenders, `fw:<row>` for any framework row of the HTTP bench
// (bench/http/frameworks.mjs: fw:express-bare, fw:sk-express, fw:hono-bare, ...): its server
// behind the same keep-alive client; `− bare` is then what the row adds to its framework's bare
// request.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import console from 'node:console'
import { URL, fileURLToPath } from 'node:url'
import { bareContenderOf as bareOf } from './lib/instructions-report.mjs'
import { evaluateInstructionTargets } from './targets.mjs'

const self = fileURLToPath(import.meta.url)
const SAVED = new URL('./results/instructions.json', import.meta.url)

function commitOf() {
  const git = (argv) =>
    spawnSync('git', argv, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' })
  const commit = git(['rev-parse', '--short', 'HEAD']).stdout.trim()
  const dirty = git(['status', '--porcelain', '--', 'src']).stdout.trim() !== ''
  return `${commit === '' ? 'unknown' : commit}${dirty ? ' (src/ changed since)' : ''}`
}

const HANDLERS = ['raw', 'floor', 'codec', 'store', 'memory']
const LOOPBACK = [
  'http-bare',
  'http-raw',
  'http-floor',
  'http-floor-async',
  'http-node',
  'http-fetch-bare',
  'http-fetch',
]
const HIDDEN_CLASSES = ['http-props', 'http-proto', 'http-proto-props']
export const CONTENDERS = [...HANDLERS, ...LOOPBACK, ...HIDDEN_CLASSES]

function parseArgs(argv) {
  return Object.fromEntries(
    argv.map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=')
      return [key, value ?? 'true']
    }),
  )
}

/** The command line of this script (also `npm run bench -- --instructions [options]`). */
export function main(argv) {
  const args = parseArgs(argv)
  const result = measureAll({
    only: args.only?.split(',') ?? CONTENDERS,
    n: Number(args.n ?? 1000),
    size: args.size ?? 'small',
    stored: Number(args.stored ?? 0),
    instructions: args['allocations-only'] === undefined,
    log: (line) => console.log(line),
  })
  printTable(result, (line) => console.log(line))
  console.log('')
  for (const t of evaluateInstructionTargets(result)) {
    console.log(`${t.status.padEnd(7)} ${t.text}: ${t.measured}`)
  }
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`)
  // --save keeps the counts for BENCHMARKS.md (bench/lib/instructions-report.mjs), with the
  // commit they were measured at: callgrind takes minutes per contender, too long for every run.
  if (args.save !== undefined) {
    const measured = { commit: commitOf(), date: new Date().toISOString() }
    const saved =
      args.merge === undefined ? { ...result, ...measured } : mergeRows(result, measured)
    writeFileSync(SAVED, `${JSON.stringify(saved, null, 2)}\n`)
    console.log(`saved to ${fileURLToPath(SAVED)}`)
  }
  return result
}

// --save --merge: the rows measured now replace theirs in the saved table, each with the
// commit and date it was measured at (the table's own stay those of the rest).
function mergeRows(result, measured) {
  const previous = JSON.parse(readFileSync(SAVED, 'utf8'))
  const rows = { ...previous.rows }
  for (const [id, row] of Object.entries(result.rows)) rows[id] = { ...row, ...measured }
  return { ...previous, rows }
}

const childOptions = parseArgs(process.argv.slice(2))
if (childOptions.child !== undefined) {
  const { runChild } = await import('./lib/request-cost.mjs')
  await runChild(childOptions.child, {
    n: Number(childOptions.n),
    warmup: Number(childOptions.warmup),
    size: childOptions.size ?? 'small',
    stored: Number(childOptions.stored ?? 0),
  })
} else if (process.argv[1] === self) {
  main(process.argv.slice(2))
}

function childArgs(id, n, options) {
  return [
    '--expose-gc',
    self,
    `--child=${id}`,
    `--n=${n}`,
    `--warmup=${options.warmup}`,
    `--size=${options.size}`,
    `--stored=${options.stored}`,
  ]
}

/** Total Ir of one run under callgrind. */
function instructionsOf(id, n, options) {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-callgrind-'))
  const out = join(dir, 'callgrind.out')
  try {
    execFileSync(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${out}`,
        '--dump-line=no',
        '--compress-strings=no',
        process.execPath,
        // JIT compilation and GC on the main thread: fewer run-to-run differences.
        '--single-threaded',
        ...childArgs(id, n, options),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 2 ** 20 },
    )
    const text = readFileSync(out, 'utf8')
    const line = /^(?:summary|totals):\s*(\d+)/m.exec(text)
    if (line === null) throw new Error(`no totals in ${out}`)
    return Number(line[1])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Bytes allocated and promoted over a whole run, summed from V8's per-GC trace lines. */
function allocationsOf(id, n, options) {
  const run = spawnSync(process.execPath, ['--trace-gc-nvp', ...childArgs(id, n, options)], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  })
  if (run.status !== 0) throw new Error(`${id} failed: ${run.stderr}`)
  let allocated = 0
  let promoted = 0
  for (const match of run.stdout.matchAll(/allocated=(\d+).*?promoted=(\d+)/g)) {
    allocated += Number(match[1])
    promoted += Number(match[2])
  }
  return { allocated, promoted }
}

export function measureAll({
  only,
  n,
  size,
  stored = 0,
  instructions = true,
  log = () => undefined,
}) {
  const options = { warmup: Math.max(2000, n), size, stored }
  const rows = {}
  for (const id of only) {
    if (!CONTENDERS.includes(id) && !id.startsWith('fw:'))
      throw new Error(`unknown contender ${id}`)
    const row = {}
    const a1 = allocationsOf(id, n, options)
    const a2 = allocationsOf(id, 3 * n, options)
    row.allocatedBytes = (a2.allocated - a1.allocated) / (2 * n)
    row.promotedBytes = (a2.promoted - a1.promoted) / (2 * n)
    if (instructions) {
      const i1 = instructionsOf(id, n, options)
      const i2 = instructionsOf(id, 3 * n, options)
      row.instructions = (i2 - i1) / (2 * n)
    }
    rows[id] = row
    log(
      `${id}: ${row.instructions === undefined ? '' : `${Math.round(row.instructions)} Ir/op, `}${Math.round(row.allocatedBytes)} B allocated, ${Math.round(row.promotedBytes)} B promoted per op`,
    )
  }
  return { n, size, stored, node: process.version, rows }
}

export function printTable(result, log) {
  const { rows } = result
  const raw = rows.raw?.instructions
  const bare = rows['http-bare']?.instructions
  const httpRaw = rows['http-raw']?.instructions
  log('')
  log(`| contender | Ir per op | × raw | Ir above its bare | B allocated / op | B promoted / op |`)
  log(`|---|---:|---:|---:|---:|---:|`)
  for (const [id, row] of Object.entries(rows)) {
    let ratio = ''
    let above = ''
    if (row.instructions !== undefined) {
      const base = bareOf(id)
      const baseIr = base === undefined || base === id ? undefined : rows[base]?.instructions
      if (baseIr !== undefined) above = `${Math.round(row.instructions - baseIr)} (− ${base})`
      const session = id.startsWith('http-') && !HIDDEN_CLASSES.includes(id)
      if (session && base === 'http-bare' && bare !== undefined && httpRaw > bare) {
        ratio = `${((row.instructions - bare) / (httpRaw - bare)).toFixed(2)} (− bare)`
      } else if (bareOf(id) === undefined && raw !== undefined) {
        ratio = (row.instructions / raw).toFixed(2)
      }
    }
    const ir = row.instructions === undefined ? '—' : Math.round(row.instructions).toString()
    log(
      `| ${id} | ${ir} | ${ratio} | ${above} | ${Math.round(row.allocatedBytes)} | ${Math.round(row.promotedBytes)} |`,
    )
  }
}
