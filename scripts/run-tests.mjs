// Runs the compiled unit tests with node's built-in runner. Node 20 does not expand globs
// for --test, and passing a directory would also run helper modules, so the explicit file
// list is built here.
import { spawn } from 'node:child_process'
import process from 'node:process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function collect(dir) {
  const out = []
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry)
    if (statSync(full).isDirectory()) out.push(...collect(full))
    else if (entry.endsWith('.test.js')) out.push(full)
  }
  return out
}

const files = collect('build/test').sort()
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
