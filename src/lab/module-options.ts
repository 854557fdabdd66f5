/**
 * Options of every module and check a lab file can name. They are part of the lab schema (types, validation
 * and the JSON Schema come from here); the modules themselves live in src/modules/.
 * `refs` lists the option paths that name nodes (`*` = every array element), so a lab naming a node that
 * does not exist is rejected before anything runs.
 */
import { z } from 'zod'
import { nodeRef, nodeRefs } from './name-rules.js'
import { NTP_SERVER, USER_NAME, USER_NAME_HINT, isHostname } from './install-values.js'

const port = z.number().int().min(1).max(65535)
/** Every port written inside a text (host:port, PUBLISHED:TARGET, a range) is a port too: 1-65535. */
const portsInRange = (s: string) => (s.match(/\d+/g) ?? []).every((p) => Number(p) >= 1 && Number(p) <= 65535)
const PORT_RANGE = { error: 'ports are 1-65535' }
const ascending = (range: string) => {
  const [lo, hi] = (range.match(/\d+/g) ?? []).map(Number)
  return hi === undefined || lo! <= hi
}
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, { error: 'write it as host:port, e.g. master.localdomain:5000' })
  .refine((s) => !s.includes(':') || portsInRange(s.slice(s.lastIndexOf(':'))), PORT_RANGE)
const publish = z
  .string()
  .regex(/^\d{1,5}:\d{1,5}(\/(tcp|udp))?$/, { error: 'write it as PUBLISHED:TARGET, e.g. "8080:80"' })
  .refine(portsInRange, PORT_RANGE)
/** How many nodes or replicas a lab can mean: more is a typo, and a huge number would only wait for ever. */
const count = (min: number) => z.number().int().min(min).max(1000)
/** Docker's rule for volume, network and service names (and no leading '-' that docker would read as an option). */
const dockerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { error: 'a Docker name is letters, digits and _.-, starting with a letter or digit' })
/** An image reference as docker takes it: [registry[:port]/]name[:tag][@digest], one word, not an option. */
const image = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, { error: 'an image is [registry[:port]/]name[:tag], e.g. nginx:1.27 or master.localdomain:5000/web' })
const hostName = z.string().refine((s) => isHostname(s), { error: 'a host name is dot-separated labels of letters, digits and -, e.g. harbor.localdomain' })
const guestPath = z.string().regex(/^\/[^\0\r\n]*$/, { error: 'the path in the guest must be absolute, on one line' })
const userName = z.string().regex(USER_NAME, { error: USER_NAME_HINT })
const targetNodes = z
  .union([z.literal('all'), nodeRefs])
  .default('all')
  .meta({ description: "'all' or a list of node names" })

export interface OptionSpec {
  schema: z.ZodType
  refs: string[]
  /** Option paths (as `refs`) that name a file beside the lab file, copied to the nodes: checked at load (lab-files.ts). */
  files?: string[]
  description: string
}

export const MODULES = {
  hosts: {
    description: '/etc/hosts with every node (FQDN and short name) and the hostname',
    schema: z.strictObject({
      extra: z.array(z.strictObject({ ip: z.ipv4({ error: 'write an IPv4 address such as 192.168.56.50' }), names: z.array(hostName).min(1) })).default([]),
    }),
    refs: [],
  },
  repos: {
    description: 'working package repositories (CentOS 7 → vault), optional local mirror',
    schema: z.strictObject({ mirror: z.url().optional() }),
    refs: [],
  },
  firewall: {
    description: 'open what the other modules need when firewalld runs, or turn it off',
    schema: z.strictObject({
      enabled: z.boolean().default(true),
      ports: z
        .array(
          z
            .string()
            .regex(/^\d{1,5}(-\d{1,5})?\/(tcp|udp)$/, { error: 'write ports as 8080/tcp or 4789/udp' })
            .refine(portsInRange, PORT_RANGE)
            .refine(ascending, { error: 'a port range goes from the lower port to the higher, e.g. 30000-30100/tcp' }),
        )
        .default([]),
    }),
    refs: [],
  },
  chrony: {
    description: 'time from one node of the lab: it serves the lab network, the others use only it',
    schema: z.strictObject({
      server: nodeRef,
      upstream: z
        .array(z.string().refine((s) => NTP_SERVER.ok(s), { error: NTP_SERVER.hint }))
        .default([])
        .meta({ description: 'NTP servers the lab server itself follows (none: local clock)' }),
      stratum: z.number().int().min(1).max(15).default(10),
    }),
    refs: ['server'],
  },
  docker: {
    description: "Docker CE (Debian: the distribution's docker.io) with daemon.json merged",
    schema: z.strictObject({
      insecure_registries: z.array(hostPort).default([]).meta({ description: "daemon.json insecure-registries (host:port); when empty, the node's own list is left alone" }),
      registry_mirrors: z
        .array(z.url({ error: 'a registry mirror is a URL with its scheme, e.g. https://mirror.gcr.io' }))
        .default([])
        .meta({ description: "daemon.json registry-mirrors (Docker Hub mirrors); when empty, the node's own list is left alone" }),
      version: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._:~+-]*$/, { error: 'a package version, e.g. 26.1.4' })
        .optional()
        .meta({ description: 'version to install where docker is missing (EL: docker-ce-VERSION, default 26.1.4 on EL7; Debian: docker.io=VERSION); an installed docker is kept' }),
      users: z.array(userName).default([]).meta({ description: 'users added to the docker group' }),
      images: z
        .array(
          z.strictObject({
            name: image.meta({ description: 'the image the tarball holds, e.g. busybox:latest' }),
            file: z.string().min(1).meta({ description: 'the tarball, relative to the lab file' }),
            format: z.enum(['save', 'rootfs']).default('save').meta({ description: "'save': made by docker save (docker load reads it); 'rootfs': a filesystem tarball (docker import)" }),
          }),
        )
        .default([])
        .meta({ description: 'images loaded from local tarballs on every node, for labs that cannot reach a registry' }),
      nodes: targetNodes,
    }),
    refs: ['nodes.*'],
    files: ['images.*.file'],
  },
  swarm: {
    description: 'docker swarm: init on the managers, join the others',
    schema: z.strictObject({
      managers: nodeRefs,
      workers: z.union([z.literal('others'), nodeRefs]).default('others'),
      data_path_port: port.optional(),
    }),
    refs: ['managers.*', 'workers.*'],
  },
  registry: {
    description: 'a private registry container that every node trusts',
    schema: z.strictObject({
      node: nodeRef,
      port: port.default(5000),
      volume: z
        .string()
        .regex(/^(\/[^\0\r\n:]*|[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/, { error: 'a Docker volume name (registry-data) or an absolute folder of the node (/opt/registry)' })
        .default('registry-data'),
      image: image.default('registry:2'),
    }),
    refs: ['node'],
  },
  harbor: {
    description: 'Harbor from the offline installer',
    schema: z.strictObject({
      node: nodeRef,
      installer: z.string().min(1).meta({ description: 'path (relative to the lab file) or URL of harbor-offline-installer-*.tgz' }),
      hostname: hostName.optional(),
      http_port: port.default(80),
      data_volume: guestPath.default('/data'),
    }),
    refs: ['node'],
    files: ['installer'],
  },
  portainer: {
    description: 'Portainer with the agent stack, admin password preset',
    schema: z.strictObject({
      http_port: port.default(9000),
      https_port: port.default(9443),
      edge_port: port.default(8000).meta({ description: "published port of Portainer's edge agent tunnel (container port 8000)" }),
      version: z
        .string()
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'an image tag, e.g. lts or 2.21.5' })
        .default('lts')
        .meta({ description: 'tag of the portainer/portainer-ce and portainer/agent images' }),
    }),
    refs: [],
  },
  service: {
    description: 'a swarm service: create, scale, update',
    schema: z.strictObject({
      name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/),
      image,
      replicas: count(0).default(1),
      mode: z.enum(['replicated', 'global']).default('replicated'),
      publish: z.union([publish, z.array(publish)]).optional(),
      network: dockerName.optional(),
      command: z.union([z.string(), z.array(z.string())]).optional(),
      no_resolve_image: z.boolean().default(false).meta({ description: 'use the image as the nodes have it (docker load) instead of asking a registry for its digest' }),
    }),
    refs: [],
  },
  overlay: {
    description: 'an attachable overlay network with replicas that ping each other across nodes',
    schema: z.strictObject({
      network: dockerName.default('busybox_overlay_network'),
      service: dockerName.default('busybox_service'),
      image: image.default('busybox'),
      replicas: z.number().int().min(2).max(100).default(2),
      no_resolve_image: z.boolean().default(false).meta({ description: 'use the image as the nodes have it (docker load) instead of asking a registry for its digest' }),
    }),
    refs: [],
  },
  compose: {
    description: 'a docker compose project on one node',
    schema: z.strictObject({
      node: nodeRef,
      project: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
      file: z.string().min(1).meta({ description: 'compose file, relative to the lab file' }),
      files: z.array(z.string()).default([]).meta({ description: 'more files the project needs (copied next to it)' }),
    }),
    refs: ['node'],
    files: ['file', 'files.*'],
  },
  exec: {
    description: "a teacher's own command, guarded so it runs once",
    schema: z.strictObject({
      command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
      nodes: targetNodes,
      creates: guestPath.optional(),
      unless: z.string().optional(),
    }),
    refs: ['nodes.*'],
  },
  file: {
    description: 'a file from inline content or a template',
    schema: z
      .strictObject({
        path: guestPath,
        content: z.string().optional(),
        template: z.string().optional(),
        mode: z
          .string()
          .regex(/^0?[0-7]{3,4}$/)
          .default('0644'),
        owner: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]{0,31}(:[a-z_][a-z0-9_-]{0,31})?$/, { error: 'write the owner as user or user:group' })
          .default('root'),
        nodes: targetNodes,
      })
      .refine((o) => (o.content === undefined) !== (o.template === undefined), {
        error: 'give exactly one of content or template',
      }),
    refs: ['nodes.*'],
    files: ['template'],
  },
} satisfies Record<string, OptionSpec>

export const CHECKS = {
  swarm: {
    description: 'swarm nodes Ready (and a leader)',
    schema: z.strictObject({ ready: count(1) }),
    refs: [],
  },
  service: {
    description: 'a swarm service runs its replicas (image, ports, spread, mode, env, mounts, rollback), or is gone',
    schema: z
      .strictObject({
        name: dockerName,
        replicas: count(0).optional(),
        mode: z.enum(['replicated', 'global']).optional(),
        image: image.optional(),
        publish: publish.optional(),
        /** Running tasks on this many distinct nodes or more. */
        spread: count(1).optional(),
        env: z.record(z.string().regex(/^[^=\s]+$/, { error: 'an environment variable name has no = or spaces' }), z.string()).optional(),
        mounts: z.array(z.strictObject({ target: guestPath, source: z.string().min(1).optional() })).optional(),
        rolled_back: z.literal(true).optional(),
        absent: z.literal(true).optional(),
      })
      .refine((o) => !o.absent || Object.keys(o).every((k) => k === 'name' || k === 'absent'), {
        error: 'absent: true says the service is gone; it takes no other option than name',
      }),
    refs: [],
  },
  http: {
    description: 'an HTTP answer on a port of every listed node',
    schema: z.strictObject({
      port,
      path: z
        .string()
        .regex(/^\/\S*$/, { error: 'an HTTP path starts with / and has no spaces, e.g. /health' })
        .default('/'),
      nodes: targetNodes,
      status: z.number().int().min(100).max(599).default(200),
      contains: z.string().optional(),
    }),
    refs: ['nodes.*'],
  },
  chrony: {
    description: 'every other node has selected this node as its time source',
    schema: z.strictObject({ synced_to: nodeRef }),
    refs: ['synced_to'],
  },
  registry: {
    description: 'the registry answers /v2/ (and lists a repository); its container restart policy and volume; a node pulled from it',
    schema: z.strictObject({
      node: nodeRef,
      port: port.default(5000),
      repository: z
        .string()
        .regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, { error: 'a repository is lower-case path parts, e.g. library/web' })
        .optional(),
      /** The restart policy of the container that publishes the port. */
      restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).optional(),
      /** Its /var/lib/registry is a volume or a bind mount. */
      volume: z.literal(true).optional(),
      /** A node that holds an image pulled from this registry (of `repository` when named). */
      pulled_on: nodeRef.optional(),
    }),
    refs: ['node', 'pulled_on'],
  },
  harbor: {
    description: 'Harbor reports healthy (and shows a project, repository and tag)',
    schema: z
      .strictObject({
        node: nodeRef,
        port: port.default(80),
        project: z
          .string()
          .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, { error: 'a Harbor project is lower-case letters and digits with . _ -, e.g. library' })
          .optional(),
        /** The repository inside the project (without the project), e.g. web or team/web. */
        repository: z
          .string()
          .regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, { error: 'a repository is lower-case path parts, e.g. web' })
          .optional(),
        tag: z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'a tag is letters, digits and _.-, e.g. v1' })
          .optional(),
      })
      .refine((o) => o.repository === undefined || o.project !== undefined, { error: 'a repository is looked up in a project: name the project too' })
      .refine((o) => o.tag === undefined || o.repository !== undefined, { error: 'a tag belongs to a repository: name the repository too' }),
    refs: ['node'],
  },
  overlay: {
    description: 'replicas on different nodes ping each other over the overlay network',
    schema: z.strictObject({ service: dockerName.default('busybox_service') }),
    refs: [],
  },
  exec: {
    description: 'a command exits as expected (and prints something)',
    schema: z.strictObject({
      command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
      nodes: targetNodes,
      exit: z.number().int().min(0).max(255).default(0),
      contains: z.string().optional(),
      sudo: z.boolean().default(true).meta({ description: "false: run it as the lab's user (install.user) in a login shell, as a student who logs in would, not as root" }),
    }),
    refs: ['nodes.*'],
  },
  swarm_node: {
    description: "a swarm node's role (manager, worker or leader), availability and labels",
    schema: z.strictObject({
      node: nodeRef,
      role: z.enum(['manager', 'worker', 'leader']).optional(),
      availability: z.enum(['active', 'drain', 'pause']).optional(),
      labels: z.record(z.string().min(1), z.string()).optional(),
    }),
    refs: ['node'],
  },
  stack: {
    description: 'a stack is deployed: its services (com.docker.stack.namespace) all at their replicas',
    schema: z.strictObject({ name: dockerName, services: z.array(dockerName).min(1).optional() }),
    refs: [],
  },
  compose: {
    description: 'a compose project (v1 or v2) runs its services and answers over HTTP, or with down: true is gone',
    schema: z
      .strictObject({
        node: nodeRef,
        /** The project name (compose's -p, or the folder's name by default). */
        project: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'a compose project name is lower-case letters, digits, _ and -' })
          .optional(),
        /** The folder the student ran compose in, whatever the file is called. */
        dir: guestPath.optional(),
        services: z.array(z.string().min(1)).min(1).optional(),
        port: port.optional(),
        path: z
          .string()
          .regex(/^\/\S*$/, { error: 'an HTTP path starts with / and has no spaces, e.g. /health' })
          .default('/'),
        down: z.literal(true).optional(),
      })
      .refine((o) => (o.project === undefined) !== (o.dir === undefined), { error: 'name the compose project by project or by dir (one of them)' }),
    refs: ['node'],
  },
  portainer: {
    description: 'a standalone Portainer container (docker.sock mounted, UI on 9000 or 9443) and/or its agent on every swarm node',
    schema: z
      .strictObject({
        /** Where the standalone Portainer container runs. */
        node: nodeRef.optional(),
        /** The agent runs as a global service with a task on every swarm node. */
        agent: z.literal(true).optional(),
      })
      .refine((o) => o.node !== undefined || o.agent !== undefined, { error: 'say what to check: node (the standalone container) and/or agent: true' }),
    refs: ['node'],
  },
  hostname: {
    description: "each node's full name (hostname -f) and short name, kept across reboots",
    schema: z.strictObject({
      nodes: targetNodes,
      fqdn: z.record(z.string(), hostName).default({}).meta({ description: "the full name a node must have, by node name (default: the node's lab name, e.g. master.localdomain)" }),
    }),
    refs: ['nodes.*', 'fqdn.~'],
  },
  hosts: {
    description: 'on each node, every node name (full and short) and the extra names resolve to their lab addresses (/etc/hosts or DNS)',
    schema: z.strictObject({
      nodes: targetNodes.meta({ description: "where the names are resolved: 'all' or a list of node names" }),
      extra: z
        .array(z.strictObject({ ip: z.ipv4({ error: 'write an IPv4 address such as 192.168.56.50' }), names: z.array(hostName).min(1) }))
        .default([])
        .meta({ description: 'more names the task asks for, e.g. { ip: 192.168.56.10, names: [harbor.gs.cn] }' }),
    }),
    refs: ['nodes.*'],
  },
  address: {
    description: "each node's lab address on its NIC with the lab prefix, configured statically so that it survives a reboot",
    schema: z.strictObject({ nodes: targetNodes }),
    refs: ['nodes.*'],
  },
  firewall: {
    description: 'the ports are not filtered on each node: no filtering firewall, or the ports opened in it (now and after a reboot)',
    schema: z.strictObject({
      nodes: targetNodes,
      ports: z
        .array(
          z
            .string()
            .regex(/^\d{1,5}(-\d{1,5})?\/(tcp|udp)$/, { error: 'write ports as 8080/tcp or 4789/udp' })
            .refine(portsInRange, PORT_RANGE)
            .refine(ascending, { error: 'a port range goes from the lower port to the higher, e.g. 30000-30100/tcp' }),
        )
        .min(1)
        .default(['2377/tcp', '7946/tcp', '7946/udp', '4789/udp'])
        .meta({ description: 'default: the swarm ports 2377/tcp, 7946/tcp, 7946/udp, 4789/udp' }),
    }),
    refs: ['nodes.*'],
  },
  docker: {
    description: 'Docker installed, running and enabled; the registry settings the running daemon uses',
    schema: z.strictObject({
      nodes: targetNodes,
      registry_mirrors: z
        .array(z.url({ error: 'a registry mirror is a URL with its scheme, e.g. https://mirror.gcr.io' }))
        .default([])
        .meta({ description: 'mirrors the running daemon must use (from daemon.json registry-mirrors)' }),
      insecure_registries: z.array(hostPort).default([]).meta({ description: 'registries (host:port) the running daemon must trust over plain HTTP' }),
    }),
    refs: ['nodes.*'],
  },
  remote_api: {
    description: 'the Docker remote API: TLS with client certificates on 2376, or over SSH; plain HTTP on 2375 is a security finding',
    schema: z.strictObject({
      node: nodeRef,
      via: z.enum(['tls', 'ssh', 'any']).default('any').meta({ description: 'tls: port 2376 with client certificates; ssh: DOCKER_HOST=ssh:// as the lab user; any: either' }),
      from: nodeRef.optional().meta({ description: 'the node the API is tried from (default: another node of the lab)' }),
      user: userName.optional().meta({ description: "the user DOCKER_HOST=ssh:// logs in as (default: the lab's user)" }),
    }),
    refs: ['node', 'from'],
  },
} satisfies Record<string, OptionSpec>

export type ModuleName = keyof typeof MODULES
export type CheckName = keyof typeof CHECKS
export const MODULE_NAMES = Object.keys(MODULES) as ModuleName[]
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[]

export type ModuleOptions<N extends ModuleName> = z.output<(typeof MODULES)[N]['schema']>
export type CheckOptions<N extends CheckName> = z.output<(typeof CHECKS)[N]['schema']>

export type ModuleStep = { [N in ModuleName]: { module: N; options: ModuleOptions<N> } }[ModuleName]
export type CheckStep = { [N in CheckName]: { check: N; options: CheckOptions<N> } }[CheckName]
