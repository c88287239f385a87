/**
 * A wait for a slot that outlasted its bound: the work was never started, so the caller may simply try again later
 * (http/middleware/errors.ts answers it 503 + Retry-After, as a pool that lends no connection in time).
 */
export class SlotWaitTimedOut extends Error {
  override readonly name = 'SlotWaitTimedOut';
  readonly code = 'SLOT_WAIT_TIMEOUT';
}

/**
 * At most `size` tasks running at once; the rest wait their turn, in order, for at most `maxWaitMs` each (every wait
 * has a bound: DESIGN, security rules), then are refused with SlotWaitTimedOut without having run.
 */
export function taskSlots(size: number, maxWaitMs: number) {
  let busy = 0;
  const waiting: (() => void)[] = [];
  const turn = () => new Promise<void>((resolve, reject) => {
    const wake = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(wake), 1);
      reject(new SlotWaitTimedOut(`No slot was free within ${maxWaitMs} ms.`));
    }, maxWaitMs);
    timer.unref();
    waiting.push(wake);
  });
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      // A slot is handed from the task that ends to the next waiting one, so `busy` counts only running tasks.
      if (busy >= size) await turn(); else busy++;
      try { return await task(); } finally {
        const next = waiting.shift();
        if (next) next(); else busy--;
      }
    },
  };
}
