/**
 * The monthly cost of each environment, computed from what Terraform is given: the defaults of
 * infra/terraform/variables.tf, services.auto.tfvars.json (the manifests' sizes and counts) and
 * environments/<env>.tfvars. One price table (PRICES), one set of usage assumptions (USAGE), one
 * line item per thing AWS bills. docs/COSTS.md and the totals in infra/terraform/README.md are
 * written from it (scripts/costs.ts); every cost figure in the docs comes from here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTfvars, TfvarsError, type Value, variableDefaults } from './tfvars.ts';

/**
 * eu-west-1 (Ireland) on-demand list prices in USD, before tax, as published on the AWS pricing
 * pages (aws.amazon.com/fargate/pricing, /elasticloadbalancing/pricing, /documentdb/pricing,
 * /amazon-mq/pricing, /privatelink/pricing, /cloudwatch/pricing, /kms/pricing,
 * /secrets-manager/pricing, /ecr/pricing, /route53/pricing, /efs/pricing,
 * /cloud-map/pricing). Table dated 2026-12-01: the values
 * this repository's first cost table used (infra/terraform/README.md, eu-west-1), with the
 * Graviton, Spot, db.t4g and larger classes added from the same pages. It was compiled on a
 * machine without internet access: re-check it against the AWS Pricing Calculator or
 * `aws pricing get-products --region us-east-1 --service-code <code>` before relying on a figure,
 * and update PRICES_DATE with it. Fargate Spot's price floats; AWS quotes "up to 70%" off, the
 * table takes 70%.
 */
export const PRICES_DATE = '2026-12-01';
export const PRICES = {
  hoursPerMonth: 730,
  fargate: {
    X86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
    ARM64: { vcpuHour: 0.03238, gbHour: 0.00356 },
    spotDiscount: 0.7,
  },
  alb: { hour: 0.0252, lcuHour: 0.008 },
  documentdb: {
    instanceHour: {
      'db.t3.medium': 0.086,
      'db.t4g.medium': 0.083,
      'db.r5.large': 0.304,
      'db.r6g.large': 0.304,
      'db.r6g.xlarge': 0.608,
    } as Record<string, number>,
    storageGbMonth: 0.11,
    ioPerMillion: 0.22,
  },
  mq: {
    instanceHour: { 'mq.t3.micro': 0.034, 'mq.m5.large': 0.32, 'mq.m5.xlarge': 0.64 } as Record<string, number>,
    storageGbMonth: 0.1,
  },
  endpoint: { zoneHour: 0.011, perGb: 0.01 },
  cloudwatch: {
    logsIngestPerGb: 0.57,
    logsStoredGbMonth: 0.03,
    metricMonth: 0.3,
    alarmMetricMonth: 0.1,
    dashboardMonth: 3,
  },
  kmsKeyMonth: 1,
  secretMonth: 0.4,
  ecrGbMonth: 0.1,
  route53ZoneMonth: 0.5,
  /**
   * AWS WAF: a web ACL, each rule (AWS's baseline managed rule groups cost only that), requests;
   * its request log is a vended log delivered to CloudWatch Logs in us-east-1 (first 10 TB a month),
   * stored at CloudWatch Logs' price, encrypted with a key of its own (kmsKeyMonth).
   */
  waf: { webAclMonth: 5, ruleMonth: 1, perMillionRequests: 0.6, logsDeliveredPerGb: 0.5 },
  /** EFS Standard storage. */
  efs: { storageGbMonth: 0.33 },
  /** Cloud Map: a registered instance (the ECS broker's task, while it runs); its private DNS zone is a Route 53 zone. */
  cloudMapInstanceMonth: 0.1,
} as const;

/**
 * What the figures assume beyond the tfvars. A light load: about one load balancer capacity unit
 * per 6 running tasks, 1.2 MB of logs and 11,400 DocumentDB I/Os per task-hour (5 GB of logs and
 * 50 M I/Os a month for 6 tasks running all month), 10 GB of data; tasks at their minimum count
 * (desired_count: autoscaling adds tasks, and cost, under load); CloudFront within its free tier
 * (1 TB and 10 M requests a month); X-Ray within its (100,000 traces a month).
 */
export const USAGE = {
  tasksPerLcu: 6,
  logMbPerTaskHour: 1.2,
  ioPerTaskHour: 11_400,
  documentdbStorageGb: 10,
  /** DocumentDB's audit and profiler logs, GB a month while it runs (kept a year). */
  documentdbLogsGbMonth: 0.5,
  documentdbLogsMonthsKept: 12,
  mqStorageGb: { 'mq.t3.micro': 20 } as Record<string, number>,
  mqStorageGbDefault: 200,
  endpointGbMonth: 10,
  imagesGb: 1,
  /** The secrets: jwt-keys, amqp-url, the database's (RDS-managed). */
  secrets: 3,
  /** Container Insights: custom metrics per service (with the cluster's, about 60 for 3 services). */
  containerInsightsMetricsPerService: 20,
  /** The services' own EMF metrics (docs/OBSERVABILITY.md): 7 per service, 4 more for shopping's saga. */
  emfMetricsPerService: 7,
  emfSagaMetrics: 4,
  /** Requests a month through CloudFront (and its web ACL, if any). */
  requestsMillionMonth: 5,
  /** The web ACL's rules (modules/edge/waf.tf): three managed lists, two rate limits. */
  wafRules: 5,
  /**
   * The web ACL's request log, GB a month: the requests it blocked or counted only (about 1-2 KB
   * each: some 50,000 a month), kept a year (waf_log_retention_days).
   */
  wafLogGbMonth: 0.1,
  wafLogMonthsKept: 12,
  /** Metrics each alarm watches (CloudWatch bills per metric of an alarm): modules/monitoring. */
  alarmMetricsPerService: 4 + 2 + 2 + 1 + 1 + 1 + 1,
  alarmMetricsLoadBalancer: 2,
  alarmMetricsPerDatabaseInstance: 3,
  alarmMetricsBroker: 2,
  /** The ECS broker's data directory on EFS (queues, messages, definitions). */
  ecsBrokerDataGb: 1,
} as const;

export interface ServiceSize {
  cpu: number;
  memory: number;
  desired_count: number;
  max_count: number;
}

/** What the cost depends on, resolved from defaults, services.auto.tfvars.json and the env's tfvars. */
export interface Profile {
  environment: string;
  region: string;
  services: Record<string, ServiceSize>;
  cpu_architecture: 'X86_64' | 'ARM64';
  fargate_capacity: 'ON_DEMAND' | 'SPOT' | 'MIXED';
  schedule: { start: string; stop: string; timezone?: string } | null;
  az_count: number;
  endpoints_in_one_zone: boolean;
  enable_ecs_exec: boolean;
  tracing: boolean;
  docdb_instance_class: string;
  docdb_instance_count: number;
  broker: 'amazon-mq' | 'ecs';
  mq_deployment_mode: 'SINGLE_INSTANCE' | 'CLUSTER_MULTI_AZ';
  mq_instance_type: string;
  /** broker = "ecs": the task's size, and how long before the services it starts and after them it stops (modules/broker). */
  ecs_broker: { cpu: number; memory: number; schedule_margin_minutes: number };
  container_insights: string;
  domain: boolean;
  log_retention_days: number;
  waf: boolean;
}

export interface LineItem {
  item: string;
  detail: string;
  usd: number;
}

export interface Estimate {
  profile: Profile;
  hoursOn: number;
  items: LineItem[];
  total: number;
}

const num = (v: Value | undefined, name: string): number => {
  if (typeof v !== 'number') throw new TfvarsError(`${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const str = (v: Value | undefined, name: string): string => {
  if (typeof v !== 'string') throw new TfvarsError(`${name} must be a string, got ${JSON.stringify(v)}`);
  return v;
};
const obj = (v: Value | undefined): Record<string, Value> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Value>) : {};

/** The service defaults of variables.tf's services type (optional(number, ...)). */
const SERVICE_DEFAULTS = { cpu: 256, memory: 512, desired_count: 2, max_count: 6 };

/**
 * Resolves an environment's values as Terraform would: variables.tf defaults, then
 * services.auto.tfvars.json, then environments/<env>.tfvars; service_scaling's counts over the
 * services'. `overrides` replaces tfvars values (tests).
 */
export function loadProfile(terraformDir: string, env: string, overrides: Record<string, Value> = {}): Profile {
  const defaults = variableDefaults(readFileSync(join(terraformDir, 'variables.tf'), 'utf8'));
  const auto = JSON.parse(readFileSync(join(terraformDir, 'services.auto.tfvars.json'), 'utf8')) as Record<
    string,
    Value
  >;
  const file = join(terraformDir, tfvarsPath(terraformDir, env));
  const tfvars = parseTfvars(readFileSync(file, 'utf8'), file);
  const v: Record<string, Value> = { ...defaults, ...auto, ...tfvars, ...overrides };
  const scaling = obj(v.service_scaling);
  const services: Record<string, ServiceSize> = {};
  for (const [name, raw] of Object.entries(obj(v.services))) {
    const s = { ...SERVICE_DEFAULTS, ...obj(raw), ...obj(scaling[name]) };
    services[name] = {
      cpu: num(s.cpu, `services.${name}.cpu`),
      memory: num(s.memory, `services.${name}.memory`),
      desired_count: num(s.desired_count, `services.${name}.desired_count`),
      max_count: num(s.max_count, `services.${name}.max_count`),
    };
  }
  const schedule = v.schedule ? obj(v.schedule) : null;
  const brokerTask = obj(v.ecs_broker);
  const brokerModule = variableDefaults(
    readFileSync(join(terraformDir, 'modules', 'broker', 'variables.tf'), 'utf8'),
    'modules/broker/variables.tf',
  );
  return {
    environment: str(v.environment, 'environment'),
    region: str(v.region, 'region'),
    services,
    cpu_architecture: str(v.cpu_architecture, 'cpu_architecture') as Profile['cpu_architecture'],
    fargate_capacity: str(v.fargate_capacity, 'fargate_capacity') as Profile['fargate_capacity'],
    schedule: schedule
      ? {
          start: str(schedule.start, 'schedule.start'),
          stop: str(schedule.stop, 'schedule.stop'),
          timezone: typeof schedule.timezone === 'string' ? schedule.timezone : 'UTC',
        }
      : null,
    az_count: num(v.az_count, 'az_count'),
    endpoints_in_one_zone: v.endpoints_in_one_zone === true,
    enable_ecs_exec: v.enable_ecs_exec === true,
    tracing: obj(v.tracing).enabled === true,
    docdb_instance_class: str(v.docdb_instance_class, 'docdb_instance_class'),
    docdb_instance_count: num(v.docdb_instance_count, 'docdb_instance_count'),
    broker: str(v.broker, 'broker') as Profile['broker'],
    mq_deployment_mode: str(v.mq_deployment_mode, 'mq_deployment_mode') as Profile['mq_deployment_mode'],
    mq_instance_type: str(v.mq_instance_type, 'mq_instance_type'),
    ecs_broker: {
      cpu: num(brokerTask.cpu, 'ecs_broker.cpu'),
      memory: num(brokerTask.memory, 'ecs_broker.memory'),
      schedule_margin_minutes: num(brokerModule.schedule_margin_minutes, 'schedule_margin_minutes (modules/broker)'),
    },
    container_insights: str(v.container_insights, 'container_insights'),
    domain: v.domain !== null && v.domain !== undefined,
    log_retention_days: num(v.log_retention_days, 'log_retention_days'),
    waf: v.waf !== null && v.waf !== undefined,
  };
}

/**
 * What is priced: every environments/<env>.tfvars (the environments the workflows plan and
 * deploy) and every profiles/<env>.tfvars (ready-made ones not deployed until copied into
 * environments/: dev); an environment of a profile's name is the one priced.
 */
export function environments(terraformDir: string): string[] {
  const names = TFVARS_DIRS.flatMap((d) => {
    const dir = join(terraformDir, d);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tfvars')) : [];
  });
  return [...new Set(names.map((f) => f.replace(/\.tfvars$/, '')))].sort();
}

const TFVARS_DIRS = ['environments', 'profiles'];

/** Where an environment's tfvars is, relative to infra/terraform: environments/, else profiles/. */
export function tfvarsPath(terraformDir: string, env: string): string {
  const found = TFVARS_DIRS.map((d) => `${d}/${env}.tfvars`).find((f) => existsSync(join(terraformDir, f)));
  return found ?? `environments/${env}.tfvars`;
}

const DAYS: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** Days of the week a cron day-of-week field names by name (MON-FRI, SAT,SUN, *, ?). */
function weekdays(field: string): Set<number> {
  if (field === '*' || field === '?') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const [a, b = a] = part.split('-');
    const from = DAYS[a ?? ''];
    const to = DAYS[b ?? ''];
    if (from === undefined || to === undefined) {
      throw new TfvarsError(`the cost tables read days by name (MON-FRI, SAT,SUN); got "${field}"`);
    }
    for (let d = from, i = 0; i < 7; i++, d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days;
}

/** minute, hour and days of a cron(m h ? * DOW *) expression (the form the schedule variable takes). */
function cronTime(expression: string): { minutes: number; days: Set<number> } {
  const m = /^cron\((\d+) (\d+) [?*] \* (\S+) \*\)$/.exec(expression);
  if (!m) {
    throw new TfvarsError(
      `the cost tables read schedules of the form cron(M H ? * DAYS *), e.g. cron(0 8 ? * MON-FRI *); got ${expression}`,
    );
  }
  return { minutes: Number(m[2]) * 60 + Number(m[1]), days: weekdays(m[3] ?? '*') };
}

/** Hours a month between the schedule's daily start and stop, on the start's days (52/12 weeks a month). */
export function scheduledHours(schedule: Profile['schedule']): number {
  if (!schedule) return PRICES.hoursPerMonth;
  const start = cronTime(schedule.start);
  const stop = cronTime(schedule.stop);
  const daily = (stop.minutes - start.minutes + 24 * 60) % (24 * 60);
  return ((daily / 60) * start.days.size * 52) / 12;
}

/**
 * A cron(M H ...) expression moved by `minutes` when it stays on the same day, else unchanged: how
 * modules/broker starts the ECS broker before the services and stops it after them.
 */
export function shiftCron(expression: string, minutes: number): string {
  const m = /^cron\((\d+) (\d+) (.+)\)$/.exec(expression);
  if (!m) return expression;
  const at = Number(m[2]) * 60 + Number(m[1]) + minutes;
  return at >= 0 && at < 24 * 60 ? `cron(${at % 60} ${Math.floor(at / 60)} ${m[3]})` : expression;
}

/** Hours a month the ECS broker runs: the working hours and its margin at both ends (none at all when they are none). */
export function brokerHours(p: Profile): number {
  if (!p.schedule) return PRICES.hoursPerMonth;
  if (scheduledHours(p.schedule) === 0) return 0;
  const margin = p.ecs_broker.schedule_margin_minutes;
  return scheduledHours({ start: shiftCron(p.schedule.start, -margin), stop: shiftCron(p.schedule.stop, margin) });
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const gb = (mb: number) => mb / 1024;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const price = (table: Record<string, number>, key: string, what: string) => {
  const p = table[key];
  if (p === undefined) {
    throw new TfvarsError(`no price for ${what} ${key} in scripts/lib/costs.ts PRICES: add it (eu-west-1, USD/hour)`);
  }
  return p;
};

/**
 * Metrics the ECS broker's two alarms watch (modules/monitoring): its memory, and "down", which
 * compares its CPU sample count with every service's (no broker task while a service runs).
 */
export function ecsBrokerAlarmMetrics(services: number): number {
  return 1 + 1 + services;
}

/** The monthly cost of a profile, line by line. */
export function estimate(p: Profile): Estimate {
  const h = PRICES.hoursPerMonth;
  const hoursOn = scheduledHours(p.schedule);
  const items: LineItem[] = [];
  const add = (item: string, detail: string, usd: number) => items.push({ item, detail, usd: round2(usd) });
  const names = Object.keys(p.services);
  const tasks = names.reduce((n, s) => n + (p.services[s]?.desired_count ?? 0), 0);
  const taskHours = tasks * hoursOn;
  const hours = p.schedule ? `${Math.round(hoursOn)} h (working hours)` : `${h} h`;

  // Fargate: per service, its tasks at their size; Spot at its discount (MIXED: the first task on demand).
  const rate = PRICES.fargate[p.cpu_architecture];
  const spot = 1 - PRICES.fargate.spotDiscount;
  let fargate = 0;
  for (const s of Object.values(p.services)) {
    const perTaskHour = (s.cpu / 1024) * rate.vcpuHour + (s.memory / 1024) * rate.gbHour;
    const onDemand = p.fargate_capacity === 'ON_DEMAND' ? s.desired_count : p.fargate_capacity === 'MIXED' ? 1 : 0;
    const onSpot = s.desired_count - Math.min(onDemand, s.desired_count);
    fargate += (Math.min(onDemand, s.desired_count) + onSpot * spot) * perTaskHour * hoursOn;
  }
  const sizes = [...new Set(Object.values(p.services).map((s) => `${s.cpu / 1024} vCPU / ${s.memory / 1024} GB`))];
  add(
    'Fargate tasks',
    `${plural(tasks, 'task')} (${names.map((n) => `${n} ${p.services[n]?.desired_count}`).join(', ')}) of ${sizes.join(' or ')}, ${p.cpu_architecture === 'ARM64' ? 'ARM64 (Graviton)' : 'x86'}, ${{ ON_DEMAND: 'on demand', SPOT: 'Fargate Spot', MIXED: 'one per service on demand, the rest on Spot' }[p.fargate_capacity]}, ${hours}`,
    fargate,
  );

  const lcuHours = taskHours / USAGE.tasksPerLcu;
  add(
    'Application Load Balancer',
    `${h} h x $${PRICES.alb.hour} + ${Math.round(lcuHours)} LCU-hours x $${PRICES.alb.lcuHour} (internal: no public IPv4 address)`,
    h * PRICES.alb.hour + lcuHours * PRICES.alb.lcuHour,
  );
  add('CloudFront', 'within the free tier (1 TB out, 10 M requests a month); the VPC origin is free', 0);
  if (p.waf) {
    add(
      'AWS WAF (the edge firewall)',
      `1 web ACL x $${PRICES.waf.webAclMonth} + ${USAGE.wafRules} rules x $${PRICES.waf.ruleMonth} + ${USAGE.requestsMillionMonth} M requests x $${PRICES.waf.perMillionRequests}/M; its log of blocked and counted requests: 1 key in us-east-1 $${PRICES.kmsKeyMonth} + ${USAGE.wafLogGbMonth} GB a month x $${PRICES.waf.logsDeliveredPerGb}, kept a year`,
      PRICES.waf.webAclMonth +
        USAGE.wafRules * PRICES.waf.ruleMonth +
        USAGE.requestsMillionMonth * PRICES.waf.perMillionRequests +
        PRICES.kmsKeyMonth +
        USAGE.wafLogGbMonth *
          (PRICES.waf.logsDeliveredPerGb + USAGE.wafLogMonthsKept * PRICES.cloudwatch.logsStoredGbMonth),
    );
  }

  const instanceHour = price(PRICES.documentdb.instanceHour, p.docdb_instance_class, 'DocumentDB instance class');
  add(
    'DocumentDB instances',
    `${p.docdb_instance_count} x ${p.docdb_instance_class} x ${hours}${p.schedule ? ', stopped outside them' : ''}`,
    p.docdb_instance_count * instanceHour * hoursOn,
  );
  const ios = taskHours * USAGE.ioPerTaskHour;
  add(
    'DocumentDB storage and I/O',
    `${USAGE.documentdbStorageGb} GB x $${PRICES.documentdb.storageGbMonth} + ${(ios / 1e6).toFixed(1)} M I/Os x $${PRICES.documentdb.ioPerMillion}/M`,
    USAGE.documentdbStorageGb * PRICES.documentdb.storageGbMonth + (ios / 1e6) * PRICES.documentdb.ioPerMillion,
  );

  const brokerTaskHours = p.broker === 'ecs' ? brokerHours(p) : 0;
  if (p.broker === 'ecs') {
    // One task, on Spot when the services are all on Spot (modules/broker: FARGATE_SPOT for SPOT only).
    const b = p.ecs_broker;
    const onSpot = p.fargate_capacity === 'SPOT';
    const taskHour = ((b.cpu / 1024) * rate.vcpuHour + (b.memory / 1024) * rate.gbHour) * (onSpot ? spot : 1);
    const brokerHoursText = p.schedule
      ? `${Math.round(brokerTaskHours)} h (working hours, ${b.schedule_margin_minutes} min more at each end)`
      : `${h} h`;
    add(
      'RabbitMQ on ECS (broker = "ecs")',
      `1 task of ${b.cpu / 1024} vCPU / ${b.memory / 1024} GB${onSpot ? ' on Fargate Spot' : ''} x ${brokerHoursText} + ${USAGE.ecsBrokerDataGb} GB on EFS x $${PRICES.efs.storageGbMonth} + the Cloud Map DNS zone $${PRICES.route53ZoneMonth} and instance $${PRICES.cloudMapInstanceMonth} while it runs`,
      taskHour * brokerTaskHours +
        USAGE.ecsBrokerDataGb * PRICES.efs.storageGbMonth +
        PRICES.route53ZoneMonth +
        PRICES.cloudMapInstanceMonth * (brokerTaskHours / h),
    );
  } else {
    const nodes = p.mq_deployment_mode === 'CLUSTER_MULTI_AZ' ? 3 : 1;
    const mqStorage = USAGE.mqStorageGb[p.mq_instance_type] ?? USAGE.mqStorageGbDefault;
    add(
      'Amazon MQ (RabbitMQ)',
      `${nodes} x ${p.mq_instance_type} x ${h} h (a broker cannot be stopped) + ${mqStorage * nodes} GB of storage`,
      nodes * price(PRICES.mq.instanceHour, p.mq_instance_type, 'Amazon MQ instance type') * h +
        mqStorage * nodes * PRICES.mq.storageGbMonth,
    );
  }

  const endpoints = 4 + (p.enable_ecs_exec ? 2 : 0) + (p.tracing ? 1 : 0);
  const zones = p.endpoints_in_one_zone ? 1 : p.az_count;
  add(
    'VPC interface endpoints',
    `${endpoints} (ecr.api, ecr.dkr, logs, secretsmanager${p.enable_ecs_exec ? ', ssmmessages, kms' : ''}${p.tracing ? ', xray' : ''}) x ${plural(zones, 'zone')} x ${h} h x $${PRICES.endpoint.zoneHour} + ${USAGE.endpointGbMonth} GB; the S3 gateway endpoint is free`,
    endpoints * zones * h * PRICES.endpoint.zoneHour + USAGE.endpointGbMonth * PRICES.endpoint.perGb,
  );

  const logGb = gb((taskHours + brokerTaskHours) * USAGE.logMbPerTaskHour);
  const monthsKept = Math.min(p.log_retention_days / 30, 12);
  const dbLogs = USAGE.documentdbLogsGbMonth * (hoursOn / h);
  add(
    'CloudWatch Logs',
    `${logGb.toFixed(1)} GB of service${p.broker === 'ecs' ? ' and broker' : ''} logs kept ${p.log_retention_days} days, ${dbLogs.toFixed(1)} GB of DocumentDB audit/profiler logs kept a year`,
    (logGb + dbLogs) * PRICES.cloudwatch.logsIngestPerGb +
      (logGb * monthsKept + dbLogs * USAGE.documentdbLogsMonthsKept) * PRICES.cloudwatch.logsStoredGbMonth,
  );

  const emf = names.length * USAGE.emfMetricsPerService + (names.includes('shopping') ? USAGE.emfSagaMetrics : 0);
  const insights = p.container_insights === 'disabled' ? 0 : names.length * USAGE.containerInsightsMetricsPerService;
  add(
    'CloudWatch metrics',
    `${emf} metrics of the services' own (billed for the hours they are sent)${insights > 0 ? `, ${insights} of Container Insights` : ', Container Insights off'}, x $${PRICES.cloudwatch.metricMonth}`,
    (emf * (hoursOn / h) + insights) * PRICES.cloudwatch.metricMonth,
  );

  const alarmMetrics =
    names.length * USAGE.alarmMetricsPerService +
    USAGE.alarmMetricsLoadBalancer +
    p.docdb_instance_count * USAGE.alarmMetricsPerDatabaseInstance +
    (p.broker === 'ecs' ? ecsBrokerAlarmMetrics(names.length) : USAGE.alarmMetricsBroker);
  // the broker's two either way: Amazon MQ's memory and disk, or the ECS broker's memory and "down"
  const alarms = names.length * 7 + 1 + p.docdb_instance_count * 3 + 2;
  add(
    'CloudWatch alarms and dashboard',
    `${alarms} alarms watching ${alarmMetrics} metrics x $${PRICES.cloudwatch.alarmMetricMonth}, 1 dashboard (an account's first 3 are free)`,
    alarmMetrics * PRICES.cloudwatch.alarmMetricMonth + PRICES.cloudwatch.dashboardMonth,
  );

  add(
    'KMS, Secrets Manager, ECR',
    `1 key, ${USAGE.secrets} secrets, ${USAGE.imagesGb} GB of images`,
    PRICES.kmsKeyMonth + USAGE.secrets * PRICES.secretMonth + USAGE.imagesGb * PRICES.ecrGbMonth,
  );
  if (p.tracing) add('X-Ray', 'within the free tier (100,000 traces recorded a month; $5 per million beyond)', 0);
  if (p.domain) add('Route 53', '1 hosted zone (the ACM certificate is free)', PRICES.route53ZoneMonth);

  return { profile: p, hoursOn, items, total: round2(items.reduce((sum, i) => sum + i.usd, 0)) };
}
