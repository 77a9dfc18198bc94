// What the library weighs in an app's bundle: the entry minified + gzipped (esbuild --bundle --minify,
// gzip level 9), next to the official `replicate` client's entry built the same way; and what a bundler
// keeps when an app imports only ReplicateClient (a one-line entry, tree-shaken), by source file.

import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

async function bundle({ entry, contents, root }) {
  const result = await build({
    ...(contents
      ? { stdin: { contents, resolveDir: root, sourcefile: 'app.mjs', loader: 'js' } }
      : { entryPoints: [entry] }),
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    target: 'es2022',
    external: ['node:*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const kept = Object.entries(inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([file, v]) => ({ file, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { minifiedBytes: code.length, gzippedBytes: gzipSync(code, { level: 9 }).length, kept };
}

/** Sizes of our entry, the official client's, and ours with only ReplicateClient imported. */
export async function bundleSizes(root) {
  const ours = await bundle({ entry: 'src/index.ts', root });
  const official = await bundle({ contents: "export * from 'replicate'; export { default } from 'replicate';", root });
  const onlyClient = await bundle({
    contents: "import { ReplicateClient } from './src/index.ts'; export const client = ReplicateClient;",
    root,
  });
  return {
    'replicate-media': { minifiedBytes: ours.minifiedBytes, gzippedBytes: ours.gzippedBytes },
    replicate: { minifiedBytes: official.minifiedBytes, gzippedBytes: official.gzippedBytes },
    onlyReplicateClient: {
      minifiedBytes: onlyClient.minifiedBytes,
      gzippedBytes: onlyClient.gzippedBytes,
      files: onlyClient.kept.length,
      allFiles: ours.kept.length,
      largest: onlyClient.kept.slice(0, 12),
      dropped: ours.kept.map((k) => k.file).filter((f) => !onlyClient.kept.some((k) => k.file === f)),
    },
  };
}
