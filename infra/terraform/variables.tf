variable "name" {
  description = "Project name: the prefix of every resource (with the environment)."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.name))
    error_message = "name must be 2-13 lower-case letters, digits or dashes, starting with a letter (names derived from it have AWS length limits)."
  }
}

variable "environment" {
  description = "Environment name, e.g. production or staging."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment)) && !contains(["github", "deploy"], var.environment)
    error_message = "environment must be 2-12 lower-case letters or digits, and neither github nor deploy (<name>-github-* and <name>-deploy-* are bootstrap's roles)."
  }
}

variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
}

variable "services" {
  description = <<-EOT
    The services, by name. services.auto.tfvars.json, generated from the services' manifests
    (npm run generate), sets it for every environment; service_scaling changes the counts per
    environment. path is the prefix the load balancer routes to the service (path and
    path/*, unchanged; health check path/health), /<name> by default: the platform's services
    serve under /<name>. port is the container port (PORT). cpu and memory are Fargate units;
    desired_count is the minimum, max_count the autoscaling limit; priority orders the listener rules.
    deploy_strategy: ROLLING (replace the tasks a few at a time) or BLUE_GREEN (ECS starts the new
    revision beside the old one, scripts/deploy-ecs.ts checks it through the test listener, then
    the traffic moves at once; the old revision stays bake_minutes, during which a rollback is
    instant). docs/OBSERVABILITY.md, "Blue/green deployments".
  EOT
  type = map(object({
    priority        = number
    path            = optional(string)
    port            = optional(number, 8080)
    cpu             = optional(number, 256)
    memory          = optional(number, 512)
    desired_count   = optional(number, 2)
    max_count       = optional(number, 6)
    deploy_strategy = optional(string, "ROLLING")
    bake_minutes    = optional(number, 5)
  }))
  default = {
    customer = { priority = 10 }
    products = { priority = 20 }
    shopping = { priority = 30 }
  }

  validation {
    condition     = length(var.services) > 0 && alltrue([for n in keys(var.services) : length(n) >= 2 && length(n) <= 16 && can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", n))])
    error_message = "Service names must be 2-16 lower-case letters or digits, words joined by single dashes."
  }

  validation {
    condition     = length(distinct([for s in values(var.services) : s.priority])) == length(var.services)
    error_message = "Each service needs its own listener rule priority."
  }

  validation {
    condition     = length(distinct([for n, s in var.services : coalesce(s.path, "/${n}")])) == length(var.services) && alltrue([for s in values(var.services) : s.path == null || can(regex("^(/[a-z0-9][a-z0-9._-]*)+$", s.path))])
    error_message = "Each service needs its own path, /segment[/segment...] without a trailing slash."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.port >= 1024 && s.port <= 65535])
    error_message = "Container ports must be 1024-65535 (the containers do not run as root)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["ROLLING", "BLUE_GREEN"], s.deploy_strategy) && s.bake_minutes >= 0 && s.bake_minutes <= 1440])
    error_message = "deploy_strategy must be ROLLING or BLUE_GREEN; bake_minutes 0-1440."
  }
}

variable "service_scaling" {
  description = "Per environment, per service: desired_count (the minimum) and max_count (the autoscaling limit), overriding the services map."
  type = map(object({
    desired_count = optional(number)
    max_count     = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for s in values(var.service_scaling) : coalesce(s.desired_count, 1) >= 1 && coalesce(s.max_count, 1) >= 1])
    error_message = "desired_count and max_count must be 1 or more."
  }

  validation {
    condition     = alltrue([for name in keys(var.service_scaling) : contains(keys(var.services), name)])
    error_message = "service_scaling names a service that is not in services (services.auto.tfvars.json, from the manifests)."
  }
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "az_count" {
  description = "Availability zones (2 or 3)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "domain" {
  description = <<-EOT
    Your domain, e.g. { name = "shop.example.com", hosted_zone_id = "Z0123..." } (a Route 53 zone
    of this account that the name is in): CloudFront serves it with an ACM certificate validated
    through that zone. null (the default) serves https://<id>.cloudfront.net with CloudFront's own
    certificate. HTTPS either way; HTTP only redirects.
  EOT
  type = object({
    name           = string
    hosted_zone_id = string
  })
  default = null
}

variable "cloudfront_price_class" {
  description = "CloudFront edge locations: PriceClass_100 (North America and Europe, the cheapest), PriceClass_200, PriceClass_All."
  type        = string
  default     = "PriceClass_100"
}

variable "waf" {
  description = "A WAF web ACL on CloudFront (modules/edge/waf.tf): AWS's IP reputation and known-bad-inputs lists, its anonymous-address list (counted; refused with block_anonymous), and per client address over 5 minutes at most requests_per_5_minutes requests and writes_per_5_minutes non-GET ones (429 with Retry-After beyond); what it blocks or counts is logged to aws-waf-logs-<name>-<environment> in us-east-1 (Authorization and Cookie redacted, its own KMS key, kept a year). Its cost is in docs/COSTS.md; null: none (the dev profile)."
  type = object({
    requests_per_5_minutes = optional(number, 3000)
    writes_per_5_minutes   = optional(number, 300)
    block_anonymous        = optional(bool, false)
  })
  default = {}
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 for the Fargate tasks (build images to match)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "image_tag" {
  description = "Image tag of the task definitions Terraform registers before any image exists; from then on scripts/deploy-ecs.ts registers the revisions with the real images (the workflows never set it)."
  type        = string
  default     = "bootstrap"
}

variable "admin_emails" {
  description = "Emails that get role admin when they sign up or log in; every service checks an admin token's email against this list (ADMIN_EMAILS), so removing one takes effect on the next deploy."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.admin_emails : can(regex("^[^@,\\s]+@[^@,\\s]+$", e))])
    error_message = "admin_emails must be email addresses (no commas or spaces: the services get them comma-separated)."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the services."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  description = "Days to keep logs (services, VPC flow logs; the deploy workflow gives the broker's log group the same). DocumentDB's audit and profiler logs and the edge firewall's log are kept a year."
  type        = number
  default     = 30
}

variable "docdb_instance_class" {
  description = "DocumentDB instance class."
  type        = string
  default     = "db.t3.medium"
}

variable "docdb_instance_count" {
  description = "DocumentDB instances (2+ for failover)."
  type        = number
  default     = 1
}

variable "broker" {
  description = <<-EOT
    The RabbitMQ broker: amazon-mq (Amazon MQ, created by the credentials stack: TLS, managed,
    always on) or ecs (RabbitMQ as one ECS task of the stack's cluster, its data on encrypted EFS,
    found as broker.<name>-<environment>.internal, stopped outside the working hours with the
    services: for non-production, docs/ENVIRONMENTS.md "The ECS broker").
  EOT
  type        = string
  default     = "amazon-mq"

  validation {
    condition     = contains(["amazon-mq", "ecs"], var.broker)
    error_message = "broker must be amazon-mq or ecs."
  }
}

variable "ecs_broker" {
  description = "With broker = \"ecs\": the broker task's cpu and memory (a Fargate combination) and its RabbitMQ image (public.ecr.aws/<path>:<tag>, pulled through the stack's ECR cache; the Docker official image's 3.13 line, the one Amazon MQ runs). It runs on Spot when fargate_capacity is SPOT, on demand otherwise."
  type = object({
    cpu    = number
    memory = number
    image  = string
  })
  default = {
    cpu    = 256
    memory = 1024
    image  = "public.ecr.aws/docker/library/rabbitmq:3.13.7-alpine"
  }
}

variable "mq_deployment_mode" {
  description = "Amazon MQ: SINGLE_INSTANCE or CLUSTER_MULTI_AZ (the credentials stack creates the broker with it)."
  type        = string
  default     = "SINGLE_INSTANCE"

  validation {
    condition     = contains(["SINGLE_INSTANCE", "CLUSTER_MULTI_AZ"], var.mq_deployment_mode)
    error_message = "mq_deployment_mode must be SINGLE_INSTANCE or CLUSTER_MULTI_AZ."
  }
}

variable "mq_instance_type" {
  description = "Amazon MQ instance type (mq.t3.micro for a single instance; mq.m5.large+ for a cluster)."
  type        = string
  default     = "mq.t3.micro"
}

variable "mq_engine_version" {
  description = "RabbitMQ version of the broker (the credentials stack creates it)."
  type        = string
  default     = "3.13"
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored. 0 deletes it at once, so that a destroyed environment can be created again under the same names right away (use 0 for throwaway environments, keep 7+ for production)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or 7-30."
  }
}

variable "broker_management_access" {
  description = "Open the RabbitMQ management API (HTTPS) to the tasks, for the broker password procedure of docs/SECURITY.md; switch it off again afterwards."
  type        = bool
  default     = false
}

variable "enable_ecs_exec" {
  description = "Allow aws ecs execute-command (adds the ssmmessages and kms VPC endpoints)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the load balancer, database and images from terraform destroy."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Where the alarms and the budget alert go: an email subscription to the environment's alarm topic (AWS mails a confirmation link first). null: no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", coalesce(var.alarm_email, "x@y.z")))
    error_message = "alarm_email must be an email address."
  }
}

variable "alarm_thresholds" {
  description = "When the alarms go off: modules/monitoring's thresholds (every field optional, defaults explained there and in docs/OBSERVABILITY.md)."
  type = object({
    http_5xx_percent          = optional(number)
    min_requests_per_minute   = optional(number)
    p99_latency_seconds       = optional(number)
    cpu_percent               = optional(number)
    memory_percent            = optional(number)
    outbox_age_seconds        = optional(number)
    dead_letters              = optional(number)
    docdb_cpu_percent         = optional(number)
    docdb_connections         = optional(number)
    docdb_freeable_memory_mib = optional(number)
    mq_memory_mib             = optional(number)
    mq_disk_free_mib          = optional(number)
    ecs_broker_memory_percent = optional(number)
  })
  default = {}
}

variable "rollback_on" {
  description = "Which of a service's alarms roll its deployments back: target_5xx, unhealthy_hosts, p99_latency."
  type        = list(string)
  default     = ["target_5xx", "unhealthy_hosts"]
}

variable "monthly_budget_usd" {
  description = "A monthly AWS Budgets cost budget for the environment (its resources, by their Environment tag), alerting the alarm topic at 80% of actual and 100% of forecast spend. null: none."
  type        = number
  default     = null
}

variable "tracing" {
  description = "Traces to AWS X-Ray: an ADOT collector beside each service (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318), the X-Ray VPC endpoint and the task roles' X-Ray permissions. collector_image is pulled through the stack's ECR cache when it is a public.ecr.aws one; sample_ratio becomes OTEL_TRACES_SAMPLER_ARG (null: the services' default)."
  type = object({
    enabled          = bool
    collector_image  = optional(string, "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3")
    sample_ratio     = optional(number)
    collector_memory = optional(number, 128)
  })
  default = { enabled = false }
}

variable "fargate_capacity" {
  description = "ON_DEMAND (production), SPOT (Fargate Spot only, about 70% cheaper, a task can be reclaimed with two minutes' notice: non-production) or MIXED (each service's first task on demand, the rest on Spot). Fargate Spot runs X86_64 tasks only."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT", "MIXED"], var.fargate_capacity) && (var.fargate_capacity == "ON_DEMAND" || var.cpu_architecture == "X86_64")
    error_message = "fargate_capacity must be ON_DEMAND, SPOT or MIXED; Fargate Spot runs X86_64 tasks only (cpu_architecture)."
  }
}

variable "schedule" {
  description = "Working hours of a non-production environment: at stop the services scale to zero and DocumentDB stops, at start both come back (cron() expressions, 6 fields, in timezone). null: always on."
  type = object({
    start    = string
    stop     = string
    timezone = optional(string, "UTC")
  })
  default = null
}

variable "container_insights" {
  description = "Container Insights on the ECS cluster: enabled, enhanced (per container too) or disabled (per-task metrics are billed as custom metrics; the dev profile switches them off)."
  type        = string
  default     = "enabled"
}

variable "endpoints_in_one_zone" {
  description = "The interface VPC endpoints in one availability zone instead of each (half their cost with two zones; the other zone's tasks reach them across zones). For non-production: an outage of that zone stops new tasks."
  type        = bool
  default     = false
}

variable "test_listener_port" {
  description = "Port of the load balancer's test listener (blue/green deployments), reachable from the tasks' security group only."
  type        = number
  default     = 9000
}
