// The instruction counts of bench/instructions.mjs (callgrind), kept in
// bench/results/instructions.json by `node bench/instructions.mjs --save`: callgrind takes
// minutes per contender, too long for every run. BENCHMARKS.md shows them with the commit they
// were measured at, and the explanations of the CPU targets cite them, because instruction
// counts move far less with the load of the machine than timings do.
import { existsSync, readFileSync } from 'node:fs'
import { URL } from 'node:url'

const SAVED = new URL('../results/instructions.json', import.meta.url)

// The HTTP bench's row ids and the instruction counter's contenders for the same server.
const CONTENDER_OF = {
  'node-bare': 'http-bare',
  'raw-crypto': 'http-raw',
  'raw-floor': 'http-floor',
  'raw-floor-async': 'http-floor-async',
  'sk-node': 'http-node',
  'fetch-bare': 'http-fetch-bare',
  'sk-fetch': 'http-fetch',
}

/** The saved counts, or undefined when none were saved. */
export function loadInstructions() {
  return existsSync(SAVED) ? JSON.parse(readFileSync(SAVED, 'utf8')) : undefined
}

/** Instructions per request of an HTTP bench row, from the saved counts (or undefined). */
export function instructionsOf(saved) {
  return (row) => saved?.rows?.[CONTENDER_OF[row] ?? `fw:${row}`]?.instructions
}

/**
 * The no-session contender a loopback contender is measured against: its framework's bare row,
 * the bare Fetch bridge for the Fetch row, else bare node:http; undefined for in-process rows.
 */
export function bareContenderOf(id) {
  if (id.startsWith('fw:')) return `fw:${/express|fastify|koa|hono/.exec(id)?.[0]}-bare`
  if (id === 'http-fetch') return 'http-fetch-bare'
  return id.startsWith('http-') ? 'http-bare' : undefined
}

const thousands = (value) => `${Math.round(value / 1000)}k`

/**
 * One sentence for a target's explanation: what `ours` adds above `bare` in instructions,
 * against what sk-node adds above bare node:http. Empty when the counts are missing.
 */
export function instructionShare(ir, ours, bare) {
  const figures = [ir(ours), ir(bare), ir('sk-node'), ir('node-bare')]
  if (figures.some((value) => value === undefined)) return ''
  const [mine, mineBare, node, nodeBare] = figures
  const added = mine - mineBare
  const nodeAdded = node - nodeBare
  return ` Counted in instructions (callgrind; "Instructions per request" below), ${ours} adds ${thousands(added)} per request above ${bare} and sk-node ${thousands(nodeAdded)} above bare node:http: ${(added / nodeAdded).toFixed(2)}× the node:http adapter's.`
}

/**
 * What replacing a response's prototype does to the properties added afterwards, from the
 * hidden-class contenders: empty when they were not counted.
 */
export function hiddenClassCost(saved) {
  const rows = saved?.rows ?? {}
  const [bare, props, proto, both] = [
    'http-bare',
    'http-props',
    'http-proto',
    'http-proto-props',
  ].map((id) => rows[id])
  if ([bare, props, proto, both].some((row) => row?.instructions === undefined)) return ''
  const cost = (row) => {
    const instructions = row.instructions - bare.instructions
    const bytes = Math.round(row.allocatedBytes - bare.allocatedBytes)
    // Differences this small are the runs' noise.
    return Math.abs(instructions) < 5000 && Math.abs(bytes) < 500
      ? 'nothing measurable'
      : `${thousands(instructions)} instructions and ${bytes} B`
  }
  return ` Express gives every request and response its own prototype (Object.setPrototypeOf), and V8 then makes a new hidden class for each property added to that object: on bare node:http, five properties added to the response cost ${cost(props)} per request, the prototype change alone ${cost(proto)}, both together ${cost(both)} (http-props, http-proto, http-proto-props below). Express adds its own (res.locals, req.params, ...) after that change, so every request and response has a hidden class of its own, every access to them misses V8's inline caches, and they and all they reference survive young-generation collections. The adapter keeps its own additions to req.sessions and req.session: its stand-ins for the four response methods are installed once on node's http.ServerResponse.prototype, not on each response.`
}

function row(cells) {
  return `| ${cells.join(' | ')} |`
}

// Rows re-measured later (`--save --merge`) say at which commit.
function remeasured(saved) {
  const later = Object.values(saved.rows).filter(
    (r) => r.commit !== undefined && r.commit !== saved.commit,
  )
  if (later.length === 0) return ''
  const dates = [...new Set(later.map((r) => `${r.commit}, ${r.date}`))].join('; ')
  return ` Rows marked "at" a commit were re-measured there (\`--save --merge\`: ${dates}), on the same machine; the others are from the commit above.`
}

/** The section of BENCHMARKS.md. */
export function renderInstructions(saved) {
  const heading = '\n## Instructions per request (callgrind)\n\n'
  if (saved?.rows === undefined) {
    return `${heading}Not measured: no bench/results/instructions.json (\`node bench/instructions.mjs --save\`).\n`
  }
  const rows = saved.rows
  const lines = Object.entries(rows).map(([id, r]) => {
    const base = bareContenderOf(id)
    const baseIr = base === undefined || base === id ? undefined : rows[base]?.instructions
    const above =
      r.instructions === undefined || baseIr === undefined
        ? ''
        : `${thousands(r.instructions - baseIr)} (− ${base})`
    return row([
      r.commit === undefined || r.commit === saved.commit
        ? `\`${id}\``
        : `\`${id}\` (at ${r.commit})`,
      r.instructions === undefined ? '—' : thousands(r.instructions),
      above,
      String(Math.round(r.allocatedBytes)),
      String(Math.round(r.promotedBytes)),
    ])
  })
  return `${heading}\`node bench/instructions.mjs --save\` at commit ${saved.commit} (${saved.date}, Node ${saved.node}, ${saved.n} and ${3 * saved.n} requests per contender, the difference divided by ${2 * saved.n}): one request of each server behind an in-process keep-alive client, under valgrind's callgrind, which counts instructions rather than time, far steadier than timings but not exact: runs of the same code differ by up to about 5% (http-node at one commit read 676k and 711k, http-fetch 1130k to 1198k over this code's runs), as a collection or a compilation falls inside one run's measured requests and not the other's, so a difference of a few percent between rows measured at different times is not a change; bytes allocated and promoted per request from V8's GC trace in separate runs. The client's cost is in every row, so read the column "above its bare": what a row adds to the same server without sessions. \`fw:\` rows are the framework rows of the HTTP table.${remeasured(saved)}

${row(['contender', 'instructions / request', 'above its bare', 'B allocated / request', 'B promoted / request'])}
${row(['---', '---:', '---:', '---:', '---:'])}
${lines.join('\n')}
`
}
