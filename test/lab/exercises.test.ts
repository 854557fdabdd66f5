import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { forStudent, textIn } from '../../src/lab/exercises.js'
import { LabFileError } from '../../src/lab/problems.js'

const HEAD = `name: course
os: debian12
provider: qemu
network: { cidr: 192.168.56.0/24 }
nodes:
  - { name: master, ip: 192.168.56.10 }
  - { name: node1, ip: 192.168.56.11 }
`
const COURSE = `${HEAD}variables:
  svc: { choices: [web, www, site] }
  port: { range: [8080, 8089] }
exercises:
  - id: swarm
    title: { en: Build the swarm, zh: 搭建集群 }
    task: { en: "Join node1 to the swarm of master.", zh: "把 node1 加入 master 的集群。" }
    checks:
      - swarm: { ready: 2 }
        points: 2
        message: { en: Not every node is in the swarm yet., zh: 还有节点没有加入集群。 }
    solution:
      - swarm: { managers: [master] }
  - id: publish
    title: Publish a service
    task: "Run the service {{ svc }} on port {{port}}."
    checks:
      - service: { name: "{{ svc }}", replicas: 1 }
      - http: { port: "{{ port }}" }
    solution:
      - exec: { command: "docker service create --name {{ svc }} -p {{ port }}:80 nginx", nodes: [master] }
`

function problemsOf(text: string): string[] {
  try {
    parseLab(text, 'c.yaml')
  } catch (e) {
    if (e instanceof LabFileError) return e.message.split('\n').slice(1)
    throw e
  }
  return []
}

t.test('a course reads: texts, graded checks with points and messages, solutions; the values as written', async (t) => {
  const lab = parseLab(COURSE, 'c.yaml')
  t.equal(lab.exercises.length, 2)
  const [swarm, publish] = lab.exercises
  t.same(swarm!.checks, [{ check: 'swarm', options: { ready: 2 }, points: 2, message: { en: 'Not every node is in the swarm yet.', zh: '还有节点没有加入集群。' } }])
  t.equal(textIn(swarm!.title, 'zh'), '搭建集群')
  t.equal(textIn(publish!.title, 'zh'), 'Publish a service', 'English when there is no Chinese')
  t.equal(textIn(publish!.task, 'en'), 'Run the service web on port 8080.')
  t.match(publish!.checks[1], { check: 'http', options: { port: 8080 }, points: 1 }, 'a whole placeholder keeps the number a number')
  t.same(publish!.solution[0]!.options, { command: 'docker service create --name web -p 8080:80 nginx', nodes: ['master'] })
})

t.test('each student gets their own values, the same every time; another student others', async (t) => {
  const lab = parseLab(COURSE, 'c.yaml')
  const a = forStudent(lab, 'alice@school.example')
  t.same(forStudent(lab, 'alice@school.example').course.values, a.course.values)
  t.equal(a.course.student, 'alice@school.example')
  const port = a.course.values.port as number
  t.ok(port >= 8080 && port <= 8089)
  t.ok(['web', 'www', 'site'].includes(a.course.values.svc as string))
  t.match(textIn(a.exercises[1]!.task, 'en'), `Run the service ${a.course.values.svc} on port ${port}.`)
  const all = new Set(Array.from({ length: 30 }, (_, i) => JSON.stringify(forStudent(lab, `student${i}`).course.values)))
  t.ok(all.size >= 10, `30 students get varied values (${all.size} distinct sets)`)
})

t.test('mistakes in exercises are located and say how to fix them', async (t) => {
  const bad = COURSE.replace('- swarm: { ready: 2 }', '- swram: { ready: 2 }')
    .replace('points: 2', 'points: -1')
    .replace('nodes: [master] }', 'nodes: [mastr] }')
    .replace('{{port}}', '{{ prot }}')
    .replace('id: publish', 'id: swarm')
  const p = problemsOf(bad)
  t.match(p.join('\n'), /c\.yaml:16:9: exercises\[0\]\.checks\[0\]\.swram: unknown check 'swram'/)
  t.match(p.join('\n'), /c\.yaml:17:17: exercises\[0\]\.checks\[0\]\.points: number -1 is too small/)
  t.match(p.join('\n'), /c\.yaml:21:9: exercises\[1\]\.id: exercise id 'swarm' is used twice/)
  t.match(p.join('\n'), /exercises\[1\]\.task: no variable named 'prot'/)
  t.match(p.join('\n'), /exercises\[1\]\.solution\[0\]\.exec\.nodes\[0\]: no node named 'mastr' in this lab/)
})

t.test('every choice of a variable is tried: one that breaks an option is found whoever has it', async (t) => {
  const p = problemsOf(COURSE.replace('range: [8080, 8089]', 'range: [8080, 70000]'))
  t.match(p.join('\n'), /exercises\[1\]\.checks\[1\]\.http\.port: /)
  const q = problemsOf(COURSE.replace('choices: [web, www, site]', 'choices: [web, "-rm", site]'))
  t.match(q.join('\n'), /exercises\[1\]\.checks\[0\]\.service\.name: /)
  t.same(problemsOf(COURSE.replace('exercises:', 'exercises: []\nx:').split('x:')[0]!), [], 'no exercises at all is fine')
})

t.test('an exercise without checks, and a variable with no choices, are refused', async (t) => {
  t.match(problemsOf(`${HEAD}variables:\n  v: { choices: [] }\n`).join('\n'), /variables\.v\.choices: give at least one choice/)
  t.match(problemsOf(`${HEAD}exercises:\n  - { id: a, title: A, task: T, checks: [] }\n`).join('\n'), /c\.yaml:\d+:\d+: exercises\[0\]\.checks: an exercise needs at least one check to be graded/)
})

t.test('the shipped courses read, and every exercise has a message for each check in both languages', async (t) => {
  const { readFileSync } = await import('node:fs')
  const { join, dirname } = await import('node:path')
  const { ROOT } = await import('../helpers/cli.js')
  for (const name of ['docker-orchestration', 'debian-orchestration']) {
    const file = join(ROOT, 'labs', 'course', `${name}.yaml`)
    const lab = parseLab(readFileSync(file, 'utf8'), file, { filesDir: dirname(file), missingFilesOk: true })
    t.ok(lab.exercises.length >= 7, `${name}: ${lab.exercises.length} exercises`)
    for (const ex of lab.exercises) {
      t.ok(typeof ex.task !== 'string' && ex.task.zh, `${name} ${ex.id}: a Chinese task`)
      t.ok(ex.solution.length > 0, `${name} ${ex.id}: a solution`)
      for (const c of ex.checks) t.ok(c.message && typeof c.message !== 'string' && c.message.zh, `${name} ${ex.id} ${c.check}: a learner message in en and zh`)
    }
  }
})

t.test('an unknown language key names the ones there are', async (t) => {
  const p = problemsOf(`${HEAD}exercises:\n  - { id: x, title: { en: A, fr: B }, task: T, checks: [{ exec: { command: "true" } }] }\n`)
  t.match(p.join('\n'), /exercises\[0\]\.title\.fr: unknown key 'fr'\n\s+fix: allowed keys here: en, zh/)
})
