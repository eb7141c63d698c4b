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

// Most test files wait on servers, browsers and child runtimes rather than compute, so a few
// run at once even on two cores (node's default here would be one at a time). Each file is its
// own process, with its own ports, temp dirs, key prefixes and tables.
const concurrency = Number(process.env.SESSIONKIT_TEST_CONCURRENCY ?? 3)
const files = collect('build/test').sort()
const args = ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files]
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
