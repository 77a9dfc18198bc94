// Encode timings for the emulator's media (src/emulator/media). Run `npm run build` first, then
// `node scripts/media-bench.mjs [iterations]`. Reports, per output after a warm-up, the fastest
// and the median wall time, and the median CPU time (user + system, which a busy machine inflates
// much less than wall time).

import { renderImage, renderVideo } from '../dist/emulator/media/index.js';

const iterations = Number(process.argv[2] ?? 50);
const prompts = ['a red fox in the snow', 'an astronaut riding a horse', 'sunset over the sea', 'a bowl of fruit'];

function bench(name, run) {
  for (let i = 0; i < 5; i++) run(i);
  const times = [];
  const cpuTimes = [];
  let bytes = 0;
  for (let i = 0; i < iterations; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    bytes += run(i).length;
    times.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const fastest = Math.min(...times);
  console.log(
    `${name.padEnd(44)} fastest ${fastest.toFixed(2).padStart(6)} ms  median ${median(times).toFixed(2).padStart(6)} ms  ` +
      `cpu ${median(cpuTimes).toFixed(2).padStart(6)} ms  ${Math.round(bytes / iterations / 1024)} KiB`,
  );
}

const image = (format, side) => (i) =>
  renderImage({ prompt: prompts[i % prompts.length], seed: i, width: side, height: side, format });
for (const side of [256, 512]) {
  for (const format of ['png', 'jpg', 'webp']) bench(`renderImage ${format} ${side}x${side}`, image(format, side));
}
bench('renderVideo 128x128, 4 scenes, 5 s at 24 fps', (i) =>
  renderVideo({ prompt: prompts[i % prompts.length], seed: i, frameCount: 4, fps: 24, durationSeconds: 5 }),
);
bench('renderVideo 256x256, 1 scene, 5 s at 24 fps', (i) =>
  renderVideo({
    prompt: prompts[i % prompts.length],
    seed: i,
    frameCount: 1,
    fps: 24,
    durationSeconds: 5,
    width: 256,
    height: 256,
  }),
);

// The caption's share of a picture, and a video made from input pictures (the demo's case: 16:9
// images fitted to a 256x146 video, one keyframe per picture).
const { paintPicture } = await import('../dist/emulator/media/painter.js');
for (const caption of [false, true]) {
  bench(`paintPicture 256x256, caption ${caption ? 'on' : 'off'}`, (i) => {
    const picture = paintPicture({ prompt: prompts[i % prompts.length], seed: i, width: 256, height: 256, caption });
    return picture.rgb;
  });
}
bench('renderVideo from 4 pictures 256x145, 4 s at 24 fps', (i) =>
  renderVideo({
    prompt: 'frames',
    seed: i,
    frameCount: 4,
    fps: 24,
    durationSeconds: 4,
    pictures: prompts.map((prompt, k) => paintPicture({ prompt, seed: i + k, width: 256, height: 145 })),
  }),
);
