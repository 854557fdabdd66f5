import type { Command } from 'commander'
import { up, status, halt, resume, reset, snapshot, destroy, creds } from './lifecycle.js'
import { provision, check, ssh, exec } from './guest.js'
import { course, grade } from './course.js'
import { validate, plan, kickstart, labs, completion } from './lab-file.js'
import { iso, image } from './media.js'
import { klass } from './class.js'
import { bundle, cache } from './bundle.js'

/**
 * Commands in the order `lab --help` lists them: the lifecycle first, the course, then the tools around it.
 * `lab --help` loads every module here, so they are few (one per action module, not one per command) and
 * import no more than commander: each command loads its code when it runs (test/cli/help-startup.test.ts).
 */
export const COMMANDS: Array<(program: Command) => void> = [
  up,
  status,
  halt,
  resume,
  provision,
  check,
  course,
  grade,
  klass,
  ssh,
  exec,
  reset,
  snapshot,
  destroy,
  creds,
  labs,
  validate,
  plan,
  kickstart,
  iso,
  image,
  bundle,
  cache,
  completion,
]
