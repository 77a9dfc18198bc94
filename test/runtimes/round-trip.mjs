// The library's round trip as any runtime runs it: generate an image, make a video from it, save both.
// Plain JavaScript importing the built bundle, so Node, Bun and Deno run it as is. The key and the
// emulator's URL come from REPLICATE_API_KEY and REPLICATE_BASE_URL; the folder to save into is the
// first argument. Prints one JSON line; on failure prints `code: message` on stderr and exits 1.
import { ReplicateClient } from '../../dist/index.js';

const args = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
const dir = args[0];
if (!dir) throw new Error('usage: round-trip.mjs OUTPUT_DIR');

function fail(result) {
  console.error(`${result.errorCode}: ${result.error}`);
  globalThis.Deno ? globalThis.Deno.exit(1) : process.exit(1);
}

let client;
try {
  client = new ReplicateClient();
} catch (error) {
  console.error(`${error.code}: ${error.message}`);
  globalThis.Deno ? globalThis.Deno.exit(1) : process.exit(1);
}
try {
  const image = await client.generateImage('a lighthouse at dawn', { download: { dir } });
  if (!image.success) fail(image);
  const video = await client.generateVideo([image.imageUrl], {
    prompt: 'a slow pan',
    durationSeconds: 2,
    download: { dir },
  });
  if (!video.success) fail(video);
  console.log(
    JSON.stringify({ image: image.files, video: video.files, cost: client.estimateCost(1, video.durationSeconds) }),
  );
} finally {
  await client.close();
}
