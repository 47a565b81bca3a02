import { describe, expect, it } from 'vitest';
import { AdmissionControl } from '../src/admission.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AdmissionControl', () => {
  it('lets work in while the backlog is small, whatever the rate', async () => {
    let backlog = 3;
    const control = new AdmissionControl({ targetLagMs: 200, backlog: async () => backlog, sampleMs: 5, windowMs: 50 });
    control.start();
    await tick(20);
    for (let i = 0; i < 1000; i++) expect(control.admit()).toBe(0);
    backlog = 0;
    control.stop();
  });

  it('refuses at once (with a retry hint) while the backlog is at its limit', async () => {
    let backlog = 0;
    const control = new AdmissionControl({
      targetLagMs: 200,
      backlog: async () => backlog,
      sampleMs: 5,
      windowMs: 1_000,
    });
    control.start();
    await tick(20);
    backlog = control.state.limit;
    await tick(20);
    expect(control.admit()).toBe(1);
    backlog = control.state.limit - 1;
    await tick(20);
    expect(control.admit()).toBe(0);
    control.stop();
  });

  it('lowers the limit while finished work is late, and raises it again once it is on time', async () => {
    let backlog = 30;
    const control = new AdmissionControl({ targetLagMs: 200, backlog: async () => backlog, sampleMs: 5, windowMs: 40 });
    control.start();
    const start = control.state.limit;
    for (let window = 0; window < 4; window++) {
      for (let i = 0; i < 20; i++) control.observe(900);
      await tick(50);
    }
    const lowered = control.state.limit;
    expect(lowered).toBeLessThan(start / 4);
    // on time again, and the limit is what refuses work: it grows back, a step per window
    for (let window = 0; window < 6; window++) {
      backlog = control.state.limit;
      await tick(10); // sampled
      expect(control.admit()).toBe(1);
      for (let i = 0; i < 20; i++) control.observe(20);
      await tick(50);
    }
    expect(control.state.limit).toBeGreaterThan(lowered + 6);
    control.stop();
  });

  it('never goes below its floor, and ignores lags that are not lags', async () => {
    const control = new AdmissionControl({
      targetLagMs: 100,
      backlog: async () => 1_000,
      sampleMs: 5,
      windowMs: 20,
      minLimit: 3,
    });
    control.start();
    for (let window = 0; window < 10; window++) {
      control.observe(Number.NaN);
      control.observe(-5);
      control.observe(10_000);
      await tick(25);
    }
    expect(control.state.limit).toBe(3);
    control.stop();
  });
});
