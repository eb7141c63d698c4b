// One app process of the two-process test: serves the store given in SK_APP (JSON AppOptions)
// on a free port, tells the parent its URL over IPC, and exits when the parent disconnects.
import { startApp, type AppOptions } from './postgres-app.ts'

const options = JSON.parse(process.env['SK_APP'] ?? '{}') as AppOptions
const app = await startApp(options)
process.send?.({ url: app.url })
process.on('disconnect', () => {
  void app.close().finally(() => process.exit(0))
})
