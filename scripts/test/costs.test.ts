/**
 * The cost tables follow the tfvars: every figure is computed from infra/terraform's files, a
 * change there changes the figure it should (and only that), and docs/COSTS.md and the README's
 * totals are what the current files make of them.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costsMarkdown, estimates, expectedFiles, terraformDir } from '../costs.ts';
import {
  ecsBrokerAlarmMetrics,
  environments,
  estimate,
  loadProfile,
  PRICES,
  scheduledHours,
  shiftCron,
} from '../lib/costs.ts';
import { parseTfvars, TfvarsError, variableDefaults } from '../lib/tfvars.ts';

const line = (e: ReturnType<typeof estimate>, item: string) => e.items.find((i) => i.item === item)?.usd ?? Number.NaN;

/** A copy of infra/terraform's inputs to change (variables.tf, services.auto.tfvars.json, environments/). */
function copyOfTerraform(): string {
  const dir = mkdtempSync(join(tmpdir(), 'costs-'));
  for (const f of [
    'variables.tf',
    'services.auto.tfvars.json',
    'environments',
    'profiles',
    'modules/broker/variables.tf',
  ]) {
    cpSync(join(terraformDir, f), join(dir, f), { recursive: true });
  }
  return dir;
}

describe('reading the tfvars', () => {
  it('reads strings, numbers, booleans, null, lists and objects, with comments', () => {
    expect(
      parseTfvars(`
        # a comment
        environment = "dev" // another
        count       = 3
        on          = true
        gone        = null
        list        = ["a", "b",]
        scaling = {
          customer = { desired_count = 1, max_count = 2 }
          "quoted" = { x = -1.5 }
        }
      `),
    ).toEqual({
      environment: 'dev',
      count: 3,
      on: true,
      gone: null,
      list: ['a', 'b'],
      scaling: { customer: { desired_count: 1, max_count: 2 }, quoted: { x: -1.5 } },
    });
  });

  it('refuses what it cannot evaluate, naming the file and line', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation, not a JS one
    expect(() => parseTfvars('name = "ok"\nprefix = "${var.name}-x"\n', 'x.tfvars')).toThrow(
      /x\.tfvars:2: an interpolation/,
    );
    expect(() => parseTfvars('count = length(var.x)\n', 'y.tfvars')).toThrow(TfvarsError);
  });

  it("takes variables.tf's defaults (scalars and objects) and leaves out variables without one", () => {
    const defaults = variableDefaults(readFileSync(join(terraformDir, 'variables.tf'), 'utf8'));
    expect(defaults).toMatchObject({
      name: 'platform',
      az_count: 2,
      docdb_instance_count: 1,
      tracing: { enabled: false },
    });
    expect(defaults).not.toHaveProperty('environment');
  });

  it('resolves an environment as Terraform does: defaults, the manifests, the tfvars, service_scaling', () => {
    const dev = loadProfile(terraformDir, 'dev');
    const auto = JSON.parse(readFileSync(join(terraformDir, 'services.auto.tfvars.json'), 'utf8')).services;
    expect(Object.keys(dev.services)).toEqual(Object.keys(auto));
    for (const [name, s] of Object.entries(dev.services)) {
      expect(s).toEqual({ cpu: auto[name].cpu, memory: auto[name].memory, desired_count: 1, max_count: 1 });
    }
    expect(dev).toMatchObject({
      fargate_capacity: 'SPOT',
      endpoints_in_one_zone: true,
      docdb_instance_class: 'db.t4g.medium',
    });
    expect(loadProfile(terraformDir, 'production')).toMatchObject({
      docdb_instance_count: 2,
      fargate_capacity: 'ON_DEMAND',
      az_count: 2,
    });
    expect(environments(terraformDir)).toEqual(['dev', 'production', 'staging']);
  });
});

describe('the cost follows the tfvars', () => {
  const production = estimate(loadProfile(terraformDir, 'production'));

  it('one more task of a service adds exactly its Fargate hours, and load-driven lines grow with it', () => {
    const p = loadProfile(terraformDir, 'production');
    const customer = p.services.customer;
    if (!customer) throw new Error('no customer service');
    const more = estimate({
      ...p,
      services: { ...p.services, customer: { ...customer, desired_count: customer.desired_count + 1 } },
    });
    const perTaskHour =
      (customer.cpu / 1024) * PRICES.fargate.X86_64.vcpuHour + (customer.memory / 1024) * PRICES.fargate.X86_64.gbHour;
    expect(line(more, 'Fargate tasks') - line(production, 'Fargate tasks')).toBeCloseTo(perTaskHour * 730, 1);
    expect(line(more, 'Application Load Balancer')).toBeGreaterThan(line(production, 'Application Load Balancer'));
    expect(line(more, 'DocumentDB instances')).toBe(line(production, 'DocumentDB instances'));
    expect(line(more, 'Amazon MQ (RabbitMQ)')).toBe(line(production, 'Amazon MQ (RabbitMQ)'));
  });

  it('a changed count in a tfvars file changes the computed total (end to end, from a copy of the files)', () => {
    const dir = copyOfTerraform();
    const file = join(dir, 'environments', 'production.tfvars');
    const before = estimate(loadProfile(dir, 'production'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('docdb_instance_count = 2', 'docdb_instance_count = 3'));
    const after = estimate(loadProfile(dir, 'production'));
    expect(after.total - before.total).toBeCloseTo(
      (PRICES.documentdb.instanceHour['db.t3.medium'] ?? Number.NaN) * 730 + 0.3,
      1,
    ); // and its 3 alarm metrics
    writeFileSync(join(dir, 'environments', 'qa.tfvars'), 'environment = "qa"\nregion = "eu-west-1"\n');
    expect(estimates(dir).map((e) => e.profile.environment)).toEqual(['dev', 'production', 'qa', 'staging']);
  });

  it('Fargate Spot takes 70% off, MIXED keeps one task per service on demand, ARM64 is cheaper', () => {
    const p = loadProfile(terraformDir, 'production');
    const onDemand = line(production, 'Fargate tasks');
    expect(line(estimate({ ...p, fargate_capacity: 'SPOT' }), 'Fargate tasks')).toBeCloseTo(onDemand * 0.3, 1);
    // 2 tasks per service: one on demand, one on Spot
    expect(line(estimate({ ...p, fargate_capacity: 'MIXED' }), 'Fargate tasks')).toBeCloseTo(onDemand * 0.65, 1);
    expect(line(estimate({ ...p, cpu_architecture: 'ARM64' }), 'Fargate tasks')).toBeLessThan(onDemand);
  });

  it('working hours: the hours between start and stop on the named days; tasks and DocumentDB bill those, the broker and endpoints all month', () => {
    expect(scheduledHours({ start: 'cron(0 8 ? * MON-FRI *)', stop: 'cron(0 18 ? * MON-FRI *)' })).toBeCloseTo(
      (10 * 5 * 52) / 12,
      6,
    );
    expect(scheduledHours({ start: 'cron(30 7 ? * SAT,SUN *)', stop: 'cron(0 9 ? * SAT,SUN *)' })).toBeCloseTo(
      (1.5 * 2 * 52) / 12,
      6,
    );
    expect(scheduledHours(null)).toBe(730);
    expect(() => scheduledHours({ start: 'rate(1 day)', stop: 'cron(0 18 ? * MON-FRI *)' })).toThrow(
      /cron\(M H \? \* DAYS \*\)/,
    );

    const dev = loadProfile(terraformDir, 'dev');
    const always = estimate({ ...dev, schedule: null });
    const scheduled = estimate(dev);
    const share = scheduled.hoursOn / 730;
    expect(line(scheduled, 'DocumentDB instances')).toBeCloseTo(line(always, 'DocumentDB instances') * share, 1);
    expect(line(scheduled, 'Fargate tasks')).toBeCloseTo(line(always, 'Fargate tasks') * share, 1);
    expect(line(scheduled, 'VPC interface endpoints')).toBe(line(always, 'VPC interface endpoints'));
    // Amazon MQ cannot be stopped: the same with or without working hours
    const mq = { ...dev, broker: 'amazon-mq' as const };
    expect(line(estimate(mq), 'Amazon MQ (RabbitMQ)')).toBeGreaterThan(20);
    expect(line(estimate(mq), 'Amazon MQ (RabbitMQ)')).toBe(
      line(estimate({ ...mq, schedule: null }), 'Amazon MQ (RabbitMQ)'),
    );
  });

  it('the ECS broker (dev): its task bills the working hours and its margins on Spot, its storage and DNS zone all month, and no Amazon MQ', () => {
    const dev = loadProfile(terraformDir, 'dev');
    expect(dev.broker).toBe('ecs');
    expect(dev.ecs_broker).toEqual({ cpu: 256, memory: 1024, schedule_margin_minutes: 10 });
    const e = estimate(dev);
    const ecsLine = 'RabbitMQ on ECS (broker = "ecs")';
    expect(line(e, 'Amazon MQ (RabbitMQ)')).toBeNaN();

    // 10 h a day, MON-FRI, plus 10 minutes at each end
    const hours = (((10 * 60 + 20) / 60) * 5 * 52) / 12;
    const rate = PRICES.fargate.X86_64;
    const task = (0.25 * rate.vcpuHour + 1 * rate.gbHour) * (1 - PRICES.fargate.spotDiscount) * hours;
    const fixed = 1 * PRICES.efs.storageGbMonth + PRICES.route53ZoneMonth;
    const registered = PRICES.cloudMapInstanceMonth * (hours / 730);
    expect(line(e, ecsLine)).toBeCloseTo(task + fixed + registered, 2);

    // on demand when the services are not all on Spot; always on without a schedule
    const onDemand = estimate({ ...dev, fargate_capacity: 'MIXED' });
    expect(line(onDemand, ecsLine) - fixed - registered).toBeCloseTo(task / (1 - PRICES.fargate.spotDiscount), 1);
    expect(line(estimate({ ...dev, schedule: null }), ecsLine)).toBeCloseTo(
      (task * 730) / hours + fixed + PRICES.cloudMapInstanceMonth,
      2,
    );
    // with no working hours at all (the floor), only the storage and the zone are left
    const none = estimate({ ...dev, schedule: { start: 'cron(0 0 ? * MON *)', stop: 'cron(0 0 ? * MON *)' } });
    expect(line(none, ecsLine)).toBeCloseTo(fixed, 2);

    // its two alarms watch its memory, and its and every service's CPU sample counts (Amazon MQ's: 2 metrics)
    expect(ecsBrokerAlarmMetrics(3)).toBe(5);
    const mq = estimate({ ...dev, broker: 'amazon-mq' });
    expect(line(e, 'CloudWatch alarms and dashboard') - line(mq, 'CloudWatch alarms and dashboard')).toBeCloseTo(
      3 * PRICES.cloudwatch.alarmMetricMonth,
      2,
    );
    // the lever the dev profile pulls: under 100 a month
    expect(mq.total - e.total).toBeGreaterThan(20);
    expect(e.total).toBeLessThan(100);
  });

  it('the ECS broker starts before the services and stops after them when the shift stays on the same day', () => {
    expect(shiftCron('cron(0 8 ? * MON-FRI *)', -10)).toBe('cron(50 7 ? * MON-FRI *)');
    expect(shiftCron('cron(0 18 ? * MON-FRI *)', 10)).toBe('cron(10 18 ? * MON-FRI *)');
    expect(shiftCron('cron(55 23 ? * MON-FRI *)', 10)).toBe('cron(55 23 ? * MON-FRI *)');
    expect(shiftCron('cron(5 0 ? * MON-FRI *)', -10)).toBe('cron(5 0 ? * MON-FRI *)');
    expect(shiftCron('rate(1 day)', 10)).toBe('rate(1 day)');
  });

  it('endpoints bill per zone: one zone is half of two; ECS Exec and tracing add theirs', () => {
    const p = loadProfile(terraformDir, 'production');
    const two = line(production, 'VPC interface endpoints');
    const one = line(estimate({ ...p, endpoints_in_one_zone: true }), 'VPC interface endpoints');
    expect(two - one).toBeCloseTo(4 * 730 * PRICES.endpoint.zoneHour, 1);
    expect(line(estimate({ ...p, enable_ecs_exec: true, tracing: true }), 'VPC interface endpoints') - two).toBeCloseTo(
      3 * 2 * 730 * PRICES.endpoint.zoneHour,
      1,
    );
  });

  it('the edge firewall: on by default (variables.tf), off in the dev profile (waf = null), a line of its own', () => {
    expect(loadProfile(terraformDir, 'production').waf).toBe(true);
    const dev = loadProfile(terraformDir, 'dev');
    expect(dev.waf).toBe(false);
    expect(line(estimate(dev), 'AWS WAF (the edge firewall)')).toBeNaN();
    const withWaf = estimate({ ...dev, waf: true });
    // the web ACL, its rules and requests; its log's key and 0.1 GB a month delivered and kept a year
    expect(line(withWaf, 'AWS WAF (the edge firewall)')).toBeCloseTo(
      5 + 5 * 1 + 5 * 0.6 + 1 + 0.1 * (0.5 + 12 * 0.03),
      2,
    );
    expect(withWaf.total - estimate(dev).total).toBeCloseTo(line(withWaf, 'AWS WAF (the edge firewall)'), 1);
  });

  it('refuses a class it has no price for, saying where to add it', () => {
    const p = loadProfile(terraformDir, 'production');
    expect(() => estimate({ ...p, docdb_instance_class: 'db.x9.huge' })).toThrow(
      /no price for DocumentDB instance class db\.x9\.huge.*PRICES/,
    );
  });

  it('the line items add up to the total', () => {
    for (const e of estimates()) {
      expect(e.total).toBeCloseTo(
        e.items.reduce((s, i) => s + i.usd, 0),
        2,
      );
    }
  });
});

describe('the documents', () => {
  it('docs/COSTS.md and the totals in infra/terraform/README.md are what the tfvars make of them (else: npm run costs -- --write)', () => {
    for (const [path, content] of Object.entries(expectedFiles())) {
      expect(readFileSync(path, 'utf8'), path).toBe(content);
    }
  });

  it('every environment has its table, and its total is the one computed', () => {
    const all = estimates();
    const md = costsMarkdown(all);
    for (const e of all) {
      expect(md).toContain(`### ${e.profile.environment}`);
      expect(md).toContain(`| **Total** | | **${e.total.toFixed(2)}** |`);
    }
  });
});
