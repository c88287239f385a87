import { expect } from 'chai';
import { taskSlots } from '../../src/storage/task-slots.ts';
import { isUnavailable } from '../../src/http/middleware/errors.ts';

// Client deletions run at most two at once per instance (ApplicationRepository.delete); the rest wait. Every wait has
// a bound (DESIGN, security rules): one that outlasts it answers 503 + Retry-After, never a request that hangs.
describe('taskSlots: at most `size` tasks at once, the rest wait in order, for a bounded time', () => {
  const later = () => { let open!: () => void; const p = new Promise<void>((r) => { open = r; }); return { p, open }; };

  it('runs `size` at once and the next in arrival order as each ends', async () => {
    const slots = taskSlots(2, 1_000);
    const order: string[] = [];
    const gates = [later(), later()];
    const a = slots.run(async () => { order.push('a'); await gates[0]!.p; });
    const b = slots.run(async () => { order.push('b'); await gates[1]!.p; });
    const c = slots.run(async () => { order.push('c'); });
    const d = slots.run(async () => { order.push('d'); });
    await new Promise((r) => setTimeout(r, 10));
    expect(order).to.deep.equal(['a', 'b']);
    gates[1]!.open();
    await Promise.all([b, c, d]);
    expect(order).to.deep.equal(['a', 'b', 'c', 'd']);
    gates[0]!.open();
    await a;
  });

  it('a task that waited past the bound is refused as unavailable (503), runs never, and leaves the slots whole', async () => {
    const slots = taskSlots(1, 30);
    const gate = later();
    const held = slots.run(() => gate.p);
    let ran = false;
    let refused: unknown;
    try { await slots.run(async () => { ran = true; }); } catch (e) { refused = e; }
    expect(isUnavailable(refused), String(refused)).to.equal(true);
    expect(ran, 'the refused task').to.equal(false);
    gate.open();
    await held;
    // The slot the holder gave back is free again: the next task runs at once.
    const started = performance.now();
    expect(await slots.run(async () => 'next')).to.equal('next');
    expect(performance.now() - started).to.be.below(25);
  });

  it('a failing task gives its slot back', async () => {
    const slots = taskSlots(1, 1_000);
    let refused: unknown;
    try { await slots.run(async () => { throw new Error('boom'); }); } catch (e) { refused = e; }
    expect((refused as Error).message).to.equal('boom');
    expect(await slots.run(async () => 1)).to.equal(1);
  });
});
