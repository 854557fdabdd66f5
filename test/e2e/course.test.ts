/**
 * The course as a student and a teacher live it, for real, on three QEMU guests from
 * labs/course/debian-orchestration.yaml: for every exercise, `lab start EX` → `lab check EX` fails with the
 * learner's messages → the notes' steps typed through `lab exec` → `lab check EX` passes. Then a stage comes
 * back from its snapshot, `lab solve` reaches the same, two students submit and `lab grade` tallies them.
 */
import t from 'tap'
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { lab, ROOT } from '../helpers/cli.js'
import { processesMentioning } from '../helpers/lab-processes.js'
import { parseLab } from '../../src/lab/load.js'
import { forStudent } from '../../src/lab/exercises.js'
import type { ExerciseResult } from '../../src/grading/result.js'

t.setTimeout(90 * 60_000)

const dir = t.testdir({ images: {}, subs: {} })
copyFileSync(join(ROOT, 'labs', 'course', 'debian-orchestration.yaml'), join(dir, 'lab.yaml'))
execFileSync(process.execPath, [join(ROOT, 'scripts', 'busybox-image.mjs'), join(dir, 'images', 'busybox-rootfs.tar')])
execFileSync(process.execPath, [join(ROOT, 'scripts', 'registry-image.mjs'), join(dir, 'images', 'registry.tar')])
mkdirSync(join(dir, 'subs'), { recursive: true })
const qemuDir = join(dir, 'qemu')
const env = { VMLAB_QEMU_DIR: qemuDir, LANG: 'C' }
const timings: Record<string, number> = {}
const course = parseLab(readFileSync(join(dir, 'lab.yaml'), 'utf8'), 'lab.yaml')
const ALICE = 'alice@school.example'
const alices = forStudent(course, ALICE)
const v = alices.course.values
// Another student whose values differ from alice's where the grading shows it.
const BOB = ['bob@school.example', 'bob2@school.example', 'bob3@school.example', 'bob4@school.example'].find((b) => forStudent(course, b).course.values.registry_port !== v.registry_port)!

async function run(name: string, args: string[], timeoutMs = 40 * 60_000) {
  const started = Date.now()
  const r = await lab(args, { cwd: dir, env, timeoutMs })
  timings[name] = (timings[name] ?? 0) + Date.now() - started
  return r
}

async function exec(nodes: string, script: string) {
  const r = await lab(['exec', nodes, '--', 'sh', '-c', script], { cwd: dir, env, timeoutMs: 10 * 60_000 })
  if (r.code !== 0) throw new Error(`lab exec ${nodes} -- ${script}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

async function grade(id: string): Promise<{ code: number; results: ExerciseResult[] }> {
  const r = await run(`check ${id}`, ['check', id, '--json'])
  return { code: r.code, results: JSON.parse(r.stdout) as ExerciseResult[] }
}

/** Checks that watch a swarm converge (replicas, chrony's selection) pass a little after the commands return. */
async function gradeWithin(id: string, ms: number) {
  const deadline = Date.now() + ms
  let last = await grade(id)
  while (last.code !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5_000))
    last = await grade(id)
  }
  return last
}

/** What a student types for each exercise, through `lab exec`. */
const HOSTS =
  '127.0.0.1 localhost\\n::1 localhost ip6-localhost ip6-loopback\\n192.168.56.10 master.localdomain master\\n192.168.56.11 node1.localdomain node1\\n192.168.56.12 node2.localdomain node2\\n'
const COMPOSE = `/root/compose/${v.compose_project}`

const STEPS: Record<string, () => Promise<void>> = {
  'hostnames-and-hosts': async () => {
    for (const n of ['master', 'node1', 'node2']) await exec(n, `hostnamectl set-hostname ${n}.localdomain`)
    await exec('all', `printf '${HOSTS}' > /etc/hosts`)
  },
  'static-address': async () => {
    for (const [n, ip] of [
      ['master', '192.168.56.10'],
      ['node1', '192.168.56.11'],
      ['node2', '192.168.56.12'],
    ]) {
      await exec(n!, `printf '[Match]\\nName=eth1\\n\\n[Network]\\nAddress=${ip}/24\\n' > /etc/systemd/network/20-lab.network && networkctl reload`)
    }
  },
  firewall: async () => {
    // Inserted before the chain's final reject, then kept in the file the boot loads (the table only:
    // flushing the whole ruleset would take Docker's rules with it).
    await exec(
      'all',
      "nft insert rule inet filter input tcp dport '{ 2377, 7946 }' accept && nft insert rule inet filter input udp dport '{ 123, 4789, 7946 }' accept && { printf '#!/usr/sbin/nft -f\\ntable inet filter\\ndelete table inet filter\\n'; nft list table inet filter; } > /etc/nftables.conf",
    )
  },
  'time-sync': async () => {
    await exec('master', "printf 'driftfile /var/lib/chrony/chrony.drift\\nlocal stratum 10\\nallow 192.168.56.0/24\\n' > /etc/chrony/chrony.conf && systemctl restart chrony")
    await exec('node1,node2', "printf 'driftfile /var/lib/chrony/chrony.drift\\nserver 192.168.56.10 iburst\\n' > /etc/chrony/chrony.conf && systemctl restart chrony")
  },
  'daemon-json': async () => {
    await exec('all', `printf '{ "insecure-registries": ["master.localdomain:${v.registry_port}"] }\\n' > /etc/docker/daemon.json && systemctl restart docker`)
  },
  'remote-api': async () => {
    // The SSH way: nothing opened, the lab user may use master's Docker.
    await exec('master', 'usermod -aG docker lab')
  },
  'swarm-init': async () => {
    await exec('master', 'docker swarm init --advertise-addr 192.168.56.10')
    const token = (await exec('master', 'docker swarm join-token -q worker')).trim()
    await exec('node1,node2', `docker swarm join --token ${token} 192.168.56.10:2377`)
  },
  'service-publish': async () => {
    // Created, then scaled, then published: not the task's one command, and graded the same.
    await exec('master', `docker service create --detach --name ${v.svc} --no-resolve-image vmlab/busybox:1 httpd -f -p 80 -h /www`)
    await exec('master', `docker service scale --detach ${v.svc}=${v.replicas}`)
    await exec('master', `docker service update --detach --publish-add ${v.port}:80 ${v.svc}`)
  },
  'service-rollback': async () => {
    await exec('master', `docker service update --detach=false --no-resolve-image --image vmlab/busybox:2 ${v.svc} && docker service update --detach=false --rollback ${v.svc}`)
  },
  'node-drain': async () => {
    await exec('master', 'docker node update --availability drain node2.localdomain && docker node update --label-add zone=edge node1.localdomain')
  },
  overlay: async () => {
    await exec('master', 'docker network create -d overlay --attachable busybox_overlay_network')
    await exec('master', 'docker service create --detach --name busybox_service --network busybox_overlay_network --replicas 2 --no-resolve-image vmlab/busybox:1 sleep 1d')
  },
  'stack-deploy': async () => {
    const file = `version: "3.8"\\nservices:\\n  web:\\n    image: vmlab/busybox:1\\n    command: httpd -f -p 80 -h /www\\n    ports: ["${v.stack_port}:80"]\\n    deploy: { replicas: 2 }\\n  cache:\\n    image: vmlab/busybox:1\\n    command: sleep 1d\\n`
    await exec('master', `mkdir -p /root/mystack && printf '${file}' > /root/mystack/stack.yml && docker stack deploy --resolve-image never -c /root/mystack/stack.yml ${v.stack}`)
  },
  registry: async () => {
    await exec('master', `docker run -d -p ${v.registry_port}:5000 -v registry:/var/lib/registry --restart=always --name registry vmlab/registry:2`)
  },
  'registry-push-pull': async () => {
    const ref = `master.localdomain:${v.registry_port}/myimages/${v.repo}:1`
    await exec('node1', `docker tag vmlab/busybox:1 ${ref} && docker push ${ref}`)
    await exec('node2', `docker pull ${ref}`)
  },
  'compose-up': async () => {
    const file = 'services:\\n  web:\\n    image: vmlab/busybox:1\\n    command: httpd -f -p 80 -h /www\\n    ports: ["18848:80"]\\n'
    await exec('node1', `mkdir -p ${COMPOSE} && printf '${file}' > ${COMPOSE}/docker-compose.yml && cd ${COMPOSE} && docker-compose up -d`)
  },
  'compose-down': async () => {
    await exec('node1', `cd ${COMPOSE} && docker-compose down`)
  },
}

t.teardown(async () => {
  if (processesMentioning(qemuDir).length) await lab(['destroy', '--force'], { cwd: dir, env, timeoutMs: 120_000 })
  t.comment(
    `timings (s): ${Object.entries(timings)
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`)
      .join(', ')}`,
  )
})

t.test('lab up gives what the teacher hands out', async (t) => {
  const r = await run('up', ['up'])
  t.equal(r.code, 0, r.stderr.split('\n').slice(-30).join('\n'))
  const list = await run('exercises', ['exercises', '--student', ALICE, '--json'])
  t.same(
    (JSON.parse(list.stdout) as { exercises: Array<{ id: string }> }).exercises.map((e) => e.id),
    course.exercises.map((e) => e.id),
  )
})

alices.exercises.forEach((ex, k) => {
  t.test(`${ex.id}: start → the check fails with the learner's message → the student's steps → it passes`, async (t) => {
    const start = await run(`start ${ex.id}`, ['start', ex.id])
    t.equal(start.code, 0, start.stderr.split('\n').slice(-20).join('\n'))
    t.match(start.stdout, new RegExp(`exercise ${ex.id} is ready: built from`), 'the first start builds the stage')
    t.match(start.stdout, /When you are done: lab check/, 'and prints the task')
    if (k > 0) {
      // The stage was built by the earlier exercise's solution, on top of its own start: what `lab solve` runs.
      const prev = alices.exercises[k - 1]!.id
      const solved = await gradeWithin(prev, 300_000)
      t.equal(solved.code, 0, `the solution of ${prev} passes its checks: ${JSON.stringify(solved.results[0]?.checks.filter((c) => !c.passed))}`)
    }
    const before = await grade(ex.id)
    t.equal(before.code, 1, 'nothing done yet: the check fails')
    const failing = before.results[0]!.checks.filter((c) => !c.passed)
    t.ok(failing.length > 0)
    // Alice's own values are in her messages.
    for (const c of failing) t.equal(c.message, (ex.checks[c.index]!.message as { en: string }).en, `${c.check}: the learner's message`)
    await STEPS[ex.id]!()
    const after = await gradeWithin(ex.id, 300_000)
    t.equal(after.code, 0, `${ex.id} passes: ${JSON.stringify(after.results[0]?.checks.filter((c) => !c.passed))}`)
    t.equal(after.results[0]!.score, after.results[0]!.max, 'every point')
  })
})

t.test('the last exercise, which no stage is built on: back to its start, then lab solve', async (t) => {
  const last = alices.exercises.at(-1)!.id
  const again = await run(`start ${last} (restore)`, ['start', last])
  t.equal(again.code, 0, again.stderr)
  t.equal((await grade(last)).code, 1, 'back at the start: not done')
  const solved = await run(`solve ${last}`, ['solve', last, '--json'])
  t.equal(solved.code, 0, solved.stderr)
  t.equal((JSON.parse(solved.stdout) as ExerciseResult[])[0]!.passed, true)
})

t.test('a stage kept once comes back from its snapshot; lab solve reaches what the student did', async (t) => {
  const again = await run('start swarm-init (restore)', ['start', 'swarm-init'])
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, /exercise swarm-init is ready: restored its snapshot stage-swarm-init/)
  t.equal((await grade('swarm-init')).code, 1, 'back at the start: the swarm is not there')
  const solved = await run('solve swarm-init', ['solve', 'swarm-init', '--json'])
  t.equal(solved.code, 0, solved.stderr)
  t.equal((JSON.parse(solved.stdout) as ExerciseResult[])[0]!.passed, true)
})

t.test('two students submit; lab grade tallies them', async (t) => {
  const a = await run('submit', ['submit', '--out', join(dir, 'subs'), '--json'])
  t.equal(a.code, 0, a.stderr)
  const b = await run('submit', ['submit', '--student', BOB, '--out', join(dir, 'subs'), '--json'])
  t.equal(b.code, 0, b.stderr)
  const files = readdirSync(join(dir, 'subs')).filter((f) => f.endsWith('.vmlab-result.json'))
  t.equal(files.length, 2)
  const bundles = files.map((f) => JSON.parse(readFileSync(join(dir, 'subs', f), 'utf8')) as { student: string; total: { score: number }; exercises: ExerciseResult[] })
  const alice = bundles.find((x) => x.student === ALICE)!
  const bob = bundles.find((x) => x.student === BOB)!
  t.match(
    alice.exercises.find((e) => e.id === 'swarm-init'),
    { passed: true },
  )
  t.match(
    bob.exercises.find((e) => e.id === 'daemon-json'),
    { passed: false },
    "alice's registry port is not bob's",
  )
  const g = await run('grade', ['grade', join(dir, 'subs'), '--json'])
  t.equal(g.code, 0, g.stderr)
  const table = await run('grade', ['grade', join(dir, 'subs')])
  for (const s of [alice, bob]) t.match(table.stdout, new RegExp(`${s.student.replace(/[.@]/g, '\\$&')}.*\\b${s.total.score}\\b`), `${s.student}'s total in the table`)
})

t.test('destroy leaves nothing behind', async (t) => {
  const r = await run('destroy', ['destroy', '--force'])
  t.equal(r.code, 0, r.stderr)
  t.same(processesMentioning(qemuDir), [])
})
