#!/usr/bin/env node
// A no-op re-provision of a converged 3-node lab (hosts, chrony, docker config, swarm) by `lab provision`
// against the same work written as an Ansible playbook (Debian's `ansible` package), on the same guests
// (issue: guest + modules, "Speed"; target: lab at most a tenth of Ansible's wall time).
//
// Ansible gets its fast settings: SSH multiplexing (ControlPersist), pipelining, no fact gathering, one
// fork per node. Its playbook writes exactly what the lab's modules wrote (read back from the guests
// first), so both runs are true no-ops; the script refuses to report if Ansible's run changed anything.
//
// Usage: npm run build && node bench/provision-vs-ansible.mjs [LAB_FILE] [--runs N]
//   LAB_FILE defaults to labs/debian-swarm.yaml; the lab is brought up first if it is not (`lab up`).
//   Needs: ansible-playbook and ssh on PATH (apt-get install ansible openssh-client).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5
const labFile = resolve(args[0] ?? join(root, 'labs/debian-swarm.yaml'))
const MODULES = ['hosts', 'chrony', 'docker', 'swarm']
const work = mkdtempSync(join(tmpdir(), 'vmlab-ansible-'))
const env = { ...process.env, NO_COLOR: '1' }

const lab = (...a) => execFileSync(process.execPath, [bin, ...a, '-f', labFile], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
function timed(fn) {
  const t0 = process.hrtime.bigint()
  const out = fn()
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, out }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

try {
  lab('up')
  const plan = JSON.parse(lab('plan', '--json'))
  const nodes = plan.vms.map((v) => ({ name: v.node, ip: v.ip }))
  const swarm = plan.modules.find((m) => m.module === 'swarm')
  const managers = new Set(swarm.targets.filter((t) => t.role === 'manager').map((t) => t.node))
  const sshConfig = join(work, 'ssh_config')
  writeFileSync(sshConfig, lab('ssh-config'))
  const ssh = (node, command) => execFileSync('ssh', ['-F', sshConfig, node, command], { encoding: 'utf8' })

  // What the modules converged each node to, so the playbook asks for the same state.
  const hostVars = {}
  for (const n of nodes) {
    const hosts = ssh(n.name, 'cat /etc/hosts')
    const block = hosts.split('# BEGIN vmlab\n')[1]?.split('# END vmlab')[0] ?? ''
    hostVars[n.name] = {
      hosts_block: block.replace(/\n$/, ''),
      chrony_conf: ssh(n.name, 'cat /etc/chrony/chrony.conf'),
      // The docker module writes daemon.json only when the lab sets registries.
      daemon_json: ssh(n.name, 'cat /etc/docker/daemon.json 2>/dev/null || true'),
      lab_ip: n.ip,
      swarm_role: managers.has(n.name) ? 'manager' : 'worker',
    }
    // Ansible's modules run Python on the guest.
    ssh(n.name, 'command -v python3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-minimal python3-apt >/dev/null; }')
  }
  const firstManager = [...managers][0]
  const inventory = { all: { hosts: Object.fromEntries(nodes.map((n) => [n.name, hostVars[n.name]])) } }
  writeFileSync(join(work, 'inventory.json'), JSON.stringify(inventory, null, 2))
  const playbook = [
    {
      hosts: 'all',
      gather_facts: false,
      tasks: [
        { name: 'hosts: the lab block', 'ansible.builtin.blockinfile': { path: '/etc/hosts', marker: '# {mark} vmlab', block: '{{ hosts_block }}' } },
        { name: 'chrony installed', 'ansible.builtin.apt': { name: 'chrony', state: 'present' } },
        { name: 'chrony.conf', 'ansible.builtin.copy': { dest: '/etc/chrony/chrony.conf', content: '{{ chrony_conf }}', mode: '0644' }, register: 'chrony_conf_file' },
        { name: 'chrony running', 'ansible.builtin.systemd': { name: 'chrony', state: 'started', enabled: true } },
        { name: 'chrony restarted after a change', 'ansible.builtin.systemd': { name: 'chrony', state: 'restarted' }, when: 'chrony_conf_file is changed' },
        { name: 'docker installed', 'ansible.builtin.apt': { name: 'docker.io', state: 'present' } },
        { name: 'daemon.json', 'ansible.builtin.copy': { dest: '/etc/docker/daemon.json', content: '{{ daemon_json }}', mode: '0644' }, register: 'daemon_file', when: 'daemon_json | length > 0' },
        { name: 'docker running', 'ansible.builtin.systemd': { name: 'docker', state: 'started', enabled: true } },
        { name: 'docker restarted after a change', 'ansible.builtin.systemd': { name: 'docker', state: 'restarted' }, when: 'daemon_file is changed' },
        { name: 'swarm state', 'ansible.builtin.command': "docker info --format '{{ '{{' }}.Swarm.LocalNodeState{{ '}}' }}'", register: 'swarm_state', changed_when: false },
        { name: 'swarm init', 'ansible.builtin.command': 'docker swarm init --advertise-addr {{ lab_ip }}', when: `inventory_hostname == '${firstManager}' and swarm_state.stdout != 'active'` },
        {
          name: 'join token',
          'ansible.builtin.command': 'docker swarm join-token -q {{ swarm_role }}',
          delegate_to: firstManager,
          register: 'join_token',
          changed_when: false,
          when: "swarm_state.stdout != 'active'",
        },
        {
          name: 'swarm join',
          'ansible.builtin.command': `docker swarm join --advertise-addr {{ lab_ip }} --token {{ join_token.stdout }} ${nodes.find((n) => n.name === firstManager).ip}:2377`,
          when: "swarm_state.stdout != 'active'",
        },
      ],
    },
  ]
  writeFileSync(join(work, 'playbook.json'), JSON.stringify(playbook, null, 2))
  const ansibleEnv = {
    ...env,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_FORKS: String(nodes.length),
    ANSIBLE_SSH_ARGS: `-F ${sshConfig} -o ControlMaster=auto -o ControlPersist=120s`,
    ANSIBLE_CONTROL_PATH_DIR: join(work, 'cp'),
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  }
  const ansible = () => execFileSync('ansible-playbook', ['-i', join(work, 'inventory.json'), join(work, 'playbook.json')], { env: ansibleEnv, encoding: 'utf8' })
  ansible() // opens the multiplexed connections, as a second run in a teacher's terminal would have them
  const ansibleRuns = []
  for (let i = 0; i < runs; i++) {
    const r = timed(ansible)
    const recap = [...r.out.matchAll(/changed=(\d+)/g)].map((m) => Number(m[1]))
    if (recap.some((c) => c > 0)) throw new Error(`ansible-playbook changed something: not a no-op run\n${r.out}`)
    ansibleRuns.push(r.s)
  }
  const labRuns = []
  for (let i = 0; i < runs; i++) {
    const r = timed(() => lab('provision', '--only', ...MODULES, '--json'))
    const rows = JSON.parse(r.out)
    if (rows.some((x) => x.status !== 'ok')) throw new Error(`lab provision was not a no-op: ${r.out}`)
    labRuns.push(r.s)
  }
  const a = median(ansibleRuns)
  const l = median(labRuns)
  console.log(`no-op re-provision of ${nodes.length} nodes (${MODULES.join(', ')}), median of ${runs} runs:`)
  console.log(`  ansible-playbook:  ${a.toFixed(1)} s   (${ansibleRuns.map((s) => s.toFixed(1)).join(', ')})`)
  console.log(`  lab provision:     ${l.toFixed(1)} s   (${labRuns.map((s) => s.toFixed(1)).join(', ')})`)
  console.log(`  ratio lab/ansible: ${(l / a).toFixed(2)}  (target ≤ 0.10)`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
