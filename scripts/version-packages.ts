/**
 * `pnpm version-packages`: `changeset version` (new versions, changelogs, changesets consumed) with one
 * correction for 0.x versions. Changesets bumps a package *major* whenever a new version of one of its
 * peer dependencies leaves the peer range. Every @tessera package takes core (and most take autograd)
 * as a `^` peer, and under 0.x a caret range ends at the next minor (^0.1.0 is <0.2.0), so a minor of
 * core would send every package to 1.0.0. Under 0.x a breaking change is a minor, so a major that no
 * changeset asked for, on a 0.x package, becomes a minor; a major written in a changeset stays one.
 */
import applyReleasePlan from '@changesets/apply-release-plan';
import assembleReleasePlan from '@changesets/assemble-release-plan';
import { read as readConfig } from '@changesets/config';
import { readPreState } from '@changesets/pre';
import readChangesets from '@changesets/read';
import { getPackages } from '@manypkg/get-packages';

const cwd = process.cwd();
const packages = await getPackages(cwd);
const config = await readConfig(cwd, packages);
const changesets = await readChangesets(cwd);
const preState = await readPreState(cwd);
if (changesets.length === 0) {
  console.log('version-packages: no changesets, nothing to version');
  process.exit(0);
}

const askedMajor = new Set(
  changesets.flatMap((c) => c.releases.filter((r) => r.type === 'major').map((r) => r.name)),
);
const plan = assembleReleasePlan(changesets, packages, config, preState);
for (const release of plan.releases) {
  const [major, minor] = release.oldVersion.split('.').map(Number);
  if (release.type === 'major' && major === 0 && !askedMajor.has(release.name)) {
    release.type = 'minor';
    release.newVersion = `0.${minor + 1}.0`;
  }
}
await applyReleasePlan(plan, packages, config);
for (const r of plan.releases.filter((r) => r.type !== 'none')) {
  console.log(`${r.name}: ${r.oldVersion} -> ${r.newVersion}`);
}
