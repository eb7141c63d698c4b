// The shared adapter scenarios on Koa 3, over real HTTP.
import { runScenarios } from './support/adapter-scenarios.ts'
import { koaHarness } from './support/scenario-frameworks.ts'

runScenarios(koaHarness)
