// Renders BENCHMARKS.md from the results object that bench/run.mjs also writes as JSON.
import {
  MICRO_PAIRS,
  MICRO_ROUND_TRIPS,
  labelOf,
  passRatio,
  seriesOf,
  spread,
} from './analysis.mjs'
import { httpSection, performanceTargetsSection } from './http-report.mjs'
import { mysqlSection } from './mysql-report.mjs'
import { postgresSection } from './postgres-report.mjs'
import { renderRedis } from './redis.mjs'
import { renderFsSyscalls } from './lib/fs-syscalls-hook.mjs'
import { renderInstructions } from './lib/instructions-report.mjs'
import { renderScale } from './scale.mjs'

const us = (ns) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1)
const ops = (ns) => {
  const perSecond = 1e9 / ns
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k` : perSecond.toFixed(0)
}
const x = (value) => (value === undefined ? '–' : `${value.toFixed(2)}×`)
const row = (cells) => `| ${cells.join(' | ')} |`
const header = (cells, align) => [row(cells), row(align ?? cells.map(() => '---'))].join('\n')

function microTables(micro) {
  const lines = []
  for (const size of ['small', 'large']) {
    const bytes = micro.payloadBytes[size]
    lines.push(`### ${size === 'small' ? 'Small' : 'Large'} session (${bytes} bytes of JSON)`, '')
    lines.push('Pairs (one seal/sign plus one open/verify, summed per pass):', '')
    lines.push(
      header(
        [
          'pair',
          'group',
          'µs per pair (median)',
          'spread (min–max µs)',
          'pairs/s',
          '× its limit',
          '× raw AES-GCM',
          'CPU µs per pair',
          'CPU × its limit',
        ],
        ['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
      ),
    )
    for (const pair of MICRO_PAIRS) {
      const series = seriesOf(micro, size, pair.id)
      if (series === undefined) continue
      const s = spread(series)
      const limit =
        pair.limit === undefined ? undefined : passRatio(series, seriesOf(micro, size, pair.limit))
      const gcm = passRatio(series, seriesOf(micro, size, 'raw.gcm'))
      const cpuSeries = seriesOf(micro, size, pair.id, 'cpu')
      const cpuLimit =
        pair.limit === undefined
          ? undefined
          : passRatio(cpuSeries, seriesOf(micro, size, pair.limit, 'cpu'))
      lines.push(
        row([
          pair.label,
          pair.group,
          us(s.median),
          `${us(s.min)}–${us(s.max)}`,
          ops(s.median),
          limit === undefined ? '(limit)' : `${x(limit.median)} (vs ${pair.limit})`,
          x(gcm?.median),
          us(spread(cpuSeries).median),
          cpuLimit === undefined ? '(limit)' : x(cpuLimit.median),
        ]),
      )
    }
    lines.push(
      '',
      'Cookie round trips (parse the Cookie header, open, modify, seal, Set-Cookie string):',
      '',
    )
    lines.push(
      header(
        [
          'round trip',
          'group',
          'µs/op (median)',
          'spread (min–max µs)',
          'ops/s',
          '× raw round trip',
          'CPU µs/op',
          'CPU × raw round trip',
        ],
        ['---', '---', '---:', '---:', '---:', '---:', '---:', '---:'],
      ),
    )
    for (const trip of MICRO_ROUND_TRIPS) {
      const series = seriesOf(micro, size, trip.id)
      if (series === undefined) continue
      const s = spread(series)
      const ratio = passRatio(series, seriesOf(micro, size, 'raw.cookie.rt'))
      const cpuSeries = seriesOf(micro, size, trip.id, 'cpu')
      const cpuRatio = passRatio(cpuSeries, seriesOf(micro, size, 'raw.cookie.rt', 'cpu'))
      lines.push(
        row([
          labelOf(micro, trip.id),
          trip.group,
          us(s.median),
          `${us(s.min)}–${us(s.max)}`,
          ops(s.median),
          x(ratio?.median),
          us(spread(cpuSeries).median),
          x(cpuRatio?.median),
        ]),
      )
    }
    lines.push('', 'Every single operation:', '')
    lines.push(
      header(
        ['operation', 'group', 'µs/op (median)', 'spread (min–max µs)', 'ops/s', 'CPU µs/op'],
        ['---', '---', '---:', '---:', '---:', '---:'],
      ),
    )
    for (const r of micro.rows.filter((item) => item.size === size)) {
      const s = spread(r.nsPerPass)
      lines.push(
        row([
          `\`${r.key}\` ${r.label}`,
          r.group,
          us(s.median),
          `${us(s.min)}–${us(s.max)}`,
          ops(s.median),
          us(spread(r.cpuNsPerPass).median),
        ]),
      )
    }
    lines.push('')
  }
  return lines.join('\n')
}

const STORE_OPS = {
  get: 'get (load a stored session)',
  patch: 'update with a one-key patch',
  create: 'create (save a new session)',
  touch: 'touch (move the expiry)',
  cycle: 'request cycle via the manager: store.get(cookie) → set one key → store.save',
}

function storeTables(stores) {
  const lines = []
  const drivers = [...new Set(stores.rows.map((r) => r.driver))]
  for (const size of ['small', 'large']) {
    const rows = stores.rows.filter((r) => r.size === size)
    if (rows.length === 0) continue
    const bytes = stores.payloadBytes[size]
    lines.push(`### ${size === 'small' ? 'Small' : 'Large'} session (${bytes} bytes of JSON)`, '')
    lines.push(
      header(
        [
          'operation',
          ...drivers.flatMap((d) => [`${d} µs/op (spread)`, `${d} ops/s`, `${d} CPU µs/op`]),
        ],
        ['---', ...drivers.flatMap(() => ['---:', '---:', '---:'])],
      ),
    )
    for (const [op, label] of Object.entries(STORE_OPS)) {
      const cells = drivers.flatMap((driver) => {
        const r = rows.find((item) => item.driver === driver && item.op === op)
        if (r === undefined) return ['–', '–', '–']
        const s = spread(r.usPerPass.map((v) => v * 1000))
        return [
          `${us(s.median)} (${us(s.min)}–${us(s.max)})`,
          ops(s.median),
          us(spread(r.cpuUsPerPass.map((v) => v * 1000)).median),
        ]
      })
      lines.push(row([label, ...cells]))
    }
    lines.push('')
  }
  return lines.join('\n')
}

function lostUpdatesTable(lost) {
  const lines = [
    header(
      [
        'contender',
        'lost keys',
        'kept keys',
        'failed requests',
        'max requests in flight',
        'round ms',
      ],
      ['---', '---:', '---:', '---:', '---:', '---:'],
    ),
  ]
  for (const r of lost.rows) {
    if (r.skipped !== undefined) {
      lines.push(row([`\`${r.id}\` ${r.label}`, `skipped: ${r.skipped}`, '', '', '', '']))
      continue
    }
    const failures = r.failures.length > 0 ? ` (${r.failures.join('; ')})` : ''
    lines.push(
      row([
        `\`${r.id}\` ${r.label}`,
        r.kind === 'sessionkit' ? String(r.lost) : `**${r.lost}**`,
        String(r.kept),
        `${r.failedRequests}${failures}`,
        String(r.maxInFlight),
        r.roundMs.toFixed(0),
      ]),
    )
  }
  return lines.join('\n')
}

function microSection(micro) {
  if (micro === undefined)
    return '## Micro benchmarks\n\nNot measured in this run (`--only-http`).\n'
  return `## Micro benchmarks

A time-boxed harness (\`bench/lib/harness.mjs\`): per benchmark a warm-up that also sizes batches at ~1 ms, then ${micro.config.passes} passes of ${micro.config.passMs} ms in alternating order, \`--expose-gc\` and a GC before each benchmark. The figure is the median over passes of the mean time per operation; the spread is the min–max over passes. Web Crypto rows await each call one at a time (so they include the thread-pool hop). Ratios are medians of per-pass ratios. The CPU columns are process CPU time per operation (all threads, so Web Crypto rows include the thread-pool work): on a shared machine they are the steadier figure, while wall time (the ops/s columns and the targets) is what a user sees. Every contender gets the same payload object; JSON.stringify / JSON.parse are inside every row.

${microTables(micro)}`
}

function memoryTable(memory) {
  const lines = [header(['store', 'payload', 'bytes per stored session'], ['---', '---', '---:'])]
  for (const r of memory.rows) {
    lines.push(
      row([
        r.label,
        r.size,
        r.pending === undefined ? r.bytesPerSession.toFixed(0) : `pending: ${r.pending}`,
      ]),
    )
  }
  return lines.join('\n')
}

function memorySection(memory) {
  if (memory === undefined)
    return '## Memory per stored session\n\nNot measured in this run (`--only-http`).\n'
  return `## Memory per stored session

${memory.sessions} distinct sessions per store, the same payload objects for both (each with its own \`userId\`), ids of 43 characters; growth of \`heapUsed + external\` after a full GC, divided by the count (approximate). express-session's MemoryStore keeps one JSON string per session; sessionkit's memory driver keeps the record's values as objects (structured-cloned on the way in), in a \`Map\` ordered for LRU eviction. The filesystem and SQLite drivers keep nothing per session in the heap.

${memoryTable(memory)}`
}

function storesSection(stores) {
  if (stores === undefined) return ''
  const settings = Object.entries(stores.settings)
    .map(([driver, text]) => `${driver}: ${text}`)
    .join('; ')
  const c = stores.config
  return `
## Store operations (sessionkit's server-side drivers)

\`bench/stores.mjs\`: each operation on its own fresh driver (memory; filesystem in a temp dir; SQLite: better-sqlite3 on a file in a temp dir), one call awaited at a time, with the drivers' defaults (durability: ${settings}). Per operation a warm-up (${c.warmupMs} ms and at least ${c.minWarmupOps[0].toLocaleString('en')} calls on memory, ${c.minWarmupOps[1]} on disk), then ${c.passes} passes of ${c.passMs} ms in alternating order, the disk drivers also capped at ${c.maxDiskOpsPerPass.toLocaleString('en')} calls per pass. The figure is the median over passes of the mean time per call, the spread the min–max over passes; CPU is process CPU time per call (all threads, so the thread-pool work of the filesystem driver is included). \`create\` on the memory driver runs into its default cap of 10,000 sessions, so it measures insert + LRU eviction. The request cycle goes through \`createServerStore\` (defaults: signed id cookie, per-key patches, a timeout around every driver call): the cookie is opened and verified, the record loaded and a one-key patch written; the cookie is not re-sent. SQLite: ${stores.sqlite}.

${storeTables(stores)}`
}

function lostUpdatesSection(lost) {
  if (lost === undefined) return ''
  return `
## Lost updates under concurrent writes to one session

\`bench/lost-updates.mjs\`: per contender a node:http server in its own process on 127.0.0.1. One session is created (GET /init), then ${lost.requests} requests go out at once, each on its own connection and all with that session's cookie, and request *i* sets key \`k<i>\` = *i* (${lost.requests} different keys). Each handler waits 1–10 ms (by *i*) between loading the session and changing it, as a handler doing some I/O would, the same in every server; "max requests in flight" shows that the requests overlapped. Afterwards the session is read back and the missing keys counted. One round per contender, each request with a 10 s timeout.

${lostUpdatesTable(lost)}

express-session saves the whole session object it loaded at the end of each request (MemoryStore.set), so each save overwrites the keys that other requests saved after this one loaded; only the last writers' keys survive. sessionkit's server store writes per-key patches (\`conflicts: 'merge'\`, the default), applied atomically by each driver (the memory driver in one synchronous step, SQLite in a \`BEGIN IMMEDIATE\` transaction, the filesystem driver under a per-session lock), so requests that change different keys all survive.
`
}

export function renderReport(results) {
  const { machine: m, micro, http, memory, targets, versions, stores, lostUpdates } = results
  const commit = m.dirty
    ? `uncommitted (working tree differs from ${m.commit}; dist/ was built from the working tree)`
    : m.commit
  const counts = ['PASS', 'MISS', 'PENDING']
    .map((s) => `${targets.filter((t) => t.status === s).length} ${s}`)
    .join(', ')
  const notes = [...new Set(targets.filter((t) => t.whyKey !== undefined).map((t) => t.whyKey))]
  const noteOf = (t) => (t.whyKey === undefined ? '' : `note ${notes.indexOf(t.whyKey) + 1}`)
  const noteText = (key) => targets.find((t) => t.whyKey === key).why
  return `# Benchmarks

sessionkit against the raw-crypto limit and its peers, on one machine, with one payload set, in one
run. Produced by \`npm run bench\`${results.quick ? ' **--quick** (short passes: indicative only)' : ''}; raw figures in
[\`bench/results/latest.json\`](bench/results/latest.json). Read the **ratios**: they are computed
inside the run against baselines measured in the same run (and, for the micro benchmarks, in the
same pass), which is what survives a noisy virtual machine.

- **Date:** ${m.date}
- **Commit:** ${commit}
- **Machine:** ${m.cpu} (flags: ${m.cpuFlags.join(', ') || 'none of aes/avx2/sha_ni/vaes'}), ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform}
- **Runtime:** Node ${m.node}, OpenSSL ${m.openssl}, V8 ${m.v8}, libuv thread pool ${m.uvThreadpoolSize}
- **Load average at start:** ${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(', ')}. ${(m.loadAverageAtStart[0] ?? 0) < 1 ? 'Nothing else was running; the load generator and the servers still share the 2 cores.' : 'Other work was running on the 2 cores, so absolute numbers are noisy and low; re-run on a quiet machine before quoting them.'}
- **Duration:** ${results.durationSeconds.toFixed(0)} s

## Targets (issue 5): ${counts}

${header(['status', 'target', 'measured', 'why it missed'])}
${targets.map((t) => row([t.status === 'PASS' ? 'PASS' : `**${t.status}**`, t.text, t.measured, noteOf(t)])).join('\n')}

Why the misses happen (from the profiles; fixes under "Findings" below):

${notes.map((key, i) => `${i + 1}. ${noteText(key)}`).join('\n')}
${performanceTargetsSection(results.performanceTargets)}${httpSection(http, versions.autocannon)}
${microSection(micro)}${storesSection(stores)}
${memorySection(memory)}
${results.scale === undefined ? '' : `${renderScale(results.scale).join('\n')}\n`}
${lostUpdatesSection(lostUpdates)}${postgresSection(results.postgres)}${mysqlSection(results.mysql)}${renderRedis(results.redis)}${renderFsSyscalls(results.fsSyscalls)}${renderInstructions(results.instructions)}
## Versions and notes

${header(['package', 'version'])}
${Object.entries(versions)
  .map(([name, version]) => row([name, version]))
  .join('\n')}

- **iron-session:** npm resolves \`iron-session\` to 8.x on Node 20, and 8.x is what is benchmarked (HTTP and micro). iron-session 9.0.1 declares \`engines.node >= 22.13\` (and depends on \`cookie@2\`, which wants Node >= 22) but does load and seal/unseal on Node 20.20.2; it is not installed here to keep \`npm install\` free of engine warnings for it. Its Iron implementation, **iron-webcrypto 2**, is benchmarked directly (micro rows \`iron2.*\`).
- **@fastify/secure-session** uses **sodium-native**, which installed from the prebuilds inside its npm package (no compiler needed). \`@fastify/cookie\` pulls \`cookie@2\`, which prints an EBADENGINE warning on Node 20 but works.
- **express-session** uses its own nested cookie-signature (version above) and \`cookie\`; the micro rows use those copies.
- Fetch rows are served through a minimal hand-written node:http → Request/Response bridge (\`serveFetch\` in \`bench/http/server.mjs\`), the same for every Fetch row; \`fetch-bare\` shows what the bridge alone costs.

## Findings from profiling (and what was changed)

Method: \`node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/micro.mjs --only='small:sk.node.sealed.seal'\`, then \`node bench/top-frames.mjs /tmp/prof\` (top self/inclusive frames). CPU-time (\`process.cpuUsage\`) loops were used to separate the parts, because wall time on this shared machine was too noisy.

1. **Changed:** \`src/lib/crypto/node.ts\` \`base64urlDecode\` first checked every character with a JS loop (~6 µs for a 2.7-KB token, ~18% of a large open), then re-encoded Buffer's result to compare it with the input (a full encode and a string per open). It now tests the alphabet with one regular expression and the unused low bits of the last character, then decodes with Buffer: the same strict rules (no other characters, no '+' '/' '=', no length of 1 mod 4, no non-zero trailing bits), ~480 B less allocated per open; checked exhaustively on every last character and by property tests against the portable decoder.
2. **Changed:** \`randomFillSync(new Uint8Array(12))\` per IV was ~20% of a seal (a native call each time). The node backend now draws small random values from a 4-KB pool refilled with \`randomFillSync\` when used up; every byte is handed out once (as Node does for \`randomUUID\`). The nonce-uniqueness test (CRY-08) and the golden vectors still pass.
3. **Changed:** the ciphertext was copied twice on seal. \`AeadKey.seal\` now takes the token's prefix (header and IV) and writes the final bytes once; the header is written with room for the IV and the key id bytes are encoded once per codec; signed tokens MAC the header, context and payload as parts (\`hmac.update\` per part) instead of concatenating them.
4. **Changed (Web Crypto backend):** \`base64urlEncode\` writes the ASCII codes into one reused, wiped scratch buffer and makes the string with a single \`TextDecoder\` call (it built the string from two-character pieces); \`base64urlDecode\` copies the text with \`TextEncoder.encodeInto\` and assembles each quartet with four table lookups and one sign check for a bad character (as strict as before); \`seal\`, \`open\`, \`sign\` and \`verify\` return chained promises instead of async functions (one promise and one resumption less per call). Instructions per seal + open of the small payload: 297k → 249k against 189k for raw Web Crypto (1.57× → 1.31×); sign + verify 1.27× → 1.12×. What remains is the format (header, AAD) and base64url in JavaScript against Buffer's native one, which a web-standard core cannot call.
5. **Partly changed (cookie store, every request):** the HTTP gap to the raw handler is mostly outside the crypto. Changed: resolved cookie options are no longer re-validated on each save (\`serializeResolvedSetCookie\`), the cookie size is computed from the ASCII lengths instead of a UTF-8 walk, and \`store.get\` no longer awaits a synchronous \`codec.open\` (one resolved promise on the node backend). Later (finding 12): the session's values are serialized without a copy and loaded without a list of pairs, and the Session makes fewer collections. Still there: the payload's JSON parse and stringify (the format's floor pays them too) and the promise hops through the registry.
6. **Not a sessionkit bug:** @fastify/secure-session (libsodium secretbox via sodium-native, one native call per operation) is cheaper per call than any node:crypto AES-GCM path, including the raw limit row: \`createCipheriv\` builds a Cipher object and takes five native calls. "At least as fast as the closest peer" against it is out of reach with node:crypto AES-GCM on Node 20; a sealed format on XChaCha20-Poly1305/secretbox would need a native dependency.
7. **Changed (server store, every driver call):** \`withTimeout\` armed a \`setTimeout\` around every driver call and cleared it when the call settled (two timers per steady-state request, and V8 dropped the optimized timer code after each full GC). The store now keeps one FIFO deadline queue (every call has the same limit, so deadlines expire in order): one timer for the oldest pending call, armed only while a call is pending and cleared when none is (tests in \`test/server-store.test.ts\`).
8. **Changed (memory driver):** records are deep-frozen when written and handed out as they are (no \`structuredClone\` per \`get\`); plain JSON is copied by hand at its exact size (arrays without spare slots) and ids are kept as flat strings, not the concatenation trees V8 builds: ~1,430 → ~650–800 heap bytes per stored small session (see the scale section).
9. **Changed (filesystem driver):** an \`update\` takes 16 libuv thread-pool round trips instead of ~20 (one read of the fstat'd size, a chmod only when the umask stripped bits from the lock file's mode), 198 syscalls instead of 238 (the syscall table above).
10. **Changed (Fetch adapters):** \`appendSetCookies\` read \`response.type\` on every response; on @hono/node-server that getter builds the full \`Response\` and sends the reply down its slow streaming path. It is read now only when the headers refuse the cookies (\`Response.error()\`): sessionkit/hono's own cost on @hono/node-server fell from ~1,441k to ~652k instructions per request.
11. **Changed (node:http adapter, registry, Session):** per-request state no longer reaches the old generation (bytes promoted per request on the loopback node:http row 7,615 → 52, from --trace-gc-nvp): the response gate is its sessions' options object and stands in for the four response methods with shared functions that find it on \`this\` (no bound functions or closures per request), the registry and request bookkeeping make their failure lists and closures only when needed, the transport is worked out once per request, and a Session's flash, frozen and changed-key collections are \`undefined\` until first written (each session's own; none is shared). The cookie store opens a single cookie value directly. Instructions per request above bare node:http: 932k → 781k; the cookie store's get / increment / save 308k → 273k. Tried and reverted: sealing the JSON string with \`cipher.update(text, 'utf8')\` and \`Buffer.concat\` (fewer bytes, more instructions).
12. **Changed (codec and cookie store on node:crypto, every request):** node:crypto reads any \`ArrayBufferView\` through \`view->Buffer()\`, which moves a small in-heap \`Uint8Array\` (64 bytes or fewer: the AAD, the IV slice, a signed header) out of the heap with a malloc of its own first, and a \`TextEncoder\` array or a fresh \`Uint8Array\` over 64 bytes is such a malloc too. The backend now gives the codec Buffers from Node's pool for all of them (\`CryptoBackend.allocate\`, \`utf8Encode\`, the sealed token). The cookie store serializes the session's live values instead of a snapshot copy, a loaded session takes the parsed JSON object as it is (no list of pairs), the Cookie scanner finds \`;\` and \`=\` with \`indexOf\` (it walked every character of the token), reading or incrementing a number no longer makes a set of frozen keys, a save's mark is a flat array instead of a Map, the plain-HTTP warning asks the (cached) transport before testing the header, and the Fetch adapters read a plain \`http(s)://host\` URL without the URL parser. Measured in one process, interleaved: a codec seal + open 1.21× → 1.02× the format's floor written by hand; the cookie store's get / increment / save 0.84× its time before; in one interleaved HTTP run, sk-node 1.47× → 1.36× the raw handler. callgrind disagrees on the pooled Buffers (the codec row rose from 177k to 207k instructions while its time fell 10%): it counts the instructions of the pool's JavaScript but not what the in-heap arrays cost outside it (fresh memory, page faults, external-memory accounting), so the instruction table below understates this change. Tried and reverted: Fastify hooks in callback style instead of async (no difference outside the noise in an interleaved run). Measured and left: under Express, the gate's five properties on a response whose prototype Express replaced (the \`http-proto-props\` row: 252k instructions and 11.5 KB for five properties after the prototype change); on @hono/node-server, any header written after the handler makes the lightweight response build a full \`Headers\` and leave its fast path (a bare Hono middleware that appends one Set-Cookie and Cache-Control after \`next()\` costs 5.1 µs per request above hono-bare, 1.7 µs of it the middleware alone).
13. **Changed (Express adapter):** Express replaces each request's and response's prototype (\`Object.setPrototypeOf\`), and V8 gives such an object a hidden class of its own for every property added after that, and keeps it, with all it references, alive through young-generation collections (in a micro test, the share of young objects promoted went from 0.6% to 87% once one property was added after the prototype change; Express itself adds \`res.locals\`, \`req.params\`, ...). The gate's stand-ins for \`writeHead\`, \`write\`, \`end\` and \`flushHeaders\` and its symbol were five such properties per response; they are now installed once on node's \`http.ServerResponse.prototype\`, the one prototype on every Express response's chain (whichever Express copy or sub-app re-prototypes it), and find the request's gate through \`res.req.sessions\` (a response is gated on itself only where something before \`sessions()\` already wrapped one of the four, or an app defines its own on \`app.response\`). A first version installed them on Express's own response prototype, with the same cost; a review found that a sub-app of another Express copy, called as a function, re-prototyped responses away from them. Measured: callgrind, sk-express 525k → 395k instructions above express-bare (389k in a second run at the final commit), 67.0 → 44–59 KB allocated and 16.1 → 10–11 KB promoted per request over the two runs (sk-express-memory 585k → 424–463k, below express-session's 557k); interleaved over HTTP in one run on a busy machine, sk-express 287 → 233 µs per request (express-bare 112). Tried and reverted: \`req.sessions\` and \`req.session\` as accessors on Express's request prototype over a WeakMap (the last two properties the adapter adds per request): slower in an interleaved run (277 → 328 µs per request). Measured for target note 1: the format's floor answered after a promise and with \`Cache-Control: no-store\`, as a session API must (the new raw-floor-async row), is what sk-node should be held to beside the raw handler.

## How to run

\`\`\`sh
npm install
npm run bench              # full run (~10 min with ~30 HTTP contenders): builds the library, then bench/run.mjs
npm run bench -- --quick   # a few minutes, short passes and one round of HTTP slices, indicative only
node bench/run.mjs --only-http               # the HTTP phase alone (after npm run build); the other sections say "not measured"
BENCH_HTTP_ONLY=node-bare,raw-crypto,sk-node node bench/run.mjs --only-http --http-rounds=4 --http-slice=2   # some contenders
node --expose-gc bench/micro.mjs --only='small:(raw.gcm|sk.node.sealed)'   # a subset, printed
node bench/profile-http.mjs sk-node          # CPU profile of one HTTP contender under load
node bench/run.mjs --report-only             # re-render BENCHMARKS.md from bench/results/latest.json
\`\`\`
`
}
