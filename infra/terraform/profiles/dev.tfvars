# The dev profile: private and secure like the others (no public address anywhere, no NAT, TLS,
# encryption, the same roles), and as cheap as that allows (docs/COSTS.md, computed from this file
# by scripts/costs.ts). Not one of the environments the workflows plan and deploy: to run it, copy
# profiles/dev.* into environments/ and add dev to bootstrap's environments (docs/ENVIRONMENTS.md):
# - one task per service, on Fargate Spot (x86: Spot runs no ARM64 tasks), none outside working
#   hours, when DocumentDB is stopped too;
# - DocumentDB's smallest Graviton instance, one (no failover; the storage is replicated
#   across three zones all the same);
# - the four interface endpoints a task needs, in one zone (the subnets stay in two: an
#   application load balancer and DocumentDB's subnet group need two zones);
# - RabbitMQ as an ECS task (broker = "ecs") instead of Amazon MQ, which cannot be stopped: on
#   Spot, stopped outside working hours (after the services, started before them), its data on
#   encrypted EFS so queues and messages outlive a task, found as broker.platform-dev.internal,
#   plain AMQP inside the VPC from the service tasks only (docs/ENVIRONMENTS.md, "The ECS broker");
# - no Container Insights, no edge firewall (the services keep their own limits), logs kept a
#   week, nothing protected from terraform destroy.
environment = "dev"
region      = "eu-west-1"

service_scaling = {
  customer = { desired_count = 1, max_count = 1 }
  products = { desired_count = 1, max_count = 1 }
  shopping = { desired_count = 1, max_count = 1 }
}

cpu_architecture      = "X86_64"
fargate_capacity      = "SPOT"
endpoints_in_one_zone = true
container_insights    = "disabled"
waf                   = null

# Monday to Friday, 08:00-18:00 Dublin time; outside it no task runs and DocumentDB is stopped.
schedule = {
  start    = "cron(0 8 ? * MON-FRI *)"
  stop     = "cron(0 18 ? * MON-FRI *)"
  timezone = "Europe/Dublin"
}

docdb_instance_class = "db.t4g.medium"
docdb_instance_count = 1

# RabbitMQ 3.13 (Amazon MQ's line) on a 0.25 vCPU / 1 GB task: the ecs_broker defaults.
broker = "ecs"

log_retention_days          = 7
deletion_protection         = false
secret_recovery_window_days = 0

# The budget alert (and every alarm) mails alarm_email: set yours.
monthly_budget_usd = 100
# alarm_email      = "you@example.com"
