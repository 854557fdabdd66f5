import type { Command } from 'commander'
import { register as validate } from './validate.js'
import { register as plan } from './plan.js'
import { register as iso } from './iso.js'
import { register as kickstart } from './kickstart.js'

/** Commands in the order `lab --help` lists them. */
export const COMMANDS: Array<(program: Command) => void> = [validate, plan, kickstart, iso]
