// The PostgreSQL section of BENCHMARKS.md, from what bench/postgres.mjs measured.
const row = (cells) => `| ${cells.join(' | ')} |`
const f = (n, digits = 0) => (n === undefined ? '–' : n.toFixed(digits))

export function postgresSection(pg) {
  if (pg === undefined) return ''
  if (pg.unavailable !== undefined) {
    return `\n## PostgreSQL\n\nNot measured: no PostgreSQL at the configured server (${pg.unavailable}).\n`
  }
  const h = pg.http
  return `
## PostgreSQL

On the server at ${pg.server} (shared with the rest of the machine, default settings, so every
write waits for its WAL flush). Each figure is its own table, dropped afterwards.

Driver calls one at a time (a small session), ${pg.iterations} calls each; round trips counted on
the wire by a TCP proxy (a \`Query\`, \`Sync\` or \`Flush\` message the client sends is one):

${row(['client', 'call', 'µs (median)', 'µs (p99)', 'round trips per call'])}
${row(['---', '---', '---:', '---:', '---:'])}
${pg.driver.map((r) => row([r.client, r.op, f(r.medianUs), f(r.p99Us), f(r.roundTrips, 2)])).join('\n')}

HTTP: autocannon, ${h.connections} connections, ${h.warmupSeconds} s warm-up then ${h.seconds} s, one
primed session that every request loads, increments and saves (so all writes go to one row):

${row(['contender', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'errors'])}
${row(['---', '---:', '---:', '---:', '---:', '---:'])}
${h.rows.map((r) => row([r.label, f(r.rps), f(r.p50, 1), f(r.p99, 1), f(r.serverCpuUsPerRequest), String(r.errors)])).join('\n')}

Lost updates: ${pg.lostUpdates[0]?.requests ?? 100} concurrent requests on one session, each setting its own key after a 1–10 ms
pause; a key missing afterwards is a lost update:

${row(['contender', 'requests', 'failed', 'lost updates'])}
${row(['---', '---:', '---:', '---:'])}
${pg.lostUpdates.map((r) => row([r.label, String(r.requests), String(r.failed), `**${r.lost}**`])).join('\n')}
`
}
