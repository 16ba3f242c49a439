/**
 * Loaded into a `vv serve` under benchmark (`node --import …/event-loop-probe.js`): measures the
 * main thread's event-loop delay (perf_hooks.monitorEventLoopDelay). On SIGUSR2 it appends the
 * delay since the last signal (p50/p99/max in ms, samples) as a JSON line to VV_EVENT_LOOP_LOG and
 * starts over, so the bench can cut the run into phases (scanning, pixel pass, idle). Works with
 * any build of the server: it touches nothing in it.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.VV_EVENT_LOOP_LOG;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const line = { p50_ms: ms(histogram.percentile(50)), p99_ms: ms(histogram.percentile(99)), max_ms: ms(histogram.max), samples: histogram.count };
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
    histogram.reset();
  });
}
