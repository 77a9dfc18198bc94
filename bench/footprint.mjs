// What a library costs before it does anything: cold import time (a fresh Node process per import),
// the size of the package as installed, and its runtime dependencies.

import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Median of `runs` cold imports of `specifier`, each in a fresh `node` started in `cwd`. */
export async function coldImportMs(specifier, { cwd, runs }) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const samples = [];
  for (let i = 0; i < runs; i++) {
    // One retry: the working tree's dist/ may be in the middle of a rebuild by someone else.
    const once = () => run(process.execPath, ['--input-type=module', '-e', script], { cwd });
    const { stdout } = await once().catch(() => new Promise((res) => setTimeout(res, 3_000)).then(once));
    samples.push(Number(stdout));
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)], samplesMs: samples };
}

/**
 * Installed size: the bytes of the files `npm install` puts on disk for the package, without its
 * dependencies. An installed package folder is exactly that; for the package in the working tree (ours),
 * the files its `files` field publishes plus package.json (what `npm pack` would include).
 */
export async function installedSize(dir, { published }) {
  let bytes = 0;
  let files = 0;
  const walk = async (path) => {
    const info = await stat(path).catch(() => null);
    if (!info) return;
    if (info.isDirectory()) {
      if (basename(path) === 'node_modules') return;
      for (const entry of await readdir(path)) await walk(join(path, entry));
    } else {
      bytes += info.size;
      files += 1;
    }
  };
  if (published) {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const names = await readdir(dir);
    const always = names.filter((n) => /^(package\.json|readme|license|licence)/i.test(n));
    for (const entry of new Set([...(pkg.files ?? []), ...always])) await walk(join(dir, entry));
  } else {
    await walk(dir);
  }
  return { unpackedBytes: bytes, files };
}

/**
 * Runtime dependencies (dependencies + required peerDependencies) of a package, direct and transitive.
 * An optional peer (peerDependenciesMeta: { optional: true }) is not installed with the package and is
 * needed only by a feature that asks for it (replicate-media's `pg`, for a postgres:// journal): it is
 * listed apart, in `optionalPeers`, not counted.
 */
export async function runtimeDependencies(dir, { root }) {
  const seen = new Set();
  const read = async (d) => JSON.parse(await readFile(join(d, 'package.json'), 'utf8'));
  const own = await read(dir);
  const optionalPeers = Object.keys(own.peerDependencies ?? {}).filter(
    (name) => own.peerDependenciesMeta?.[name]?.optional === true,
  );
  const direct = Object.keys({ ...own.dependencies, ...own.peerDependencies }).filter(
    (name) => !optionalPeers.includes(name),
  );
  const queue = [...direct];
  while (queue.length > 0) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    try {
      const pkg = await read(join(root, 'node_modules', name));
      queue.push(...Object.keys(pkg.dependencies ?? {}));
    } catch {
      // Not installed (an optional peer): counted, not followed.
    }
  }
  return { direct: direct.length, transitive: seen.size, names: [...seen].sort(), optionalPeers };
}
