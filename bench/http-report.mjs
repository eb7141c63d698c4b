// The HTTP section and the performance targets of BENCHMARKS.md, from what
// bench/http/driver.mjs measured (results.http) and bench/targets.mjs evaluated.
import { HTTP_SCENARIOS } from './http/scenarios.mjs'

const x = (value) => (value === undefined ? '–' : `${value.toFixed(2)}×`)
const f = (value, digits = 1) => (value === undefined ? '–' : value.toFixed(digits))
const row = (cells) => `| ${cells.join(' | ')} |`
const header = (cells, align) => [row(cells), row(align ?? cells.map(() => '---'))].join('\n')

const COLUMNS = [
  'contender',
  'server CPU µs/req (median)',
  'spread (min–max)',
  'CPU × raw',
  'CPU × bare',
  'req/s',
  'p50 ms',
  'p99 ms',
  'cookie B',
]

// The bare row a contender is compared with: its framework's (named) or bare node:http.
function bareCell(s) {
  if (s.id === 'node-bare') return '(bare)'
  const base = s.bare ?? 'node-bare'
  const ratio = x(s.vs[base]?.cpu)
  return base === 'node-bare' ? ratio : `${ratio} (${base})`
}

function summaryRow(s) {
  return row([
    `\`${s.id}\` ${s.label}`,
    f(s.cpuUsPerRequest),
    `${f(s.cpuSpread.min)}–${f(s.cpuSpread.max)}`,
    s.id === 'raw-crypto' ? '(limit)' : x(s.vs['raw-crypto']?.cpu),
    bareCell(s),
    f(s.rps, 0),
    f(s.p50, 2),
    f(s.p99, 2),
    s.cookieBytes === 0 ? '–' : String(s.cookieBytes),
  ])
}

function notRunRow(id, label, reason) {
  return row([`\`${id}\` ${label}`, reason, ...Array(COLUMNS.length - 2).fill('')])
}

function checksTable(http) {
  const lines = [
    header([
      'contender',
      'slices',
      'server CPU µs/req per round',
      'req/s per round',
      'errors + non-2xx',
      'sessions loaded during load',
      'fresh sessions during load',
      'count after the load',
      'warm-up requests',
    ]),
  ]
  for (const s of http.summary) {
    lines.push(
      row([
        `\`${s.id}\``,
        String(s.slices),
        s.cpuPerRound.map((v) => v.toFixed(1)).join(' / '),
        s.rpsPerRound.map((v) => v.toFixed(0)).join(' / '),
        String(s.errors),
        s.session ? String(s.loaded) : '–',
        s.session ? String(s.fresh) : '–',
        s.session ? (s.afterBody ?? '–') : '–',
        String(http.warmupRequests?.[s.id] ?? '–'),
      ]),
    )
  }
  return lines.join('\n')
}

function httpTables(http) {
  const lines = [header(COLUMNS, ['---', ...Array(COLUMNS.length - 1).fill('---:')])]
  for (const s of http.summary) lines.push(summaryRow(s))
  for (const pending of HTTP_SCENARIOS.filter((s) => s.pending !== undefined)) {
    lines.push(notRunRow(pending.id, pending.label, `pending: ${pending.pending}`))
  }
  for (const skipped of http.skipped ?? []) {
    lines.push(notRunRow(skipped.id, skipped.label, `skipped: ${skipped.reason}`))
  }
  lines.push('', 'Checks and per-round figures:', '', checksTable(http))
  return lines.join('\n')
}

const WORKLOAD =
  'One session is primed first on every server (the first response must be "1", the second "2"), and every request then sends that cookie back: each request loads the existing session, increments a counter and writes it (a new sealed cookie; for the server-side stores, express-session\'s and sessionkit\'s, a store write: express-session saves the whole session, sessionkit writes a one-key patch and re-sends no cookie). The sessionkit server-store rows use the library\'s defaults; the filesystem row fsyncs each write and all connections write the one session, so its writes queue on that session\'s lock. "fresh sessions during load" must be 0. "count after the load" is the answer to one more request with the primed cookie after the last slice: 2 for the cookie stores (the cookie sent back always carries the count 1), the session\'s running count for the server stores (the session survived the whole run).'

function method(http, autocannonVersion) {
  const c = http.config
  const client = `autocannon ${autocannonVersion} in the parent process, ${c.connections} connections, pipelining 1, 127.0.0.1`
  if (http.method !== 'interleaved-slices') {
    return `**These figures come from an older run** (one contender at a time, not interleaved; re-run \`npm run bench\` for the current method). ${client}, ${c.warmupSeconds} s warm-up (not recorded) then ${c.seconds} s measured per contender, ${c.rounds} round(s) in alternating order; the table below is recomputed from those runs as medians. ${WORKLOAD}`
  }
  return `${client}. **Interleaved slices:** every contender's server is started up front, each in its own child process, primed and warmed up (not recorded) in runs of ${c.warmupSeconds} s until it has served ${c.warmupRequests ?? 0} requests, so its handler is optimized before it is measured; then ${c.rounds} round(s) in which every contender gets one ${c.seconds}-s slice of load, in an order that changes every round (rounds go in pairs, the second the reverse of the first, so over a pair every contender sits in the middle on average; each pair starts an even share further along the list), so drift and the rest of the machine's load fall evenly on all contenders (idle servers cost nothing meanwhile). **Server CPU µs per request is the headline figure:** the server's \`process.cpuUsage()\` (user + system) over exactly one slice divided by the requests it served in that slice. The load generator and the server share the machine's cores, so req/s measures the pair; CPU per request is the server's own cost and is what the targets use. Each figure is the median over a contender's slices and the spread their min–max; every ratio (× raw is to \`raw-crypto\`, × bare to the no-session row of the same framework, else bare node:http) is taken within each round, from that round's slices, and the median over rounds is shown. p50/p99 are each slice's quantiles of autocannon's per-response times (its own histogram has 1 ms buckets), median over slices. ${WORKLOAD}`
}

export function httpSection(http, autocannonVersion) {
  if (http === undefined) return '\n## HTTP (steady state, small session)\n\nNot measured.\n'
  return `
## HTTP (steady state, small session)

${method(http, autocannonVersion)}

${httpTables(http)}
`
}

export function performanceTargetsSection(targets) {
  if (targets === undefined) return ''
  const counts = ['PASS', 'MISS', 'PENDING']
    .map((s) => `${targets.filter((t) => t.status === s).length} ${s}`)
    .join(', ')
  const misses = targets.filter((t) => t.why !== undefined)
  const note = (t) => (t.why === undefined ? '' : `note ${misses.indexOf(t) + 1}`)
  const why =
    misses.length === 0
      ? ''
      : `\nWhy the misses happen (from this run's medians of server CPU per request):\n\n${misses.map((t, i) => `${i + 1}. ${t.why}`).join('\n')}\n`
  return `
## Performance targets: ${counts}

Each from server CPU per request in the HTTP slices (see "HTTP" below): a ratio within each round, from that round's slices, then the median over rounds. A target whose rows did not run is PENDING.

${header(['status', 'target', 'measured', 'why it missed'])}
${targets.map((t) => row([t.status === 'PASS' ? 'PASS' : `**${t.status}**`, t.text, t.measured, note(t)])).join('\n')}
${why}`
}
