import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FakeGuest } from '../helpers/fake-guest.js'
import { dockerModule, dockerRepo } from '../../src/modules/docker.js'
import { mergeDaemonJson } from '../../src/modules/lib/docker-daemon-json.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import type { Family, Guest } from '../../src/modules/module.js'
import { commandText } from '../../src/guest/remote-command.js'
import { probeSections } from '../../src/modules/lib/probe-script.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from './docker-lab.js'
import { SWARM_INACTIVE, engineInfo, engineState, sections } from './docker-fixtures.js'

type Options = ModuleOptions<'docker'>
const docker = dockerModule({ ready: { timeoutMs: 40, pollMs: 1 } })

const REPO = 'https://download.docker.com/linux/centos/docker-ce.repo'
const EL_ALL = ['dnf-plugins-core', 'docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-compose-plugin']

/** docker 26.1.4's RegistryConfig; `insecure` entries appear as IndexConfigs with Secure false. */
function registryConfig(insecure: string[] = [], mirrors: string[] = []): string {
  const index: Record<string, unknown> = { 'docker.io': { Name: 'docker.io', Mirrors: mirrors, Secure: true, Official: true } }
  for (const r of insecure) index[r] = { Name: r, Mirrors: [], Secure: false, Official: false }
  return JSON.stringify({
    AllowNondistributableArtifactsCIDRs: null,
    AllowNondistributableArtifactsHostnames: null,
    InsecureRegistryCIDRs: ['::1/128', '127.0.0.0/8'],
    IndexConfigs: index,
    Mirrors: mirrors.length ? mirrors : null,
  })
}

interface NodeState {
  family: Family
  installed: string[]
  queried?: string[]
  repo?: boolean
  daemonJson?: string
  etcDocker?: boolean
  active?: string
  enabled?: string
  registry?: string
  group?: string
  users?: string[]
  images?: string[]
}

function fileOut(content: string | undefined, dir = true): string {
  if (content === undefined) return dir ? 'absent\n' : 'absent\nnodir\n'
  const b64 = Buffer.from(content)
    .toString('base64')
    .replace(/(.{76})/g, '$1\n')
    .replace(/\n$/, '')
  return `stat 644 root root\ncontent\n${b64}\n`
}

/** What the docker module's one probe script prints on a node in `st`. */
function probeOut(st: NodeState): string {
  const queried = st.queried ?? (st.family === 'debian' ? ['docker.io', 'apparmor'] : [])
  const packages =
    st.family === 'debian'
      ? `${st.installed.map((n) => `ii  ${n}\n`).join('')}aptlists yes\n`
      : queried.map((n) => (st.installed.includes(n) ? `installed ${n}\n` : `package ${n} is not installed\n`)).join('')
  return sections({
    packages: { out: packages },
    repo: { out: st.repo ? 'present\n' : '' },
    daemon: { out: fileOut(st.daemonJson, st.etcDocker ?? true) },
    service: { out: `ActiveState=${st.active ?? 'inactive'}\nUnitFileState=${st.enabled ?? ''}\n` },
    engine: st.registry === undefined ? { out: engineState(undefined), code: 7 } : { out: engineState({ info: engineInfo(SWARM_INACTIVE, st.registry), images: imagesJson(st.images ?? []) }) },
    group: { out: st.group ?? '' },
    users: { out: (st.users ?? []).map((u) => `${u}\n`).join('') },
  })
}

/** GET /images/json of a node holding these tags (one image each). */
function imagesJson(tags: string[]): string {
  return JSON.stringify(
    tags.map((tag, i) => ({
      Containers: -1,
      Created: 1795336616,
      Id: `sha256:${String(i).padStart(64, '0')}`,
      Labels: null,
      ParentId: '',
      RepoDigests: null,
      RepoTags: [tag],
      SharedSize: -1,
      Size: 1984292,
    })),
  )
}

/** The answer to verify's read of the Engine (GET /info, /nodes, /images/json), from a daemon with this RegistryConfig. */
function infoAnswer(registryConfig: string, images: string[] = []) {
  return { match: /^echo '#vmlab:begin:engine'/, stdout: sections({ engine: { out: engineState({ info: engineInfo(SWARM_INACTIVE, registryConfig), images: imagesJson(images) }) } }) }
}

function probeAnswer(st: NodeState, once = true) {
  return { match: /#vmlab:begin:packages/, stdout: probeOut(st), once }
}

function ctxFor(family: Family, guest: FakeGuest, dockerOpts = '', labDir?: string) {
  const lab = swarmLab(family, [dockerOpts ? `docker: ${dockerOpts}` : 'docker'])
  const nodes: Nodes = { lab, family, guests: { master: guest }, ...(labDir === undefined ? {} : { labDir }) }
  return contextFor(nodes, 'master', undefined, optionsOf<Options>(lab, 'docker'))
}

const INSECURE = '{ insecure_registries: ["master.localdomain:5000"] }'
const JSON_OURS = '{\n  "insecure-registries": [\n    "master.localdomain:5000"\n  ]\n}\n'

t.test('EL9, fresh node with podman: repo, conflicts out, Docker CE in, daemon.json created, started; then nothing', async (t) => {
  const queried = [...EL_ALL, 'podman', 'buildah', 'runc']
  const fresh: NodeState = { family: 'el9', queried, installed: ['dnf-plugins-core', 'podman', 'runc'], etcDocker: false }
  const done: NodeState = {
    family: 'el9',
    queried,
    installed: EL_ALL,
    repo: true,
    daemonJson: JSON_OURS,
    active: 'active',
    enabled: 'enabled',
    registry: registryConfig(['master.localdomain:5000']),
    group: 'docker:x:991:\n',
  }
  const guest = new FakeGuest([
    probeAnswer(fresh),
    { match: /^(dnf|mkdir|rm|restorecon|systemctl) / },
    { match: /^dockerd --validate/, stderr: 'configuration OK\n' },
    infoAnswer(registryConfig(['master.localdomain:5000'])),
    probeAnswer(done, false),
  ])
  const ctx = ctxFor('el9', guest, INSECURE)
  const changes = await runModule(docker, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [
      ['repo', `dnf config-manager --add-repo ${REPO}`],
      ['conflicts', 'remove podman runc'],
      ['packages', 'install docker-ce docker-ce-cli containerd.io docker-compose-plugin'],
      ['config', 'create /etc/docker/daemon.json'],
      ['enable', 'enable docker'],
      ['restart', 'restart docker'],
    ],
  )
  t.equal(changes[3]!.diff, `--- /dev/null\n+++ /etc/docker/daemon.json\n@@ -0,0 +1,5 @@\n+{\n+  "insecure-registries": [\n+    "master.localdomain:5000"\n+  ]\n+}\n`)
  t.same(actions(guest), [
    `sudo dnf config-manager --add-repo '${REPO}'`,
    'sudo dnf -y remove podman runc',
    'sudo dnf -y install docker-ce docker-ce-cli containerd.io docker-compose-plugin',
    'sudo mkdir -p /etc/docker',
    'sudo dockerd --validate --config-file /etc/docker/daemon.json.vmlab-check',
    'sudo rm -f /etc/docker/daemon.json.vmlab-check',
    'sudo restorecon -- /etc/docker/daemon.json',
    'sudo systemctl enable docker',
    'sudo systemctl restart docker',
  ])
  t.same(
    guest.uploads.map((u) => [u.path, u.data]),
    [
      ['/etc/docker/daemon.json.vmlab-check', JSON_OURS],
      ['/etc/docker/daemon.json', JSON_OURS],
    ],
  )

  const before = guest.commands.length
  t.same(await runModule(docker, ctx), [], 'second run plans nothing')
  t.same(guest.commands.length - before, 1, 'one round trip: the probe showed the daemon running with the lab settings, so verify reads nothing more')
})

t.test('EL7: yum-utils first, then the pinned last EL7 builds with container-selinux', async (t) => {
  const queried = ['yum-utils', 'container-selinux', 'docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-compose-plugin']
  const guest = new FakeGuest([probeAnswer({ family: 'el7', queried, installed: [] }), { match: /^(yum|yum-config-manager|systemctl) / }, infoAnswer(registryConfig())])
  const changes = await runModule(docker, ctxFor('el7', guest))
  t.same(
    changes.map((c) => c.key),
    ['repo', 'packages', 'enable', 'restart'],
  )
  t.same(actions(guest), [
    "sudo yum -y '--setopt=skip_missing_names_on_install=False' install yum-utils",
    `sudo yum-config-manager --add-repo '${REPO}'`,
    "sudo yum -y '--setopt=skip_missing_names_on_install=False' install container-selinux docker-ce-26.1.4 docker-ce-cli-26.1.4 containerd.io-1.6.33 docker-compose-plugin-2.27.1",
    'sudo systemctl enable docker',
    'sudo systemctl restart docker',
  ])
})

t.test("bake: Debian's docker.io into the image; nothing on EL (its ISO has no Docker CE); dockerRepo gives the repo URL", async (t) => {
  const opts = optionsOf<Options>(swarmLab('el7', ['docker']), 'docker')
  for (const family of ['el7', 'el8', 'el9'] as const) t.same(docker.bake!(family, opts), [])
  t.same(docker.bake!('debian', opts), ['docker.io', 'apparmor'])
  t.equal(dockerRepo('el8'), REPO)
  t.equal(dockerRepo('debian'), undefined)
})

t.test("Debian: the distribution's docker.io and apparmor without recommends; old dockerd cannot --validate", async (t) => {
  const guest = new FakeGuest([
    probeAnswer({ family: 'debian', installed: [], etcDocker: false }),
    { match: /^(env|mkdir|rm|systemctl) / },
    // docker.io 20.10 predates --validate
    { match: /^dockerd --validate/, code: 125, stderr: "unknown flag: --validate\nSee 'dockerd --help'.\n" },
    infoAnswer(registryConfig(['master.localdomain:5000'])),
  ])
  const changes = await runModule(docker, ctxFor('debian', guest, INSECURE))
  t.same(
    changes.map((c) => c.key),
    ['packages', 'config', 'enable', 'restart'],
  )
  t.same(actions(guest), [
    "sudo env 'DEBIAN_FRONTEND=noninteractive' 'UCF_FORCE_CONFFOLD=1' apt-get -y -o 'DPkg::Lock::Timeout=300' -o 'Dpkg::Options::=--force-confdef' -o 'Dpkg::Options::=--force-confold' install --no-install-recommends docker.io apparmor",
    'sudo mkdir -p /etc/docker',
    'sudo dockerd --validate --config-file /etc/docker/daemon.json.vmlab-check',
    'sudo rm -f /etc/docker/daemon.json.vmlab-check',
    'sudo systemctl enable docker',
    'sudo systemctl restart docker',
  ])
  t.equal(guest.uploads.at(-1)!.data, JSON_OURS)
})

t.test('drift: daemon.json edited by hand → only our key is merged back, foreign keys and layout kept, reload (no restart)', async (t) => {
  const edited = '{\n    "log-driver": "json-file",\n    "log-opts": { "max-size": "10m" },\n    "insecure-registries": []\n}\n'
  const merged = '{\n    "log-driver": "json-file",\n    "log-opts": { "max-size": "10m" },\n    "insecure-registries": [\n        "master.localdomain:5000"\n    ]\n}\n'
  const guest = new FakeGuest([
    probeAnswer({ family: 'debian', installed: ['docker.io', 'apparmor'], daemonJson: edited, active: 'active', enabled: 'enabled', registry: registryConfig(), group: 'docker:x:120:\n' }),
    { match: /^(rm|systemctl) / },
    { match: /^dockerd --validate/, code: 125, stderr: 'unknown flag: --validate\n' },
    infoAnswer(registryConfig(['master.localdomain:5000'])),
  ])
  const changes = await runModule(docker, ctxFor('debian', guest, INSECURE))
  t.same(
    changes.map((c) => [c.key, c.what]),
    [
      ['config', 'write /etc/docker/daemon.json'],
      ['reload', 'systemctl reload docker'],
    ],
  )
  t.equal(
    changes[0]!.diff,
    [
      '--- /etc/docker/daemon.json',
      '+++ /etc/docker/daemon.json',
      '@@ -1,5 +1,7 @@',
      ' {',
      '     "log-driver": "json-file",',
      '     "log-opts": { "max-size": "10m" },',
      '-    "insecure-registries": []',
      '+    "insecure-registries": [',
      '+        "master.localdomain:5000"',
      '+    ]',
      ' }',
      '',
    ].join('\n'),
  )
  t.same(actions(guest), ['sudo dockerd --validate --config-file /etc/docker/daemon.json.vmlab-check', 'sudo rm -f /etc/docker/daemon.json.vmlab-check', 'sudo systemctl reload docker'])
  t.equal(guest.uploads.at(-1)!.data, merged)
  t.same(JSON.parse(guest.uploads.at(-1)!.data), { 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m' }, 'insecure-registries': ['master.localdomain:5000'] })
})

t.test('a daemon.json that is not JSON is left alone and the node fails with the reason', async (t) => {
  const guest = new FakeGuest([
    probeAnswer({
      family: 'el9',
      queried: [...EL_ALL, 'podman', 'buildah', 'runc'],
      installed: EL_ALL,
      repo: true,
      daemonJson: '{ "insecure-registries": ["a:5000"], }\n',
      active: 'active',
      enabled: 'enabled',
      registry: registryConfig(),
    }),
  ])
  await t.rejects(runModule(docker, ctxFor('el9', guest, INSECURE)), {
    message: /^master: \/etc\/docker\/daemon\.json is not JSON \(.+\); lab merges its registry settings into it and will not overwrite it$/,
    hint: /fix or remove \/etc\/docker\/daemon\.json on master/,
  })
  t.same(actions(guest), [])
  t.same(guest.uploads, [])
})

t.test('dockerd --validate rejecting the merged file stops before it replaces the old one', async (t) => {
  const guest = new FakeGuest([
    probeAnswer({
      family: 'el9',
      queried: [...EL_ALL, 'podman', 'buildah', 'runc'],
      installed: EL_ALL,
      repo: true,
      daemonJson: '{"registry-mirror": "https://m.example"}\n',
      active: 'active',
      enabled: 'enabled',
      registry: registryConfig(),
    }),
    { match: /^rm / },
    {
      match: /^dockerd --validate/,
      code: 1,
      stderr: "unable to configure the Docker daemon with file /etc/docker/daemon.json.vmlab-check: the following directives don't match any configuration option: registry-mirror\n",
    },
  ])
  await t.rejects(runModule(docker, ctxFor('el9', guest, INSECURE)), { message: /^master: dockerd rejects the merged \/etc\/docker\/daemon\.json: .*registry-mirror$/ })
  t.same(
    guest.uploads.map((u) => u.path),
    ['/etc/docker/daemon.json.vmlab-check'],
    'daemon.json itself untouched',
  )
})

t.test('a daemon running without the registries in its (correct) daemon.json is reloaded', async (t) => {
  const guest = new FakeGuest([
    probeAnswer({ family: 'debian', installed: ['docker.io', 'apparmor'], daemonJson: JSON_OURS, active: 'active', enabled: 'enabled', registry: registryConfig() }),
    { match: 'systemctl reload docker' },
    infoAnswer(registryConfig(['master.localdomain:5000'])),
  ])
  const changes = await runModule(docker, ctxFor('debian', guest, INSECURE))
  t.same(
    changes.map((c) => [c.key, c.why]),
    [['reload', 'dockerd runs without insecure registry master.localdomain:5000 from /etc/docker/daemon.json']],
  )
})

t.test('verify fails when the daemon never shows the insecure registry', async (t) => {
  const guest = new FakeGuest([
    probeAnswer({ family: 'debian', installed: ['docker.io', 'apparmor'], daemonJson: JSON_OURS, active: 'active', enabled: 'enabled', registry: registryConfig() }),
    { match: 'systemctl reload docker' },
    infoAnswer(registryConfig()),
  ])
  await t.rejects(runModule(docker, ctxFor('debian', guest, INSECURE)), {
    message: "master: docker does not run with the lab's settings within 0 s: its RegistryConfig lacks insecure registry master.localdomain:5000",
  })
})

t.test('users join the docker group; a user that does not exist fails the plan', async (t) => {
  const base: NodeState = { family: 'debian', installed: ['docker.io', 'apparmor'], active: 'active', enabled: 'enabled', registry: registryConfig(), group: 'docker:x:120:bob\n' }
  const guest = new FakeGuest([probeAnswer({ ...base, users: ['alice', 'bob'] }), { match: /^usermod / }, infoAnswer(registryConfig())])
  const changes = await runModule(docker, ctxFor('debian', guest, '{ users: [alice, bob] }'))
  t.same(
    changes.map((c) => c.what),
    ['usermod -aG docker alice'],
  )
  t.same(actions(guest).slice(0, 1), ['sudo usermod -aG docker alice'])

  const missing = new FakeGuest([probeAnswer({ ...base, users: ['bob'] })])
  await t.rejects(runModule(docker, ctxFor('debian', missing, '{ users: [alice, bob] }'), { check: true }), { message: 'master: user alice does not exist, so it cannot join the docker group' })
})

t.test('images from local tarballs: uploaded, loaded, removed; present images are not loaded again', async (t) => {
  const dir = tempDir(t, 'vmlab-docker-')
  await writeFile(join(dir, 'busybox.tar'), 'tar bytes')
  const base: NodeState = { family: 'debian', installed: ['docker.io', 'apparmor'], active: 'active', enabled: 'enabled', registry: registryConfig() }
  const guest = new FakeGuest([
    probeAnswer({ ...base, images: ['nginx:latest'] }),
    { match: 'docker load -i /var/tmp/vmlab-image-busybox.tar', stdout: 'Loaded image: busybox:latest\n' },
    { match: /^(rm|docker import) / },
    infoAnswer(registryConfig(), ['busybox:latest', 'nginx:latest']),
    probeAnswer({ ...base, images: ['busybox:latest', 'nginx:latest'] }, false),
  ])
  const opts = '{ images: [{ name: busybox, file: busybox.tar }, { name: "docker.io/library/nginx:latest", file: nginx.tar }] }'
  const ctx = ctxFor('debian', guest, opts, dir)
  const changes = await runModule(docker, ctx)
  t.same(
    changes.map((c) => c.what),
    ['load busybox from busybox.tar'],
  )
  t.same(actions(guest).slice(0, 2), ['sudo docker load -i /var/tmp/vmlab-image-busybox.tar', 'sudo rm -f /var/tmp/vmlab-image-busybox.tar'])
  t.same(
    guest.uploads.map((u) => [u.path, u.data, u.mode]),
    [['/var/tmp/vmlab-image-busybox.tar', 'tar bytes', 0o600]],
  )
  t.same(await runModule(docker, ctx), [])
})

t.test('mergeDaemonJson sets only our keys and keeps the rest of the text as it was', async (t) => {
  const none = { 'registry-mirrors': [], 'insecure-registries': [] }
  const reg = { 'registry-mirrors': [], 'insecure-registries': ['master.localdomain:5000'] }
  const both = { 'registry-mirrors': ['https://mirror.gcr.io'], 'insecure-registries': ['master.localdomain:5000'] }
  t.same(mergeDaemonJson(undefined, none, 'n'), { content: '', changed: [] }, 'no file and nothing wanted: no file')
  t.equal(mergeDaemonJson(undefined, both, 'n').content, '{\n  "registry-mirrors": [\n    "https://mirror.gcr.io"\n  ],\n  "insecure-registries": [\n    "master.localdomain:5000"\n  ]\n}\n')
  t.equal(mergeDaemonJson('{}', reg, 'n').content, '{\n  "insecure-registries": [\n    "master.localdomain:5000"\n  ]\n}\n')
  t.equal(mergeDaemonJson('{"debug": true}', reg, 'n').content, '{"debug": true, "insecure-registries": ["master.localdomain:5000"]}\n', 'a one-line file stays one line')
  const tricky = '{\n\t"labels": ["a}b", "c\\"d,"],\n\t"insecure-registries": ["old:5000"]\n}'
  t.equal(
    mergeDaemonJson(tricky, reg, 'n').content,
    '{\n\t"labels": ["a}b", "c\\"d,"],\n\t"insecure-registries": [\n\t\t"master.localdomain:5000"\n\t]\n}\n',
    'strings with braces, commas and escaped quotes do not confuse the scan; tabs stay tabs',
  )
  const same = '{ "insecure-registries": [ "master.localdomain:5000" ] }'
  t.same(mergeDaemonJson(same, reg, 'n'), { content: same, changed: [] }, 'equal values in another layout are left alone')
  t.throws(() => mergeDaemonJson('[1]', reg, 'n'), { message: /holds JSON that is not an object/ })
})

t.test('a daemon that failed (bad daemon.json fixed by the merge) is reset before it starts again', async (t) => {
  const guest = new FakeGuest([
    probeAnswer({ family: 'debian', installed: ['docker.io', 'apparmor'], daemonJson: '{}\n', active: 'failed', enabled: 'enabled' }),
    { match: /^(rm|systemctl) / },
    { match: /^dockerd --validate/, code: 125, stderr: 'unknown flag: --validate\n' },
    infoAnswer(registryConfig(['master.localdomain:5000'])),
  ])
  const changes = await runModule(docker, ctxFor('debian', guest, INSECURE))
  t.same(
    changes.map((c) => c.key),
    ['config', 'start'],
  )
  t.same(actions(guest).slice(2), ['sudo systemctl reset-failed docker', 'sudo systemctl start docker'])
  t.match(guest.commands.at(-1), /#vmlab:begin:engine'\n[\s\S]*curl -sS --unix-socket \/var\/run\/docker.sock .*'http:\/\/localhost\/info'/, 'then verify reads /info')
})

/** This machine as a node, for the probe framing itself. */
const local: Guest = {
  exec: (cmd) =>
    new Promise((resolve) => {
      execFile('/bin/sh', ['-c', commandText(cmd)], { encoding: 'utf8' }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr })
      })
    }),
  upload: async () => {
    throw new Error('not used')
  },
}

t.test('probe sections run for real: output byte for byte (no final newline, empty), exit codes, argv quoting', async (t) => {
  const s = await probeSections(local, 'local', {
    bare: 'printf abc',
    empty: 'true',
    failed: ['sh', '-c', 'echo partial; exit 3'],
    quoted: ['printf', '%s|', "it's", 'a b', '$HOME'],
  })
  t.same(s.bare, { code: 0, out: 'abc' })
  t.same(s.empty, { code: 0, out: '' })
  t.same(s.failed, { code: 3, out: 'partial\n' })
  t.same(s.quoted, { code: 0, out: "it's|a b|$HOME|" })
})
