// Optional filesystem-driver syscall measurement. bench/fs-syscalls.mjs is written separately;
// until it exists the report says "not measured" instead of failing the whole run.
import { existsSync } from 'node:fs'
import { URL } from 'node:url'

const modulePath = new URL('../fs-syscalls.mjs', import.meta.url)

// Accepts the module's default export or a named `measureDriverSyscalls` (or `measureFsSyscalls` / `measure`) function; the
// result is kept as returned (expected: { rows: [{ ... }], note? }) and rendered generically.
export async function measureFsSyscallsIfPresent(options) {
  if (!existsSync(modulePath)) return { measured: false, reason: 'bench/fs-syscalls.mjs absent' }
  const mod = await import(modulePath.href)
  const measure = mod.measureDriverSyscalls ?? mod.measureFsSyscalls ?? mod.measure ?? mod.default
  if (typeof measure !== 'function') {
    return { measured: false, reason: 'bench/fs-syscalls.mjs exports no measuring function' }
  }
  try {
    return { measured: true, result: await measure(options) }
  } catch (error) {
    return { measured: false, reason: `bench/fs-syscalls.mjs failed: ${error.message}` }
  }
}

const cell = (value) =>
  typeof value === 'number' ? String(Number(value.toFixed(2))) : String(value)

export function renderFsSyscalls(fsSyscalls) {
  const heading =
    '\n## Filesystem and SQLite drivers: CPU and thread-pool round trips per update\n\n'
  if (fsSyscalls === undefined || !fsSyscalls.measured) {
    return `${heading}not measured (${fsSyscalls?.reason ?? 'no data in this run'}).\n`
  }
  const { result } = fsSyscalls
  const rows = Array.isArray(result) ? result : (result?.rows ?? [])
  if (rows.length === 0) return `${heading}not measured (the module returned no rows).\n`
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const line = (cells) => `| ${cells.join(' | ')} |`
  const table = [
    line(columns),
    line(columns.map(() => '---')),
    ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? '')))),
  ]
  const note = typeof result?.note === 'string' ? `\n${result.note}\n` : ''
  return `${heading}${table.join('\n')}\n${note}`
}
