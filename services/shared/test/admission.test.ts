import { describe, expect, it } from 'vitest';
import { AdmissionControl } from '../src/admission.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AdmissionControl', () => {
  it('lets work in while the backlog is small and the work finishes, whatever the rate', async () => {
    const control = new AdmissionControl({ targetLagMs: 200, backlog: async () => 3, sampleMs: 5, windowMs: 50 });
    control.start();
    await tick(20);
    for (let i = 0; i < 1000; i++) {
      expect(control.admit()).toBe(0);
      control.observe(10);
    }
    expect(control.state.inFlight).toBe(0);
    control.stop();
  });

  it('counts what it let in at once: a burst meets the limit before any queue shows it', async () => {
    // messages a consumer holds unacknowledged are in no queue's count: the backlog reads 0
    const control = new AdmissionControl({
      targetLagMs: 200,
      backlog: async () => 0,
      sampleMs: 5,
      startLimit: 10,
      inFlightFloor: 0,
    });
    control.start();
    await tick(10);
    const answers = Array.from({ length: 25 }, () => control.admit());
    expect(answers.filter((a) => a === 0)).toHaveLength(10);
    expect(answers.slice(10).every((a) => a === 1)).toBe(true);
    control.observe(30); // one finished: one more may come in
    expect(control.admit()).toBe(0);
    expect(control.admit()).toBe(1);
    control.abandon(); // it turned out not to enter the pipeline (an empty cart)
    expect(control.admit()).toBe(0);
    control.stop();
  });

  it('forgets work in flight that it never sees finish (another replica settled it)', async () => {
    const control = new AdmissionControl({
      targetLagMs: 5,
      backlog: async () => 0,
      sampleMs: 5,
      startLimit: 4,
      inFlightFloor: 0,
    });
    for (let i = 0; i < 4; i++) expect(control.admit()).toBe(0);
    expect(control.admit()).toBe(1);
    await tick(60); // ten target lags
    expect(control.admit()).toBe(0);
    expect(control.state.inFlight).toBe(1);
    control.stop();
  });

  it('lets a burst in after an incident cut the limit to its floor, while the pipeline is quiet', async () => {
    const control = new AdmissionControl({ targetLagMs: 100, backlog: async () => 0, sampleMs: 5, windowMs: 20 });
    control.start();
    for (let window = 0; window < 6; window++) {
      for (let i = 0; i < 5; i++) control.observe(5_000); // the saga stalled: very late settlements
      await tick(25);
    }
    expect(control.state.limit).toBe(4);
    const burst = Array.from({ length: 16 }, () => control.admit());
    expect(burst.every((a) => a === 0)).toBe(true);
    expect(control.admit()).toBe(1);
    control.stop();
  });

  it('samples the backlog only while work is offered', async () => {
    let samples = 0;
    const control = new AdmissionControl({
      targetLagMs: 200,
      backlog: async () => {
        samples++;
        return 0;
      },
      sampleMs: 5,
      windowMs: 20,
    });
    control.start();
    await tick(100); // idle: a few samples after start, then none
    const idle = samples;
    await tick(100);
    expect(samples).toBe(idle);
    expect(control.admit()).toBe(0);
    control.observe(1);
    await tick(30);
    expect(samples).toBeGreaterThan(idle + 2);
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
    const control = new AdmissionControl({
      targetLagMs: 200,
      backlog: async () => backlog,
      sampleMs: 5,
      windowMs: 40,
      startLimit: 40,
    });
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
