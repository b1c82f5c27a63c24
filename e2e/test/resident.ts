// Resident memory over time, and whether it is flat once warmed up.
import { MiB, residentMemory } from '../../collector/test/helpers.js';
import { median } from '../../benches/median.js';

/** Each named process's RSS in bytes, read every `everyMs` until `stop()`. */
export function sampleResident(pids: Record<string, number>, { everyMs }: { everyMs: number }): { samples: Record<string, number[]>; stop(): void } {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((name) => [name, []]));
  const take = () => { for (const [name, pid] of Object.entries(pids)) samples[name]!.push(residentMemory(pid).now); };
  take();
  const timer = setInterval(take, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

/**
 * The bound memory may grow by and still be flat, from the middle third of the run to the last: a
 * heap settling still moves a few MiB, while a per-request leak grows with every request.
 */
export const FLAT = { mib: 32, ratio: 1.3 };

export interface Growth {
  /** Medians of the middle and the last third of the samples, MiB (the first third is warm-up). */
  middleMib: number;
  lastMib: number;
  growthMib: number;
  ratio: number;
  flat: boolean;
}

/** How much memory grew after warm-up; flat when within both of FLAT's bounds. Medians, so a collection's dip or a burst does not decide it. */
export function growth(samples: number[], bound = FLAT): Growth {
  const third = Math.floor(samples.length / 3);
  if (third < 3) throw new Error(`growth: ${samples.length} samples are too few to judge (at least 9)`);
  const middleMib = median(samples.slice(third, 2 * third)) / MiB;
  const lastMib = median(samples.slice(samples.length - third)) / MiB;
  const growthMib = lastMib - middleMib;
  const ratio = lastMib / middleMib;
  return { middleMib, lastMib, growthMib, ratio, flat: growthMib <= bound.mib && ratio <= bound.ratio };
}

/** One line for a test's message: the medians and the whole series, so a failure shows its shape. */
export function describeGrowth(name: string, samples: number[], g: Growth): string {
  const series = samples.map((b) => Math.round(b / MiB)).join(' ');
  return `${name}: ${g.middleMib.toFixed(0)} -> ${g.lastMib.toFixed(0)} MiB (+${g.growthMib.toFixed(1)} MiB, x${g.ratio.toFixed(3)}; flat is at most +${FLAT.mib} MiB and x${FLAT.ratio}); RSS each second, MiB: ${series}`;
}
