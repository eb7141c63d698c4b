// The MySQL / MariaDB section of BENCHMARKS.md, from what bench/mysql.mjs measured.
const row = (cells) => `| ${cells.join(' | ')} |`
const f = (n, digits = 0) => (n === undefined ? '–' : n.toFixed(digits))

export function mysqlSection(my) {
  if (my === undefined) return ''
  if (my.unavailable !== undefined) {
    return `\n## MySQL / MariaDB\n\nNot measured: no server at ${my.server} (${my.unavailable}).\n`
  }
  return `
## MySQL / MariaDB

On the server at ${my.server} (shared with the rest of the machine, default settings), a table
of its own, dropped afterwards. Driver calls one at a time (a small session), ${my.iterations}
calls each, through a mysql2 promise pool of one connection; round trips counted on the wire
by a TCP proxy (every command the client starts that waits for a reply):

${row(['client', 'call', 'µs (median)', 'µs (p99)', 'round trips per call'])}
${row(['---', '---', '---:', '---:', '---:'])}
${my.rows.map((r) => row([r.client, r.op, f(r.medianUs), f(r.p99Us), f(r.roundTrips, 2)])).join('\n')}
`
}
