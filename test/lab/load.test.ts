import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError } from '../../src/lab/problems.js'

const GOOD = `name: demo
os: rocky9
network:
  cidr: 192.168.56.0/24
nodes:
  - name: master
    ip: 192.168.56.10
  - name: node1
modules:
  - hosts
  - chrony: { server: master }
  - swarm: { managers: [master] }
checks:
  - swarm: { ready: 2 }
`

function problemsOf(text: string) {
  try {
    parseLab(text, 'lab.yaml')
  } catch (err) {
    if (err instanceof LabFileError) return err.problems
    throw err
  }
  throw new Error('expected the lab to be rejected')
}

/** Replaces one line of GOOD (1-based) or appends lines. */
function edit(line: number, text: string): string {
  const lines = GOOD.split('\n')
  lines[line - 1] = text
  return lines.join('\n')
}

t.test('a good lab resolves defaults and assigns addresses in order', async (t) => {
  const lab = parseLab(GOOD, 'lab.yaml')
  t.equal(lab.provider, 'auto')
  t.equal(lab.network.domain, 'localdomain')
  t.equal(lab.network.hostIp, '192.168.56.1')
  t.same(
    lab.nodes.map((n) => [n.name, n.fqdn, n.ip, n.memory, n.cpus, n.disk]),
    [
      ['master', 'master.localdomain', '192.168.56.10', 2048, 2, 20],
      ['node1', 'node1.localdomain', '192.168.56.11', 2048, 2, 20],
    ],
  )
  t.same(
    lab.modules.map((m) => m.module),
    ['hosts', 'chrony', 'swarm'],
  )
  t.same(lab.modules[1]!.options, { server: 'master', upstream: [], stratum: 10 })
  t.equal(lab.install.user.name, 'lab')
})

t.test('automatic addresses skip the ones given explicitly', async (t) => {
  const lab = parseLab(`name: a\nos: rocky9\nnetwork: { cidr: 10.1.0.0/24 }\nnodes:\n  - name: a\n  - name: b\n    ip: 10.1.0.11\n  - name: c\n`, 'x')
  t.same(
    lab.nodes.map((n) => n.ip),
    ['10.1.0.10', '10.1.0.11', '10.1.0.12'],
  )
})

const CASES: Array<{ name: string; text: string; line: number; col?: number; message: RegExp; hint?: RegExp }> = [
  { name: 'tab indentation', text: GOOD.replace('  cidr:', '\tcidr:'), line: 4, message: /Tabs are not allowed/, hint: /spaces/ },
  { name: 'unclosed quote', text: edit(1, "name: 'demo"), line: 1, col: 7, message: /Missing closing/, hint: /close the quote/ },
  { name: 'duplicate key', text: edit(2, 'os: rocky9\nos: alma9'), line: 3, message: /unique/, hint: /once/ },
  { name: 'unknown top-level key', text: edit(1, 'name: demo\nnetwrok: {}'), line: 2, col: 1, message: /unknown key 'netwrok'/, hint: /did you mean 'network'/ },
  { name: 'unknown node key', text: edit(7, '    ip: 192.168.56.10\n    memroy: 1024'), line: 8, col: 5, message: /unknown key 'memroy'/, hint: /did you mean 'memory'/ },
  { name: 'wrong type', text: edit(7, '    ip: 192.168.56.10\n    memory: 2G'), line: 8, col: 13, message: /expected a number, found the text "2G"/, hint: /plain number/ },
  { name: 'out of range', text: edit(7, '    ip: 192.168.56.10\n    cpus: 0'), line: 8, col: 11, message: /too small/, hint: /at least 1/ },
  { name: 'lab name not a label', text: edit(1, 'name: Demo_Lab'), line: 1, col: 7, message: /not valid/, hint: /lower-case letters/ },
  { name: 'lab name too long', text: edit(1, `name: a${'b'.repeat(63)}`), line: 1, col: 7, message: /at most 63/ },
  { name: 'node name invalid', text: edit(6, '  - name: node_1'), line: 6, col: 11, message: /not valid/, hint: /node name/ },
  { name: 'unknown OS', text: edit(2, 'os: rocky11'), line: 2, col: 5, message: /unknown value "rocky11"/, hint: /one of: centos7/ },
  { name: 'unknown provider', text: edit(2, 'os: rocky9\nprovider: virtualbx'), line: 3, col: 11, message: /unknown value "virtualbx"/, hint: /did you mean 'virtualbox'/ },
  { name: 'unknown module', text: edit(10, '  - dockr'), line: 10, col: 5, message: /unknown module 'dockr'/, hint: /did you mean 'docker'/ },
  { name: 'unknown check', text: edit(14, '  - swrm: { ready: 2 }'), line: 14, col: 5, message: /unknown check 'swrm'/, hint: /did you mean 'swarm'/ },
  { name: 'unknown module option', text: edit(11, '  - chrony: { server: master, stratm: 3 }'), line: 11, col: 31, message: /unknown key 'stratm'/, hint: /did you mean 'stratum'/ },
  { name: 'bad CIDR text', text: edit(4, '  cidr: 192.168.56/24'), line: 4, col: 9, message: /not an IPv4 address/ },
  { name: 'CIDR prefix out of range', text: edit(4, '  cidr: 192.168.56.0/33'), line: 4, col: 9, message: /prefix \/33/ },
  { name: 'CIDR with host bits', text: edit(4, '  cidr: 192.168.56.7/24'), line: 4, col: 9, message: /host bits/, hint: /192\.168\.56\.0\/24/ },
  { name: 'IP outside the network', text: edit(7, '    ip: 192.168.57.10'), line: 7, col: 9, message: /outside the lab network/ },
  { name: 'network address', text: edit(7, '    ip: 192.168.56.0'), line: 7, col: 9, message: /network address/ },
  { name: 'broadcast address', text: edit(7, '    ip: 192.168.56.255'), line: 7, col: 9, message: /broadcast address/ },
  { name: 'host address', text: edit(7, '    ip: 192.168.56.1'), line: 7, col: 9, message: /host's own address/ },
  { name: 'not an IP', text: edit(7, '    ip: 192.168.56.300'), line: 7, col: 9, message: /not valid/, hint: /IPv4 address/ },
  { name: 'duplicate node name', text: edit(8, '  - name: master'), line: 8, col: 11, message: /used twice/ },
  { name: 'duplicate IP', text: edit(8, '  - name: node1\n    ip: 192.168.56.10'), line: 9, col: 9, message: /already the address of master/ },
  {
    name: 'duplicate MAC',
    text: edit(8, '  - name: node1\n    mac: 08:00:27:00:00:01').replace('    ip: 192.168.56.10', '    ip: 192.168.56.10\n    mac: 08:00:27:00:00:01'),
    line: 10,
    col: 10,
    message: /already the MAC of master/,
  },
  { name: 'multicast MAC', text: edit(7, '    ip: 192.168.56.10\n    mac: 01:00:27:00:00:01'), line: 8, col: 10, message: /multicast/ },
  {
    name: 'VMware MAC range',
    text: edit(2, 'os: rocky9\nprovider: vmware').replace('    ip: 192.168.56.10', '    ip: 192.168.56.10\n    mac: 00:50:56:40:00:01'),
    line: 9,
    col: 10,
    message: /static range VMware accepts/,
  },
  { name: 'module names a missing node', text: edit(11, '  - chrony: { server: mastr }'), line: 11, col: 23, message: /no node named 'mastr'/, hint: /did you mean 'master'/ },
  { name: 'swarm manager missing', text: edit(12, '  - swarm: { managers: [master, node9] }'), line: 12, col: 33, message: /no node named 'node9'/ },
  { name: 'check names a missing node', text: edit(14, '  - chrony: { synced_to: nod1 }'), line: 14, col: 26, message: /no node named 'nod1'/, hint: /did you mean 'node1'/ },
  {
    name: 'memory below installer needs (node)',
    text: edit(7, '    ip: 192.168.56.10\n    memory: 512'),
    line: 8,
    col: 13,
    message: /512 MiB is less than the Rocky Linux 9 installer needs/,
    hint: /at least 1536/,
  },
  { name: 'memory below installer needs (defaults)', text: edit(4, '  cidr: 192.168.56.0/24\ndefaults: { memory: 1024 }'), line: 5, col: 21, message: /1024 MiB is less/ },
  { name: 'module entry with two names', text: edit(10, '  - { hosts: {}, docker: {} }'), line: 10, col: 5, message: /one module name/ },
  { name: 'no nodes', text: 'name: x\nos: rocky9\nnetwork: { cidr: 10.0.0.0/24 }\nnodes: []\n', line: 4, col: 8, message: /at least one node/ },
  { name: 'missing required key', text: 'name: x\nos: rocky9\nnodes: [{ name: a }]\n', line: 1, col: 1, message: /'network' is required/ },
  { name: 'empty file', text: '', line: 1, col: 1, message: /empty or not a mapping/ },
  { name: 'debian with virtualbox', text: edit(2, 'os: debian12\nprovider: virtualbox'), line: 2, col: 5, message: /qemu or libvirt provider only/ },
  {
    name: 'both password forms',
    text: edit(
      4,
      `  cidr: 192.168.56.0/24\ninstall:\n  root_password: secret123\n  root_password_hash: "$6$salt$3aEJgflnzWuw1O3tr0IYSmhUY0cZ7iBQeBP392T7RXjLP3TKKu3ddIapQaCpbD4p9ioeGaVIjOHaym7HvCuUm0"`,
    ),
    line: 7,
    message: /both given/,
  },
  { name: 'bad password hash', text: edit(4, `  cidr: 192.168.56.0/24\ninstall:\n  root_password_hash: "$1$abc$def"`), line: 6, col: 23, message: /not valid/, hint: /openssl passwd -6/ },
  {
    name: 'duplicate forwarded host port',
    text: edit(7, '    ip: 192.168.56.10\n    forwards: ["8080:80"]').replace('  - name: node1', '  - name: node1\n    forwards: [8080]'),
    line: 10,
    col: 16,
    message: /host port 8080 is already forwarded to master/,
  },
  { name: 'insecure registry with scheme', text: edit(12, '  - docker: { insecure_registries: ["http://master:5000"] }'), line: 12, col: 37, message: /not valid/, hint: /host:port/ },
  // Values that end up in the kickstart are held to the renderer's own rules (src/lab/install-values.ts).
  {
    name: 'time zone with a line break and %post',
    text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  timezone: "Europe/Paris\\n%post\\nreboot"'),
    line: 6,
    col: 13,
    message: /the text "Europe\/Paris\\n%post\\nreboot" is not valid/,
    hint: /Olson name like Europe\/Paris/,
  },
  { name: 'time zone with a command substitution', text: edit(4, '  cidr: 192.168.56.0/24\ninstall: { timezone: "$(reboot)" }'), line: 5, col: 22, message: /not valid/, hint: /Olson name/ },
  { name: 'lang with %pre', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  lang: "en_US.UTF-8 %pre"'), line: 6, col: 9, message: /not valid/, hint: /locale like en_US\.UTF-8/ },
  { name: 'keyboard with a backtick', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  keyboard: "us`id`"'), line: 6, col: 13, message: /not valid/, hint: /keyboard layout name/ },
  { name: 'package with %end', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  packages: [vim, "%end"]'), line: 6, col: 19, message: /the text "%end" is not valid/, hint: /@group/ },
  { name: 'package with a line break', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  packages:\n    - "vim\\n%post"'), line: 7, col: 7, message: /not valid/, hint: /package names/ },
  { name: 'NTP server with a space', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  ntp: ["pool.ntp.org --nontp"]'), line: 6, col: 9, message: /not valid/, hint: /host name or an IPv4 address/ },
  {
    name: 'mirror that Anaconda cannot use',
    text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  source: url\n  mirror: "mailto:x@example.org"'),
    line: 7,
    col: 11,
    message: /not valid/,
    hint: /http\(s\), ftp or nfs URL/,
  },
  { name: 'user root', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  user: { name: root }'), line: 6, col: 17, message: /not valid/, hint: /belongs to the system itself/ },
  {
    name: 'user of a system service',
    text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  user: { name: systemd-network }'),
    line: 6,
    col: 17,
    message: /not valid/,
    hint: /belongs to the system itself/,
  },
  { name: 'user name useradd refuses', text: edit(4, '  cidr: 192.168.56.0/24\ninstall:\n  user: { name: 9lab }'), line: 6, col: 17, message: /not valid/, hint: /1-32 lower-case letters/ },
  { name: 'domain ending in digits', text: edit(4, '  cidr: 192.168.56.0/24\n  domain: lab.42'), line: 5, col: 11, message: /cannot end a host name/, hint: /not all digits/ },
  { name: 'lab name too long for the base VM host name', text: edit(1, `name: a${'b'.repeat(59)}`), line: 1, col: 7, message: /the base VM's host name .* is too long/, hint: /58 characters/ },
  // Ports on either side, in every option that takes one, and counts with an upper bound.
  { name: 'service published port out of range', text: edit(12, '  - service: { name: web, image: nginx, publish: "99999:80" }'), line: 12, col: 50, message: /not valid/, hint: /ports are 1-65535/ },
  {
    name: 'service target port out of range (in a list)',
    text: edit(12, '  - service: { name: web, image: nginx, publish: ["8080:80", "8081:0"] }'),
    line: 12,
    col: 62,
    message: /not valid/,
    hint: /ports are 1-65535/,
  },
  { name: 'insecure registry port out of range', text: edit(12, '  - docker: { insecure_registries: ["master:70000"] }'), line: 12, col: 37, message: /not valid/, hint: /ports are 1-65535/ },
  { name: 'firewall port out of range', text: edit(12, '  - firewall: { ports: [99999/tcp] }'), line: 12, col: 25, message: /not valid/, hint: /ports are 1-65535/ },
  { name: 'firewall port range upside down', text: edit(12, '  - firewall: { ports: [30100-30000/tcp] }'), line: 12, col: 25, message: /not valid/, hint: /lower port to the higher/ },
  { name: 'registry port out of range', text: edit(12, '  - registry: { node: master, port: 65536 }'), line: 12, col: 37, message: /too big/, hint: /at most 65535/ },
  { name: 'portainer port out of range', text: edit(12, '  - portainer: { http_port: 0 }'), line: 12, col: 29, message: /too small/, hint: /at least 1/ },
  { name: 'swarm.ready beyond 32 bits', text: edit(14, '  - swarm: { ready: 4294967296 }'), line: 14, col: 21, message: /too big/, hint: /at most 1000/ },
  { name: 'swarm.ready more than the nodes', text: edit(14, '  - swarm: { ready: 3 }'), line: 14, col: 21, message: /3 nodes can never be ready: the lab has 2/, hint: /at most 2/ },
  { name: 'service check replicas huge', text: edit(14, '  - service: { name: web, replicas: 1e12 }'), line: 14, col: 37, message: /too big/, hint: /at most 1000/ },
  { name: 'exec check exit code beyond 255', text: edit(14, '  - exec: { command: "true", exit: 256 }'), line: 14, col: 36, message: /too big/, hint: /at most 255/ },
  { name: 'image that docker would read as an option', text: edit(12, '  - registry: { node: master, image: "--privileged" }'), line: 12, col: 38, message: /not valid/, hint: /an image is/ },
  { name: 'docker user that usermod refuses', text: edit(12, '  - docker: { users: ["lab; reboot"] }'), line: 12, col: 23, message: /not valid/, hint: /user name/ },
  {
    name: 'harbor host name with a space',
    text: edit(12, '  - harbor: { node: master, installer: "https://example.org/h.tgz", hostname: "a b" }'),
    line: 12,
    col: 79,
    message: /not valid/,
    hint: /host name/,
  },
  { name: 'file path with a line break', text: edit(12, '  - file: { path: "/etc/motd\\nx", content: hi }'), line: 12, col: 19, message: /not valid/, hint: /absolute, on one line/ },
]

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const problems = problemsOf(c.text)
    const p = problems.find((p) => c.message.test(p.message))
    if (!p) return t.fail(`no problem matching ${c.message}; got:\n${problems.map((p) => `${p.line}:${p.col} ${p.message}`).join('\n')}`)
    t.equal(p.line, c.line, 'line')
    if (c.col !== undefined) t.equal(p.col, c.col, 'column')
    if (c.hint) t.match(p.hint ?? '', c.hint, 'hint says how to fix it')
    t.ok(p.hint && p.hint.length > 0, 'every problem has a fix')
  })
}

t.test('all problems of a file are reported in one run, in file order', async (t) => {
  const text = edit(1, 'name: Bad_Name').replace('os: rocky9', 'os: rocky11').replace('  - dockr', '').replace('  - hosts', '  - hostz')
  const problems = problemsOf(text)
  t.ok(problems.length >= 3)
  const lines = problems.map((p) => p.line!)
  t.same(
    lines,
    [...lines].sort((a, b) => a - b),
  )
})

t.test('the error message names file, line and column', async (t) => {
  try {
    parseLab(edit(2, 'os: rocky11'), 'labs/x.yaml')
    t.fail('accepted')
  } catch (err) {
    t.ok(err instanceof LabFileError)
    t.match((err as Error).message, /^labs\/x\.yaml: 1 problem\nlabs\/x\.yaml:2:5: os: unknown value "rocky11"\n    fix: /)
    t.equal((err as LabFileError).exitCode, 2)
  }
})

t.test('the shipped JSON Schema is the one the zod schema gives (run npm run build after changing it)', async (t) => {
  const { labJsonSchema } = await import('../../src/lab/json-schema.js')
  const { readFileSync } = await import('node:fs')
  const shipped = JSON.parse(readFileSync(new URL('../../schema/lab.schema.json', import.meta.url), 'utf8'))
  t.same(shipped, labJsonSchema())
  t.same(Object.keys(shipped.properties).sort(), [
    'arch',
    'bundle',
    'checks',
    'defaults',
    'description',
    'exercises',
    'install',
    'libvirt',
    'modules',
    'name',
    'network',
    'nodes',
    'os',
    'provider',
    'proxmox',
    'snapshots',
    'variables',
  ])
})

t.test('--only names: every node when none is named, the named ones, bad input with a guess', async (t) => {
  const { selectNodes } = await import('../../src/lab/targets.js')
  const lab = parseLab(GOOD, 'lab.yaml')
  t.same(
    selectNodes(lab).map((n) => n.name),
    ['master', 'node1'],
  )
  t.same(
    selectNodes(lab, ['node1']).map((n) => n.name),
    ['node1'],
  )
  t.throws(() => selectNodes(lab, ['nod1']), { message: "no node named 'nod1' in this lab", hint: /did you mean 'node1'/, exitCode: 2 })
})

t.test('an alias without its anchor is a problem at the alias, with a fix', async (t) => {
  const problems = problemsOf(edit(8, '  - name: node1\n    memory: *mem'))
  t.equal(problems.length, 1)
  t.match(problems[0], { line: 9, col: 13, message: /alias \*mem has no anchor &mem/, hint: /define &mem/ })
})

t.test('an alias bomb (billion laughs) is a problem at the alias that repeats aliases, not a crash', async (t) => {
  const bomb = [
    'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  ].join('\n')
  const problems = problemsOf(`${bomb}\n${GOOD}`)
  t.equal(problems.length, 1)
  t.match(problems[0], { line: 3, col: 8, message: /aliases repeat content more than 100 times/, hint: /alias of an alias/ })
})

t.test('an alias of a defined anchor still works', async (t) => {
  const lab = parseLab(edit(7, '    ip: 192.168.56.10\n    memory: &mem 3072').replace('  - name: node1', '  - name: node1\n    memory: *mem'), 'lab.yaml')
  t.same(
    lab.nodes.map((n) => n.memory),
    [3072, 3072],
  )
})

t.test('a very long value or key is quoted as its first 60 characters and its length, never whole', async (t) => {
  const long = 'a'.repeat(100_000)
  for (const text of [edit(6, `  - name: ${long}`), edit(1, `name: demo\n${long.slice(0, 1000)}: 1`), edit(10, `  - ${long}`), edit(4, `  cidr: ${long}`)]) {
    try {
      parseLab(text, 'lab.yaml')
      t.fail('accepted')
    } catch (err) {
      t.ok(err instanceof LabFileError)
      const message = (err as Error).message
      t.ok(message.length < 2000, `message is short (${message.length} characters)`)
      t.match(message, /a{60}… \(100+ characters\)/)
    }
  }
})

t.test('a quoted value with a line break stays on its problem line', async (t) => {
  const problems = problemsOf(edit(6, '  - name: "mas\\nter"'))
  t.match(problems[0]!.message, /the text "mas\\nter"/)
})

t.test('files the modules name must be files inside the lab folder, checked at load with their position', async (t) => {
  const { loadLab } = await import('../../src/lab/load.js')
  const { symlinkSync, mkdirSync } = await import('node:fs')
  const { join } = await import('node:path')
  const dir = t.testdir({
    lab: {
      'compose.yaml': 'services: {}\n',
      'busybox.tar': 'x',
      'motd.hbs': 'hi',
      sub: {},
    },
    'outside.yaml': 'services: {}\n',
  })
  const labDir = join(dir, 'lab')
  symlinkSync(join(dir, 'outside.yaml'), join(labDir, 'link.yaml'))
  mkdirSync(join(labDir, 'folder.yaml'))
  const labText = (modules: string) => `name: demo\nos: rocky9\nnetwork: { cidr: 10.0.0.0/24 }\nnodes: [{ name: master }]\nmodules:\n${modules}`
  const { writeFileSync } = await import('node:fs')
  const problemsAt = async (modules: string, opts: { missingFilesOk?: boolean } = {}) => {
    writeFileSync(join(labDir, 'lab.yaml'), labText(modules))
    try {
      await loadLab('lab.yaml', { cwd: labDir, ...opts })
      return []
    } catch (err) {
      if (!(err instanceof LabFileError)) throw err
      return err.problems.map((p) => `${p.line}:${p.col} ${p.message} | ${p.hint}`)
    }
  }
  t.same(
    await problemsAt(
      '  - compose: { node: master, project: p, file: compose.yaml }\n  - docker: { images: [{ name: "b:1", file: busybox.tar }] }\n  - file: { path: /etc/motd, template: motd.hbs }\n',
    ),
    [],
    'files inside the folder are fine',
  )
  t.match(await problemsAt('  - compose: { node: master, project: p, file: ../../etc/shadow }\n'), [
    /^6:48 \.\.\/\.\.\/etc\/shadow is outside the lab's folder .*\| put the file in the lab file's folder/,
  ])
  t.match(await problemsAt('  - compose: { node: master, project: p, file: /etc/passwd }\n'), [/^6:48 \/etc\/passwd is outside the lab's folder/])
  t.match(await problemsAt('  - compose: { node: master, project: p, file: link.yaml }\n'), [/^6:48 link\.yaml leads outside the lab's folder \(to .*outside\.yaml\)/])
  t.match(await problemsAt('  - compose: { node: master, project: p, file: compose.yaml, files: [sub/nope.conf] }\n'), [/^6:70 no file sub\/nope\.conf next to the lab file .*\| put the file there/])
  t.match(await problemsAt('  - docker: { images: [{ name: "b:1", file: folder.yaml }] }\n'), [/^6:45 folder\.yaml is not a file/])
  t.match(await problemsAt('  - file: { path: /etc/motd, template: ../outside.yaml }\n'), [/^6:40 \.\.\/outside\.yaml is outside/])
  t.match(await problemsAt('  - harbor: { node: master, installer: harbor.tgz }\n'), [/^6:40 no file harbor\.tgz/])
  t.same(await problemsAt('  - harbor: { node: master, installer: "https://example.org/harbor.tgz" }\n'), [], 'a URL is fetched by the node')
  t.same(await problemsAt('  - compose: { node: master, project: p, file: gone.yaml }\n', { missingFilesOk: true }), [], 'commands that copy nothing read a lab whose files are gone')
  t.match(await problemsAt('  - compose: { node: master, project: p, file: ../outside.yaml }\n', { missingFilesOk: true }), [/outside the lab's folder/], 'but never one outside')
})

t.test('syntax errors the parser recovers from are located on the line they are on', async (t) => {
  // The YAML library's own line counter loses line starts here and points past the end of line 3.
  const text = '--- !!map\n  - a: { b: c }\nname: x\n  - d: { e: f }\n'
  const problems = problemsOf(text)
  const lines = text.split('\n')
  t.ok(problems.length > 0 && problems.length <= 5, `the first few errors only (${problems.length})`)
  for (const p of problems) t.ok(p.col! <= lines[p.line! - 1]!.length + 1, `${p.line}:${p.col} is inside the line`)
  t.ok(
    problems.some((p) => p.line === 4),
    'the errors of line 4 are on line 4',
  )
})

t.test('a syntax error that makes the parser stumble over the rest is reported a few times, not once per token', async (t) => {
  const problems = problemsOf(`${GOOD}x: ${'['.repeat(3000)}\n"`)
  t.ok(problems.length <= 5, `${problems.length} problems`)
  t.ok(
    problems.every((p) => p.hint),
    'each with a fix',
  )
})

t.test('a mapping or list used as a key is a problem at the key, not a warning from the YAML library', async (t) => {
  const warnings: Error[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  const problems = problemsOf(`${GOOD}? [a, b]\n: 1\n`)
  await new Promise((r) => setImmediate(r))
  process.off('warning', onWarning)
  t.match(problems, [{ line: 15, col: 3, message: /a mapping or a list is used as a key/, hint: /plain word/ }])
  t.same(warnings, [], 'no warning printed')
})

t.test('automatic addresses use the ones below .10 once those above are taken, so a lab that validates resolves', async (t) => {
  const nodes = Array.from({ length: 13 }, (_, i) => `  - name: n${i}\n`).join('')
  const lab = parseLab(`name: a\nos: rocky9\nnetwork: { cidr: 10.1.0.0/28 }\nnodes:\n${nodes}`, 'x')
  t.same(
    lab.nodes.map((n) => n.ip.split('.')[3]),
    ['10', '11', '12', '13', '14', '2', '3', '4', '5', '6', '7', '8', '9'],
  )
  t.match(problemsOf(`name: a\nos: rocky9\nnetwork: { cidr: 10.1.0.0/28 }\nnodes:\n${nodes}  - name: n13\n`), [{ line: 5, message: /14 nodes do not fit in 10\.1\.0\.0\/28/ }])
})
