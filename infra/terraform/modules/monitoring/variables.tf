variable "name" {
  description = "Prefix of every alarm, the topic, the dashboard and the saved queries (<name>-<environment>)."
  type        = string
}

variable "environment" {
  description = "The environment's name: the budget counts the costs tagged Environment=<environment>."
  type        = string
}

variable "region" {
  description = "Region of the dashboard's widgets."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the services' own metrics (their METRICS_NAMESPACE, <name>/<environment>), dimension Service."
  type        = string
}

variable "alarm_email" {
  description = "Where alarms and the budget alert go: an email subscription to the alarm topic (AWS sends a confirmation link first). null: no subscription (subscribe chat or paging tools to the topic yourself)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", coalesce(var.alarm_email, "x@y.z")))
    error_message = "alarm_email must be an email address."
  }
}

variable "kms_key_arn" {
  description = "The platform's key: it encrypts the alarm topic (its key policy lets CloudWatch and AWS Budgets publish to it)."
  type        = string
}

variable "load_balancer_arn_suffix" {
  description = "ARN suffix of the load balancer (dimension LoadBalancer)."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (dimension ClusterName)."
  type        = string
}

variable "services" {
  description = "Per service: the ARN suffixes of its target groups (primary and alternate: whichever serves, the alarms cover it) and its log group (the saved queries and the dashboard read them)."
  type = map(object({
    target_group_arn_suffixes = list(string)
    log_group                 = string
  }))
}

variable "database" {
  description = "DocumentDB: the cluster's and its instances' identifiers."
  type = object({
    cluster_identifier   = string
    instance_identifiers = list(string)
  })
}

variable "broker" {
  description = <<-EOT
    The broker. kind amazon-mq: Amazon MQ, name is the broker's (the credentials stack names it
    <name>-<environment>), instance_type sets the memory alarm's default. kind ecs: RabbitMQ as the
    ECS service `name` in cluster_name (modules/broker): alarms on its task's memory and on no
    broker task running while a service's does.
  EOT
  type = object({
    kind          = optional(string, "amazon-mq")
    name          = string
    instance_type = optional(string)
  })

  validation {
    condition     = contains(["amazon-mq", "ecs"], var.broker.kind) && (var.broker.kind == "ecs" || var.broker.instance_type != null)
    error_message = "broker.kind must be amazon-mq (with instance_type) or ecs."
  }
}

variable "thresholds" {
  description = <<-EOT
    When the alarms go off (each is explained in docs/OBSERVABILITY.md). Error rates are
    percentages of requests over 1-minute periods, only counted in minutes with at least
    min_requests_per_minute requests (one error among three requests is no signal); an alarm goes
    off when 3 of the last 5 minutes breach (latency, CPU, memory, DocumentDB: all 5).
    p99_latency_seconds: 99th percentile of the target response time. outbox_age_seconds: the
    oldest event not yet published (the relay retries every few seconds: minutes mean the broker is
    unreachable). dead_letters: messages waiting in a service's dead-letter queue (any is a
    message that failed every attempt). docdb_connections: db.t3/t4g.medium allow 500.
    mq_memory_mib: RabbitMQ blocks publishers at its memory high watermark (40% of the instance's
    memory); null: 80% of that for the broker's instance type. mq_disk_free_mib: the broker's free
    disk (it blocks publishers at its own limit, far lower). ecs_broker_memory_percent: the ECS
    broker task's memory use (RabbitMQ blocks publishers at 40% of it; the default is 80% of that).
  EOT
  type = object({
    http_5xx_percent          = optional(number, 5)
    min_requests_per_minute   = optional(number, 10)
    p99_latency_seconds       = optional(number, 2)
    cpu_percent               = optional(number, 85)
    memory_percent            = optional(number, 85)
    outbox_age_seconds        = optional(number, 300)
    dead_letters              = optional(number, 0)
    docdb_cpu_percent         = optional(number, 80)
    docdb_connections         = optional(number, 400)
    docdb_freeable_memory_mib = optional(number, 256)
    mq_memory_mib             = optional(number)
    mq_disk_free_mib          = optional(number, 4096)
    ecs_broker_memory_percent = optional(number, 32)
  })
  default = {}

  validation {
    condition     = var.thresholds.http_5xx_percent > 0 && var.thresholds.http_5xx_percent <= 100 && var.thresholds.cpu_percent <= 100 && var.thresholds.memory_percent <= 100 && var.thresholds.docdb_cpu_percent <= 100
    error_message = "Percentages must be at most 100 (and http_5xx_percent above 0)."
  }
}

variable "rollback_on" {
  description = "Which of a service's alarms roll its deployments back (the ECS service's alarms): target_5xx, unhealthy_hosts, p99_latency. Load-driven ones (CPU, memory) and those another service or the broker can cause (outbox, dead letters) are left out."
  type        = list(string)
  default     = ["target_5xx", "unhealthy_hosts"]

  validation {
    condition     = alltrue([for k in var.rollback_on : contains(["target_5xx", "unhealthy_hosts", "p99_latency"], k)])
    error_message = "rollback_on may list target_5xx, unhealthy_hosts and p99_latency."
  }
}

variable "monthly_budget_usd" {
  description = "An AWS Budgets monthly cost budget for this environment (costs tagged Environment=<environment>: activate the Environment cost allocation tag once per account, docs/OBSERVABILITY.md), alerting the alarm topic at 80% of actual and 100% of forecast spend. null: no budget."
  type        = number
  default     = null

  validation {
    condition     = var.monthly_budget_usd == null || coalesce(var.monthly_budget_usd, 1) > 0
    error_message = "monthly_budget_usd must be a positive amount."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
