// Node's built-in modules, reached through process.getBuiltinModule (Node >= 20.16, Bun,
// Deno) rather than a static import, so the modules that use them stay loadable on runtimes
// without them. Callers check the shape of what they get.

interface NodeGlobals {
  process?: { getBuiltinModule?: (id: string) => unknown }
}

/** The built-in module `id`, or `undefined` on a runtime that has none. */
export function nodeBuiltin(id: string): unknown {
  const getBuiltinModule = (globalThis as NodeGlobals).process?.getBuiltinModule
  if (typeof getBuiltinModule !== 'function') return undefined
  try {
    return getBuiltinModule(id)
  } catch {
    return undefined
  }
}
