// Stand-in for `vmware-vdiskmanager`: creates real (tiny, sparse) VMDK files with -c, and
// answers -d / -k / -R on them. See README-vmware.md for what is and is not simulated.

import { dieOfSigpipeOnEpipe } from '../sigpipe.mjs'
import fs from 'node:fs'
import path from 'node:path'
import { readSimEnv, SimConfigError } from './sim-env.mjs'
import { withHostState } from './sim-state.mjs'
import { DiskError, createDisk, parseSize, readChain, supportedDiskType } from './vmdk.mjs'
import { vdiskmanagerUsage } from './vdiskmanager-usage.mjs'
import { hangForEver, hangs } from '../hang.mjs'

const ADAPTERS = ['ide', 'buslogic', 'lsilogic', 'pvscsi', 'sata', 'nvme']
const WITH_VALUE = new Set(['a', 's', 't', 'x', 'n', 'r', 'h', 'u', 'f'])
const OPERATIONS = ['c', 'd', 'k', 'n', 'p', 'r', 'x', 'R', 'e', 'D']

class Exit extends Error {
  constructor(stdout, code, stderr = []) {
    super('exit')
    this.stdout = stdout
    this.code = code
    this.stderr = stderr
  }
}

const usage = (stderr = []) => new Exit(vdiskmanagerUsage(), 1, stderr)

/** getopt(3) as the real tool uses it: "-s 20GB" and "-s20GB" both work. */
function getopt(argv) {
  const opts = {}
  const operands = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg)
      continue
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]
      if (!WITH_VALUE.has(c) && !OPERATIONS.includes(c) && c !== 'q') {
        throw usage([`vmware-vdiskmanager: invalid option -- '${c}'`])
      }
      if (!WITH_VALUE.has(c)) {
        opts[c] = true
        continue
      }
      const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i]
      if (value === undefined) throw usage([`vmware-vdiskmanager: option requires an argument -- '${c}'`])
      opts[c] = value
      break
    }
  }
  return { opts, operands }
}

function create(opts, file) {
  const sectors = parseSize(opts.s)
  const adapter = typeof opts.a === 'string' ? opts.a.toLowerCase() : undefined
  const type = Number(opts.t)
  if (sectors === null || !ADAPTERS.includes(adapter) || !/^[0-6]$/.test(String(opts.t ?? ''))) throw usage()
  if (!supportedDiskType(type)) throw new SimConfigError(`disk type ${type} (ESX/streaming formats) is not simulated`)
  const out = [`Creating disk '${file}'`]
  if (fs.existsSync(file)) throw new Exit([...out, 'Failed to create disk: The file already exists (0xc).'], 1)
  if (!fs.existsSync(path.dirname(path.resolve(file)))) {
    throw new Exit([...out, 'Failed to create disk: A file was not found (0x4).'], 1)
  }
  createDisk(file, { sectors, adapter, type })
  return [...out, '  Create: 100% done.', 'Virtual disk creation successful.']
}

/** Opens an existing disk (and its parents) or fails the way the real tool does. */
function open(file) {
  try {
    return readChain(file)[0]
  } catch (error) {
    if (!(error instanceof DiskError)) throw error
    const why = error.kind === 'missing' ? 'A file was not found (0x4)' : 'The file specified is not a virtual disk (0xf)'
    throw new Exit([`Failed to open the disk '${file}' : ${why}.`], 1)
  }
}

function operate(opts, operands) {
  const ops = OPERATIONS.filter((o) => opts[o] !== undefined)
  if (ops.length !== 1 || operands.length !== 1) throw usage()
  const [op] = ops
  const [file] = operands
  switch (op) {
    case 'c':
      return create(opts, file)
    case 'd':
      open(file)
      return ['  Defragment: 100% done.', 'Defragmentation completed successfully.']
    case 'k':
      open(file)
      return ['  Shrink: 100% done.', 'Shrink completed successfully.']
    case 'R':
      open(file)
      return [`No errors were found on the virtual disk, '${file}'.`]
    default:
      throw new SimConfigError(`operation -${op} is not simulated`)
  }
}

/** VMLAB_SIM_FAIL=vdiskmanager[:exit][=message] makes the next call fail once. */
function injectedFailure(env) {
  const specs = env.failSpecs.filter((f) => f.command === 'vdiskmanager')
  if (specs.length === 0) return undefined
  if (!env.stateDir) throw new SimConfigError('VMLAB_SIM_FAIL needs VMLAB_SIM_STATE to remember the failures it injected')
  return withHostState(env.stateDir, (state) => {
    const spec = specs.find((f) => !state.consumedFailures.includes(f.id))
    if (spec === undefined) return undefined
    state.consumedFailures.push(spec.id)
    return new Exit([spec.message ?? 'Failed to create disk: Unknown error (0x1).'], spec.exitCode ?? 1)
  })
}

function main() {
  dieOfSigpipeOnEpipe()
  let eol = '\n'
  if (hangs(process.env, 'vdiskmanager')) return hangForEver()
  try {
    const env = readSimEnv(process.env, { needState: false })
    eol = env.eol
    const { opts, operands } = getopt(process.argv.slice(2))
    const failure = injectedFailure(env)
    if (failure) throw failure
    process.stdout.write(operate(opts, operands).join(eol) + eol)
  } catch (error) {
    if (error instanceof Exit) {
      if (error.stderr.length > 0) process.stderr.write(error.stderr.join(eol) + eol)
      process.stdout.write(error.stdout.join(eol) + eol)
      process.exitCode = error.code
    } else if (error instanceof SimConfigError) {
      process.stderr.write(`vmware-vdiskmanager simulator: ${error.message}\n`)
      process.exitCode = 2
    } else {
      throw error
    }
  }
}

main()
