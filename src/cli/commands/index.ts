import type { Command } from 'commander'
import { register as up } from './up.js'
import { register as status } from './status.js'
import { register as reset } from './reset.js'
import { register as snapshot } from './snapshot.js'
import { register as destroy } from './destroy.js'
import { register as creds } from './creds.js'
import { register as provision } from './provision.js'
import { register as check } from './check.js'
import { register as ssh } from './ssh.js'
import { register as exec } from './exec.js'
import { register as validate } from './validate.js'
import { register as plan } from './plan.js'
import { register as kickstart } from './kickstart.js'
import { register as iso } from './iso.js'
import { register as image } from './image.js'

/** Commands in the order `lab --help` lists them: the lifecycle first, then the tools around it. */
export const COMMANDS: Array<(program: Command) => void> = [up, status, provision, check, ssh, exec, reset, snapshot, destroy, creds, validate, plan, kickstart, iso, image]
