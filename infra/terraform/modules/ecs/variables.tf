variable "name" {
  description = "Prefix of everything in the module (<name>-<environment>, the cluster's name too)."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster the services run in (modules/ecs-cluster)."
  type        = string
}

variable "cluster_arn" {
  description = "ARN of that cluster (modules/ecs-cluster's, once its capacity providers are set: the services use them)."
  type        = string
}

variable "services" {
  description = <<-EOT
    Per service: task size, counts, the container port (PORT), plain environment, secrets ECS
    injects at start (variable name => secret ARN, or <ARN>:<json key>:: for one key of a JSON
    secret; the execution role reads them) and task_secrets, the secret ARNs the running service
    reads itself (the task role may read exactly those).
    cpu/memory must be a Fargate combination (256/512-2048, 512/1024-4096, 1024/2048-8192, ...).
    path is the prefix the load balancer routes to the service (/<name> by default). deploy_strategy
    (ROLLING or BLUE_GREEN) and bake_minutes are what scripts/deploy-ecs.ts applies at each deploy
    (AWS provider 5.100 cannot set ECS's deployment strategy: they reach the script as the
    service's deploy:* tags). alarm_names: the CloudWatch alarms a deployment rolls back on.
  EOT
  type = map(object({
    cpu             = number
    memory          = number
    desired_count   = number
    max_count       = number
    port            = optional(number, 8080)
    environment     = optional(map(string), {})
    secrets         = map(string)
    task_secrets    = optional(list(string), [])
    path            = optional(string)
    deploy_strategy = optional(string, "ROLLING")
    bake_minutes    = optional(number, 5)
    alarm_names     = optional(list(string), [])
  }))

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["ROLLING", "BLUE_GREEN"], s.deploy_strategy) && s.bake_minutes >= 0 && s.bake_minutes <= 1440])
    error_message = "deploy_strategy must be ROLLING or BLUE_GREEN, bake_minutes 0-1440."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.desired_count >= 1 && s.max_count >= s.desired_count])
    error_message = "Every service needs desired_count >= 1 and max_count >= desired_count."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.port >= 1024 && s.port <= 65535])
    error_message = "Container ports must be 1024-65535 (the containers do not run as root)."
  }

  validation {
    condition = alltrue([for s in values(var.services) : contains([256, 512, 1024, 2048, 4096, 8192, 16384], s.cpu) && (
      (s.cpu == 256 && contains([512, 1024, 2048], s.memory)) ||
      (s.cpu == 512 && s.memory >= 1024 && s.memory <= 4096) ||
      (s.cpu == 1024 && s.memory >= 2048 && s.memory <= 8192) ||
      (s.cpu == 2048 && s.memory >= 4096 && s.memory <= 16384) ||
      (s.cpu >= 4096 && s.memory >= 8192)
    )])
    error_message = "cpu/memory must be a Fargate combination, e.g. 256/512, 512/1024, 1024/2048."
  }
}

variable "environment" {
  description = "Plain environment variables for every service."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Image tag of the task definitions Terraform registers; scripts/deploy-ecs.ts deploys the real ones."
  type        = string
  default     = "bootstrap"
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (Graviton: about 20% cheaper; build the images for linux/arm64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC (the interface endpoints are in it)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the tasks."
  type        = list(string)
}

variable "s3_prefix_list_id" {
  description = "S3 prefix list (gateway endpoint) for image layer downloads."
  type        = string
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer: the only source of traffic to the tasks."
  type        = string
}

variable "target_group_arns" {
  description = "Target group ARN per service."
  type        = map(string)
}

variable "target_group_arn_suffixes" {
  description = "Per service, the ARN suffixes of its primary and alternate target groups (request-count autoscaling counts both: a blue/green deployment moves the traffic from one to the other)."
  type        = map(list(string))
}

variable "alternate_target_group_arns" {
  description = "Per service, the alternate target group a blue/green deployment starts the green revision in."
  type        = map(string)
}

variable "listener_rule_arns" {
  description = "Per service, its production and test listener rules ({ production, test }), whose weights blue/green deployments move."
  type = map(object({
    production = string
    test       = string
  }))
}

variable "test_listener_url" {
  description = "Base URL of the load balancer's test listener (http://<internal name>:<port>), where the deploy script's check task reaches the green revision."
  type        = string
}

variable "test_listener_port" {
  description = "Port of the test listener (the tasks' security group may reach the load balancer on it: the deploy check tasks run with the service's network configuration)."
  type        = number
}

variable "database_security_group_id" {
  description = "Security group of the database."
  type        = string
}

variable "broker_security_group_id" {
  description = "Security group of the broker."
  type        = string
}

variable "repository_urls" {
  description = "ECR repository URL per service."
  type        = map(string)
}

variable "repository_arns" {
  description = "ECR repository ARN per service (each execution role may pull its own only)."
  type        = map(string)
}

variable "log_retention_days" {
  description = "Days to keep the services' logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "cpu_target_percent" {
  description = "Average CPU the autoscaling keeps each service at."
  type        = number
  default     = 60
}

variable "requests_per_target" {
  description = "Load balancer requests per task and minute the autoscaling keeps each service at."
  type        = number
  default     = 3000
}

variable "fargate_capacity" {
  description = "ON_DEMAND (Fargate only), SPOT (Fargate Spot only: about 70% cheaper, tasks can be stopped with two minutes' notice; for non-production) or MIXED (the first task of each service on Fargate, the others on Spot)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT", "MIXED"], var.fargate_capacity)
    error_message = "fargate_capacity must be ON_DEMAND, SPOT or MIXED."
  }
}

variable "schedule" {
  description = "Working hours: outside them every service scales to zero tasks (Application Auto Scaling scheduled actions). start and stop are cron() expressions of Application Auto Scaling (6 fields), in timezone (an IANA name). null: always on."
  type = object({
    start    = string
    stop     = string
    timezone = optional(string, "UTC")
  })
  default = null

  validation {
    condition     = var.schedule == null ? true : can(regex("^cron\\(.+\\)$", var.schedule.start)) && can(regex("^cron\\(.+\\)$", var.schedule.stop))
    error_message = "schedule.start and schedule.stop must be cron(...) expressions, e.g. cron(0 8 ? * MON-FRI *)."
  }
}

variable "tracing" {
  description = <<-EOT
    An OpenTelemetry collector (ADOT) beside every service container, receiving OTLP/HTTP on
    localhost:4318 (the services' OTEL_EXPORTER_OTLP_ENDPOINT) and exporting to AWS X-Ray; the task
    roles may send traces. collector_image: public.ecr.aws/... images are pulled through the
    stack's ECR pull-through cache (the tasks have no way to the internet); pin a version.
    sample_ratio becomes OTEL_TRACES_SAMPLER_ARG (null: the services' default).
  EOT
  type = object({
    enabled          = bool
    collector_image  = optional(string, "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3")
    sample_ratio     = optional(number)
    collector_memory = optional(number, 128)
  })
  default = { enabled = false }

  validation {
    condition     = var.tracing.sample_ratio == null || (coalesce(var.tracing.sample_ratio, 0) >= 0 && coalesce(var.tracing.sample_ratio, 0) <= 1)
    error_message = "tracing.sample_ratio must be between 0 and 1."
  }

  validation {
    condition     = can(regex("^[^:@]+(:[0-9]+)?/[^:@]+(:[\\w][\\w.-]*|@sha256:[a-f0-9]{64})$", var.tracing.collector_image)) && !endswith(var.tracing.collector_image, ":latest")
    error_message = "tracing.collector_image must name a pinned tag or digest (not latest)."
  }
}

variable "enable_ecs_exec" {
  description = "Allow aws ecs execute-command into tasks (needs the ssmmessages endpoint; the image has no shell, so mostly for port forwarding). The cluster's session settings are modules/ecs-cluster's (its enable_ecs_exec)."
  type        = bool
  default     = false
}

variable "exec_log_group_arn" {
  description = "With enable_ecs_exec: ARN of ECS Exec's session log group (modules/ecs-cluster's), which the task roles write to."
  type        = string
  default     = null

  validation {
    condition     = !var.enable_ecs_exec || var.exec_log_group_arn != null
    error_message = "enable_ecs_exec needs exec_log_group_arn (modules/ecs-cluster's exec_log_group_arn)."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the execution and task roles (bootstrap's <name>-stack-boundary: the deploy role may create roles only with it)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key of the log groups and secrets."
  type        = string
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
