import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'
import { containersJson, type Box } from '../modules/compose-fixtures.js'
import { apiOut } from './service-fixtures.js'
import { check } from './lab-for-checks.js'

const box = (service: string, state: Box['state'] = 'running', project = 'shop'): Box => ({ project, service, image: `${service}:latest`, state })

function node1(boxes: Box[], networks: string[], http?: { out: string; code?: number }): FakeGuest {
  return new FakeGuest([
    {
      match: /#vmlab:begin:engine'/,
      stdout: sections({ engine: { out: apiOut({ status: 200, body: containersJson(boxes) }, { status: 200, body: JSON.stringify(networks.map((Name) => ({ Name }))) }) }, http: http ?? { out: '' } }),
    },
  ])
}

t.test('compose: services running and answering, by project or by folder (v1 and v2 label alike)', async (t) => {
  const g = node1([box('web'), box('redis')], ['shop_default'], { out: '200' })
  const [row] = await check('  - compose: { node: node1, project: shop, services: [web, redis], port: 8000 }', { node1: g })
  t.match(row, { check: 'compose', on: 'node1', passed: true, expected: 'compose project shop running web, redis, http://192.168.56.11:8000/ answering', found: 'running: web, redis' })
  t.equal(g.commands.length, 1, 'one round trip')
  t.match(g.commands[0], new RegExp(encodeURIComponent('"label":["com.docker.compose.project=shop"]').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  t.match(g.commands[0], /curl -s -m 10 -o \/dev\/null -w '%\{http_code\}' 'http:\/\/192\.168\.56\.11:8000\/'/)
  const byDir = node1([box('web')], ['shop_default'])
  const [row2] = await check('  - compose: { node: node1, dir: /home/student/shop }', { node1: byDir })
  t.equal(row2!.passed, true)
  t.match(byDir.commands[0], encodeURIComponent('com.docker.compose.project.working_dir=/home/student/shop'))
})

t.test('compose: a service down, no answer, nothing there', async (t) => {
  const [row] = await check('  - compose: { node: node1, project: shop, services: [web, db], port: 8000 }', { node1: node1([box('web'), box('redis', 'exited')], [], { out: '000', code: 7 }) })
  t.match(row, { passed: false, found: 'no service db; redis is exited; http://192.168.56.11:8000/ does not answer' })
  const [none] = await check('  - compose: { node: node1, project: shop }', { node1: node1([], []) })
  t.match(none, { passed: false, found: 'no container of compose project shop' })
  const [five] = await check('  - compose: { node: node1, project: shop, port: 8000 }', { node1: node1([box('web')], [], { out: '502' }) })
  t.match(five, { passed: false, found: 'http://192.168.56.11:8000/ answers 502' })
})

t.test('compose: down means no container and no network of the project', async (t) => {
  const [gone] = await check('  - compose: { node: node1, project: shop, down: true }', { node1: node1([], []) })
  t.match(gone, { passed: true, expected: 'nothing left of compose project shop (containers, networks)' })
  const [stopped] = await check('  - compose: { node: node1, project: shop, down: true }', { node1: node1([box('web', 'exited')], ['shop_default']) })
  t.match(stopped, { passed: false, found: 'still there: containers shop_web_1; networks shop_default' })
})

t.test('compose: docker not running', async (t) => {
  const down = new FakeGuest([
    {
      match: /#vmlab:begin:engine'/,
      stdout: sections({ engine: { out: "curl: (7) Couldn't connect to server\n\n#vmlab:http:000\n\n#vmlab:http:000\n", code: 7 }, http: {} }),
    },
  ])
  const [row] = await check('  - compose: { node: node1, project: shop }', { node1: down })
  t.match(row, { passed: false, found: /Couldn't connect to server/ })
})
