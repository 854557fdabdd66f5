/**
 * The lab's state: what exists (provider, network, base, VMs) and what last happened. Written atomically; a
 * file that cannot be read back is a clear error with the ways out, never a silent reset.
 */
import { z } from 'zod'
import { writeFileAtomic, readTextIfExists } from '../util/files.js'
import { LabError } from '../util/errors.js'
import { parseJsonText } from '../util/json-text.js'
import { PROVIDER_NAMES } from '../lab/provider-names.js'

const nodeState = z.object({
  vm: z.string(),
  mac: z.string(),
  ip: z.string(),
  ssh: z.object({ host: z.string(), port: z.number() }).optional(),
  hostKey: z.string().optional(),
  modules: z.record(z.string(), z.object({ status: z.enum(['ok', 'changed', 'failed']), at: z.string(), reason: z.string().optional() })).default({}),
})

const applied = z.object({ key: z.string(), at: z.string() })

export const labStateSchema = z.object({
  version: z.literal(1),
  lab: z.string(),
  provider: z.enum(PROVIDER_NAMES),
  network: z.object({ id: z.string(), created: z.boolean() }).optional(),
  base: z.object({ name: z.string(), key: z.string(), snapshot: z.string() }).optional(),
  nodes: z.record(z.string(), nodeState).default({}),
  /** Lab-wide snapshots, each with the modules that had been applied when it was taken. */
  snapshots: z.array(z.object({ name: z.string(), at: z.string(), provisioned: applied.optional() })).default([]),
  /** The lab's modules (by their key) last applied in full without a failure, and when. */
  provisioned: applied.optional(),
  /** Stage snapshots of the course (`stage-<exercise>`), each with the key of what it holds. */
  stages: z.record(z.string(), applied).default({}),
  /** The exercise the lab was last put at the start of (`lab start`). */
  exercise: z.object({ id: z.string(), at: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export type LabState = z.output<typeof labStateSchema>
export type NodeState = z.output<typeof nodeState>

export async function readState(path: string): Promise<LabState | undefined> {
  const text = await readTextIfExists(path)
  if (text === undefined) return undefined
  const json = parseJsonText(text)
  if (!json.ok) throw corrupted(path, json.problem)
  const parsed = labStateSchema.safeParse(json.value)
  if (!parsed.success) throw corrupted(path, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
  return parsed.data
}

function corrupted(path: string, why: string): LabError {
  return new LabError(`the lab state file ${path} is damaged: ${why}`, {
    hint: `run \`lab destroy --force\` to remove everything the lab's journal says was created, or move ${path} away and run \`lab up\` to adopt the VMs that still exist`,
  })
}

export async function writeState(path: string, state: LabState): Promise<void> {
  state.updatedAt = new Date().toISOString()
  await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n', 0o600)
}
