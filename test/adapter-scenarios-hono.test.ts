// The shared adapter scenarios on Hono 4, over real HTTP and through app.request().
import { runScenarios } from './support/adapter-scenarios.ts'
import { honoHarness, honoRequestHarness } from './support/scenario-fetch-frameworks.ts'

runScenarios(honoHarness)
runScenarios(honoRequestHarness, { transport: 'inject' })
