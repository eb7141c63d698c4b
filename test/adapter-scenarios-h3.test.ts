// The shared adapter scenarios on h3 2, over real HTTP and through app.request().
import { runScenarios } from './support/adapter-scenarios.ts'
import { h3Harness, h3RequestHarness } from './support/scenario-fetch-frameworks.ts'

runScenarios(h3Harness)
runScenarios(h3RequestHarness, { transport: 'inject' })
