// The shared adapter scenarios on Fastify 5: over real HTTP, and through fastify.inject.
import { runScenarios } from './support/adapter-scenarios.ts'
import { fastifyHarness, fastifyInjectHarness } from './support/scenario-frameworks.ts'

runScenarios(fastifyHarness)
runScenarios(fastifyInjectHarness, { transport: 'inject' })
