import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { sections } from '../modules/docker-fixtures.js'
import { check } from './lab-for-checks.js'

const HEALTHY = '{"status":"healthy","components":[{"name":"core","status":"healthy"},{"name":"registry","status":"healthy"}]}'
const PROJECT = '{"project_id":1,"name":"library","owner_name":"admin","metadata":{"public":"true"},"repo_count":1}'
const NOT_FOUND = '{"errors":[{"code":"NOT_FOUND","message":"repository library/web not found"}]}'
const artifacts = (tags: string[]) =>
  JSON.stringify([
    {
      id: 3,
      type: 'IMAGE',
      media_type: 'application/vnd.docker.container.image.v1+json',
      digest: 'sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741',
      project_id: 1,
      repository_id: 2,
      push_time: '2026-12-07T06:20:11.512Z',
      tags: tags.map((name, i) => ({ id: i + 1, name, repository_id: 2, artifact_id: 3, push_time: '2026-12-07T06:20:11.512Z', immutable: false })),
    },
  ])

function harbor(project: string, art = ''): FakeGuest {
  return new FakeGuest([{ match: /#vmlab:begin:health'/, stdout: sections({ health: { out: HEALTHY }, project: { out: project }, artifacts: { out: art } }) }])
}

t.test('harbor: project, repository and tag through the API, repository encoded twice', async (t) => {
  const g = harbor(`${PROJECT}\n200`, `${artifacts(['v1', 'latest'])}\n200`)
  const rows = await check('  - harbor: { node: node1, project: library, repository: team/web, tag: v1 }', { node1: g })
  t.match(rows, [
    { on: 'node1', passed: true, expected: 'status healthy', found: 'healthy' },
    { on: 'node1', passed: true, expected: 'project library, repository library/team/web with tag v1 in Harbor', found: 'library/team/web tags: v1, latest' },
  ])
  t.equal(g.commands.length, 1)
  t.match(g.commands[0], /'http:\/\/192\.168\.56\.11:80\/api\/v2\.0\/projects\/library\/repositories\/team%252Fweb\/artifacts\?with_tag=true&page_size=100'/)
  const [, wrongTag] = await check('  - harbor: { node: node1, project: library, repository: web, tag: v2 }', { node1: harbor(`${PROJECT}\n200`, `${artifacts(['v1'])}\n200`) })
  t.match(wrongTag, { passed: false, found: 'library/web tags: v1' })
})

t.test('harbor: missing project, missing repository, private project, no answer', async (t) => {
  t.match((await check('  - harbor: { node: node1, project: shop }', { node1: harbor('{"errors":[{"code":"NOT_FOUND"}]}\n404') }))[1], { passed: false, found: 'no project shop' })
  t.match((await check('  - harbor: { node: node1, project: shop }', { node1: harbor('{"errors":[{"code":"UNAUTHORIZED"}]}\n401') }))[1], {
    passed: false,
    found: 'project shop is not readable anonymously (HTTP 401)',
  })
  t.match((await check('  - harbor: { node: node1, project: library, repository: web }', { node1: harbor(`${PROJECT}\n200`, `${NOT_FOUND}\n404`) }))[1], {
    passed: false,
    found: 'no repository web in library',
  })
  t.match((await check('  - harbor: { node: node1, project: library }', { node1: harbor('\n000') }))[1], { passed: false, found: 'Harbor does not answer' })
  t.equal((await check('  - harbor: { node: node1 }', { node1: harbor('') })).length, 1, 'health alone without a project')
})
