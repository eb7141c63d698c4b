// The shared adapter scenarios on Express 5 and Express 4, over real HTTP.
import express from 'express'
import express4 from 'express4'

import { runScenarios } from './support/adapter-scenarios.ts'
import { expressHarness } from './support/scenario-frameworks.ts'

runScenarios(expressHarness('Express 5', () => express(), true))
runScenarios(expressHarness('Express 4', () => express4(), false))
