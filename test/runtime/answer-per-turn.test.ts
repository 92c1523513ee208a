// The Node server holds each answer to the end of its event-loop turn and then lets the turn's answers go
// together; answers are never lost, swapped or reordered between requests, and a failure still reaches
// the adapter.
import { describe, expect, it } from 'vitest';
import { answerPerTurn } from '../../src/runtime/answer-per-turn.ts';

const settle = <T>(p: Promise<T>) => {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(state, { done: true, value }),
    (error) => Object.assign(state, { done: true, error }),
  );
  return state;
};
/** Lets every queued microtask run (a ready promise chain settles within these turns). */
const microtasks = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('answerPerTurn', () => {
  it('releases an answer ready within a turn only at the end of that turn, each to its own request', async () => {
    const fetch = answerPerTurn(async (request) => new Response(new URL(request.url).pathname));
    const a = settle(Promise.resolve(fetch(new Request('http://h/a'))));
    const b = settle(Promise.resolve(fetch(new Request('http://h/b'))));
    await microtasks();
    expect(a.done).toBe(false);
    expect(b.done).toBe(false);
    await nextTurn();
    await microtasks();
    expect(a.done && b.done).toBe(true);
    expect(await a.value!.text()).toBe('/a');
    expect(await b.value!.text()).toBe('/b');
  });

  it('answers every request of many turns, and a rejection is not held back', async () => {
    const fetch = answerPerTurn(async (request, env) => {
      if (env === 'fail') throw new Error('boom');
      await nextTurn();
      return new Response(new URL(request.url).search);
    });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(new Request(`http://h/?${i}`))));
    expect(await Promise.all(answers.map((r) => r.text()))).toEqual(Array.from({ length: 50 }, (_, i) => `?${i}`));
    const failed = settle(Promise.resolve(fetch(new Request('http://h/'), 'fail')));
    await microtasks();
    expect(failed.done).toBe(true);
    expect((failed.error as Error).message).toBe('boom');
  });
});
