/**
 * The class file (`class.yaml`): which lab the class works on, the pool its students' networks come from,
 * the hosts that run them (each with its provider, connection and capacity) and, when the VMs are not
 * routable from the students' machines, the jump host their SSH goes through. Errors are file:line:col.
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { lineIndex, locate, type Path } from '../lab/locate.js'
import { parseCidr } from '../lab/net.js'
import { LabFileError, type Problem } from '../lab/problems.js'
import { PROVIDER_NAMES, type ProviderName } from '../lab/provider-names.js'
import { capabilitiesOf } from '../providers/capabilities.js'
import { InputError } from '../util/errors.js'

export interface ClassHost {
  name: string
  provider: ProviderName
  /** How the provider reaches the host (a libvirt URI such as qemu+ssh://lab@srv1/system); none: this machine. */
  connection?: string
  memory: number
  cpus: number
}

export interface ClassFile {
  /** The class file's path (the lab and the roster are relative to its folder). */
  path: string
  /** The lab file, absolute, or the name of a built-in lab. */
  lab: string
  pool: string
  /** Instances brought up at once on one host. */
  concurrency: number
  /** `user@host[:port]` that students SSH through to reach their VMs. */
  jump?: string
  hosts: ClassHost[]
}

export const DEFAULT_CLASS_FILE = 'class.yaml'
const KEYS = ['lab', 'pool', 'concurrency', 'jump', 'hosts']
const HOST_KEYS = ['name', 'provider', 'connection', 'memory', 'cpus']

export function parseClassFile(text: string, path: string): ClassFile {
  const doc = parseDocument(text)
  const lines = lineIndex(text)
  const problems: Problem[] = []
  const bad = (at: Path, message: string, hint: string, as: 'key' | 'value' = 'value') => problems.push({ path: at, message, hint, ...locate(doc, lines, at, as) })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    throw new LabFileError(path, [{ path: [], message: e.message.split('\n')[0]!, hint: 'fix the YAML syntax', ...lines.linePos(e.pos[0]) }])
  }
  const data = doc.toJS() as Record<string, unknown> | null
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new LabFileError(path, [{ path: [], message: 'the class file is not a mapping', hint: 'write lab:, pool: and hosts: keys', line: 1, col: 1 }])
  for (const k of Object.keys(data)) if (!KEYS.includes(k)) bad([k], `unknown key ${k}`, `the keys are ${KEYS.join(', ')}`, 'key')
  const lab = data.lab
  if (typeof lab !== 'string' || lab === '') bad(['lab'], 'lab: missing', 'give the lab file (relative to the class file) or a built-in lab name')
  const pool = data.pool
  if (typeof pool !== 'string') bad(['pool'], 'pool: missing', "give the block the students' networks come from, e.g. pool: 10.60.0.0/16")
  else {
    const p = parseCidr(pool)
    if (!('network' in p)) bad(['pool'], p.message, p.hint)
  }
  const concurrency = data.concurrency ?? 2
  if (!Number.isInteger(concurrency) || (concurrency as number) < 1 || (concurrency as number) > 64)
    bad(['concurrency'], 'concurrency must be a whole number 1–64', 'how many students a host brings up at once; 2 is a good start')
  const jump = data.jump
  if (jump !== undefined && (typeof jump !== 'string' || !/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?$/.test(jump)))
    bad(['jump'], 'jump must be user@host or user@host:port', 'the machine students SSH through to their VMs')
  const hosts: ClassHost[] = []
  if (!Array.isArray(data.hosts) || data.hosts.length === 0) bad(['hosts'], 'hosts: missing', 'list at least one host: { name, provider, memory, cpus }')
  else {
    const names = new Set<string>()
    // provider + connection → the first host that names it: two entries for one machine would double its capacity.
    const reached = new Map<string, string>()
    for (const [i, h] of (data.hosts as Array<Record<string, unknown>>).entries()) {
      if (h === null || typeof h !== 'object') {
        bad(['hosts', i], 'a host is a mapping', 'write { name, provider, memory, cpus }')
        continue
      }
      for (const k of Object.keys(h)) if (!HOST_KEYS.includes(k)) bad(['hosts', i, k], `unknown key ${k}`, `a host has ${HOST_KEYS.join(', ')}`, 'key')
      if (typeof h.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(h.name)) bad(['hosts', i, 'name'], 'name must be lower-case letters, digits and -', 'e.g. name: srv1')
      else if (names.has(h.name)) bad(['hosts', i, 'name'], `host ${h.name} is listed twice`, 'give every host its own name')
      else names.add(h.name)
      if (typeof h.provider !== 'string' || !(PROVIDER_NAMES as readonly string[]).includes(h.provider))
        bad(['hosts', i, 'provider'], `provider must be one of ${PROVIDER_NAMES.join(', ')}`, 'the hypervisor that runs on this host')
      const provider = (PROVIDER_NAMES as readonly string[]).includes(h.provider as string) ? (h.provider as ProviderName) : undefined
      if (h.connection !== undefined && provider !== undefined) {
        const conn = capabilitiesOf(provider).connection
        if (conn === undefined)
          bad(
            ['hosts', i, 'connection'],
            `${capabilitiesOf(provider).title} runs on the machine lab runs on: a ${provider} host has no connection`,
            `leave connection out, or run lab class on that host`,
          )
        else if (typeof h.connection !== 'string') bad(['hosts', i, 'connection'], 'connection must be a string', `e.g. connection: ${conn.example}`)
        else {
          const why = conn.problem(h.connection)
          if (why) bad(['hosts', i, 'connection'], `connection ${JSON.stringify(h.connection)} is not a ${capabilitiesOf(provider).title} host`, why)
        }
      }
      if (provider !== undefined && (h.connection === undefined || typeof h.connection === 'string')) {
        const key = `${provider} ${(h.connection as string | undefined) ?? ''}`
        const first = reached.get(key)
        if (first !== undefined)
          bad(
            ['hosts', i, h.connection === undefined ? 'provider' : 'connection'],
            `hosts ${first} and ${String(h.name)} are the same ${provider} host${h.connection === undefined ? ' (neither has a connection: both are the default one)' : ''}`,
            capabilitiesOf(provider).connection
              ? `give each its own connection, e.g. connection: ${capabilitiesOf(provider).connection!.example}`
              : 'list this machine once, with all the capacity it gives',
          )
        else reached.set(key, String(h.name))
      }
      if (!Number.isInteger(h.memory) || (h.memory as number) < 256)
        bad(['hosts', i, 'memory'], 'memory must be a whole number of MiB (at least 256)', 'what this host gives to lab VMs, e.g. memory: 65536')
      if (!Number.isInteger(h.cpus) || (h.cpus as number) < 1) bad(['hosts', i, 'cpus'], 'cpus must be a whole number, at least 1', 'the CPUs this host gives to lab VMs')
      if (problems.length === 0)
        hosts.push({
          name: h.name as string,
          provider: h.provider as ProviderName,
          memory: h.memory as number,
          cpus: h.cpus as number,
          ...(typeof h.connection === 'string' ? { connection: h.connection } : {}),
        })
    }
  }
  if (problems.length > 0) throw new LabFileError(path, problems)
  const labRef = lab as string
  const asPath = /[/\\.]/.test(labRef) ? resolve(dirname(path), labRef) : labRef
  return { path, lab: asPath, pool: pool as string, concurrency: concurrency as number, hosts, ...(typeof jump === 'string' ? { jump } : {}) }
}

export async function loadClassFile(file: string | undefined): Promise<ClassFile> {
  const path = resolve(file ?? DEFAULT_CLASS_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new InputError(`class file not found: ${file ?? DEFAULT_CLASS_FILE}`, 'write a class.yaml (README, "Teaching a class") or give one with --class FILE')
    throw new InputError(`cannot read class file ${path}: ${(err as Error).message}`)
  }
  return parseClassFile(text, path)
}
