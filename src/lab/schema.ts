/**
 * The lab file. This one definition gives the TypeScript types, the validation (with src/lab/load.ts adding
 * line/column and the checks a schema cannot express) and the JSON Schema shipped for editors.
 */
import { z } from 'zod'
import { OS_IDS } from './os-catalog.js'
import { ARCHES } from './arch.js'
import { labelSchema } from './name-rules.js'
import { INSTALL_URL, KEYBOARD, LANG, NTP_SERVER, PACKAGE, TIMEZONE, USER_NAME, USER_NAME_HINT, SYSTEM_ACCOUNT_HINT, isSystemAccount, type ValueRule } from './install-values.js'
import { MODULES, CHECKS, type OptionSpec } from './module-options.js'
import { PROVIDER_NAMES, type ProviderName } from './provider-names.js'
import { exerciseSchema, gradeSchema, variableSchema } from './exercise-schema.js'

export const PROVIDERS = ['auto', ...PROVIDER_NAMES] as const
export type { ProviderName }

const ipv4 = z.ipv4({ error: 'write an IPv4 address such as 192.168.56.10' })
const mac = z.string().regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, { error: 'write a MAC address as six hex pairs, e.g. 08:00:27:56:00:0a' })
const forward = z
  .union([z.number().int().min(1).max(65535), z.string().regex(/^\d{1,5}:\d{1,5}$/, { error: 'write a forward as HOST:GUEST, e.g. "8080:80"' })])
  .meta({ description: 'a port reachable on 127.0.0.1 of the host: HOST:GUEST or one number for both' })

const sizes = {
  cpus: z.number().int().min(1).max(64),
  memory: z.number().int().min(256).max(262144).meta({ description: 'MiB' }),
  disk: z.number().int().min(2).max(4096).meta({ description: 'GiB' }),
}

export const nodeSchema = z.strictObject({
  name: labelSchema('node name'),
  ip: ipv4.optional().meta({ description: 'lab address; assigned in order when left out' }),
  mac: mac.optional().meta({ description: 'lab NIC MAC; derived from the lab and the IP when left out' }),
  cpus: sizes.cpus.optional(),
  memory: sizes.memory.optional(),
  disk: sizes.disk.optional(),
  forwards: z.array(forward).default([]),
})

const passwordHash = z.string().regex(/^\$6\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/, {
  error: 'a password hash is SHA-512 crypt ($6$salt$…); make one with: openssl passwd -6',
})

/** A value the kickstart carries, held to the rule the renderer applies (src/lab/install-values.ts). */
const ruled = (rule: ValueRule) => z.string().refine((s) => rule.ok(s), { error: rule.hint })

export const installSchema = z.strictObject({
  timezone: ruled(TIMEZONE).default('Etc/UTC'),
  keyboard: ruled(KEYBOARD).default('us'),
  lang: ruled(LANG).default('en_US.UTF-8'),
  selinux: z.enum(['enforcing', 'permissive', 'disabled']).default('enforcing'),
  firewall: z.boolean().default(true),
  source: z.enum(['cdrom', 'url']).default('cdrom').meta({ description: 'install from the ISO, or from `mirror` over the network' }),
  mirror: z
    .url({ error: INSTALL_URL.hint })
    .refine((s) => INSTALL_URL.ok(s), { error: INSTALL_URL.hint })
    .optional()
    .meta({ description: 'base URL of the OS repository for url installs' }),
  ntp: z.array(ruled(NTP_SERVER)).default([]).meta({ description: 'NTP servers during installation (none by default)' }),
  root_password: z.string().min(8).optional().meta({ description: 'plain text; hashed before it is written anywhere' }),
  root_password_hash: passwordHash.optional(),
  user: z
    .strictObject({
      name: z
        .string()
        .regex(USER_NAME, { error: USER_NAME_HINT })
        .refine((s) => !isSystemAccount(s), { error: SYSTEM_ACCOUNT_HINT }),
      password: z.string().min(8).optional(),
      password_hash: passwordHash.optional(),
      sudo: z.boolean().default(true),
    })
    .default({ name: 'lab', sudo: true }),
  packages: z.array(ruled(PACKAGE)).default([]),
  image: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'a cloud image (qcow2, with cloud-init) to build the base from instead of installing `os` from its ISO; provider: qemu only; relative to the lab file, ~ allowed' }),
})

const networkSchema = z.strictObject({
  cidr: z.string().meta({ description: 'the lab (host-only) network; the host side is the first address' }),
  domain: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, { error: 'a domain is dot-separated labels, e.g. localdomain' })
    .default('localdomain'),
})

const libvirtSchema = z
  .strictObject({
    uri: z
      .string()
      .regex(/^(qemu(\+ssh|\+unix|\+tls|\+tcp)?:\/\/[^\s]*\/(system|session)(\?\S*)?|test:\/\/\/\S+)$/, { error: 'a libvirt URI is qemu:///system, qemu+ssh://USER@HOST/system or test:///default' })
      .default('qemu:///system'),
    pool: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'a storage pool name, e.g. default (virsh pool-list --all)' })
      .default('default'),
    network: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'a libvirt network name, e.g. default (virsh net-list --all)' })
      .optional()
      .meta({ description: 'an existing libvirt network to attach the nodes to instead of the one vmlab defines per lab' }),
  })
  .meta({ description: 'provider: libvirt only: the host (connection URI) and its storage pool' })

const defaultsSchema = z
  .strictObject({
    cpus: sizes.cpus.default(2),
    memory: sizes.memory.default(2048),
    disk: sizes.disk.default(20),
  })
  .default({ cpus: 2, memory: 2048, disk: 20 })

/** Where a Proxmox VE cluster is and what of it the lab uses; the token's secret never goes in the lab file. */
const proxmoxSchema = z
  .strictObject({
    url: z.string().regex(/^https?:\/\/[^/\s]+\/?$/, { error: 'a URL of the API, e.g. https://pve1.example.org:8006' }),
    token: z.string().regex(/^[^@!\s]+@[^@!\s]+![A-Za-z][A-Za-z0-9._-]*$/, { error: 'an API token id USER@REALM!TOKENID, e.g. vmlab@pve!lab' }),
    secretEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional()
      .meta({ description: 'environment variable with the token secret (PVE_TOKEN_SECRET by default)' }),
    secretFile: z.string().min(1).optional().meta({ description: 'a file (mode 0600) holding the token secret' }),
    fingerprint: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, { error: 'a sha256 fingerprint AA:BB:… (32 pairs), as `pvenode cert info` prints it' })
      .optional(),
    caFile: z.string().min(1).optional().meta({ description: 'PEM file of the CA that signed the API certificate' }),
    storage: z.string().min(1).default('local-lvm').meta({ description: 'storage of the VM disks' }),
    isoStorage: z.string().min(1).default('local').meta({ description: 'storage (content iso and import) for the uploaded ISOs, seed discs and images' }),
    bridge: z.string().min(1).default('vmbr1').meta({ description: 'the bridge of the lab network' }),
    pool: z.string().min(1).optional().meta({ description: 'pool the lab VMs go into' }),
    nodes: z.array(z.string().min(1)).min(1).optional().meta({ description: 'cluster nodes the lab may use (all online nodes by default)' }),
  })
  .meta({ description: 'provider: proxmox: the cluster' })

export const labSchema = z.strictObject({
  name: labelSchema('lab name').meta({ description: 'used in VM names' }),
  description: z.string().optional(),
  os: z.enum(OS_IDS),
  arch: z.enum(ARCHES).optional().meta({
    description: "the guests' CPU architecture; left out: the host's own where the provider runs no other there (Apple Silicon), else x86_64",
  }),
  provider: z.enum(PROVIDERS).default('auto'),
  libvirt: libvirtSchema.optional(),
  proxmox: proxmoxSchema.optional(),
  network: networkSchema,
  defaults: defaultsSchema,
  install: installSchema.default(installSchema.parse({})),
  snapshots: z.enum(['live', 'cold']).default('live').meta({
    description:
      "how the ready snapshot and the course stages are taken. live: with each node's memory (a memory image per node and snapshot on disk), and a reset resumes the nodes in seconds; cold: the disks only of the nodes shut down, and every reset boots them",
  }),
  bundle: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'a bundle folder (lab bundle create) the modules take their images from, never a registry; relative to the lab file; `lab up --bundle DIR` overrides it' }),
  nodes: z.array(nodeSchema).min(1, { error: 'a lab needs at least one node' }),
  // Module and check entries are validated one by one in load.ts so that errors point at the entry.
  modules: z.array(z.unknown()).default([]),
  checks: z.array(z.unknown()).default([]),
  variables: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'a variable name is letters, digits and _, e.g. web_port' }), variableSchema)
    .default({})
    .meta({ description: 'values that differ per student (lab --student ID); {{ name }} in an exercise stands for the value' }),
  // Checked entry by entry in exercises.ts, with each student's values put in.
  exercises: z.array(z.unknown()).default([]),
})

export type LabFile = z.output<typeof labSchema>
export type NodeSpec = z.output<typeof nodeSchema>
export type InstallSpec = z.output<typeof installSchema>

function entryUnion(specs: Record<string, OptionSpec>) {
  const variants = Object.entries(specs).map(([name, spec]) => z.strictObject({ [name]: spec.schema }).meta({ description: spec.description }))
  const bare = z.enum(Object.keys(specs) as [string, ...string[]]).meta({ description: 'the entry with default options' })
  return z.union([bare, ...variants])
}

/** The same schema with module and check entries spelt out, for editors (JSON Schema). */
export function editorSchema() {
  return labSchema.extend({
    modules: z.array(entryUnion(MODULES)).default([]),
    checks: z.array(entryUnion(CHECKS)).default([]),
    exercises: z
      .array(
        exerciseSchema.extend({
          given: z.array(entryUnion(MODULES)).default([]),
          checks: z.array(gradedUnion(CHECKS)).min(1),
          solution: z.array(entryUnion(MODULES)).default([]),
        }),
      )
      .default([]),
  })
}

/** A graded check entry for editors: the check with its options, `points` and `message`. */
function gradedUnion(specs: Record<string, OptionSpec>) {
  const variants = Object.entries(specs).map(([name, spec]) => gradeSchema.extend({ [name]: spec.schema }).meta({ description: spec.description }))
  return z.union([z.enum(Object.keys(specs) as [string, ...string[]]), ...variants])
}
