variable "name" {
  description = "The stack's prefix (<name>-<environment>): the broker's service, task family, roles, groups and DNS namespace are named after it."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the broker, its file system and its DNS namespace."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's range: the broker reaches the interface endpoints (ECR, logs, Secrets Manager) inside it over HTTPS."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets: the broker's task runs in one of them, the file system has a mount target in each."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "At least one subnet is needed."
  }
}

variable "s3_prefix_list_id" {
  description = "The S3 gateway endpoint's prefix list (ECR serves image layers from S3)."
  type        = string
}

variable "client_security_group_id" {
  description = "The service tasks' security group: the only one that may open AMQP connections to the broker."
  type        = string
}

variable "cluster_name" {
  description = "The ECS cluster the broker's service runs in (the services' cluster)."
  type        = string
}

variable "capacity_provider" {
  description = "FARGATE or FARGATE_SPOT: where the broker's one task runs."
  type        = string
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.capacity_provider)
    error_message = "capacity_provider must be FARGATE or FARGATE_SPOT."
  }
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (the RabbitMQ image is built for both)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "task" {
  description = <<-EOT
    The broker's task: cpu and memory (a Fargate combination) and the RabbitMQ image, an ECR
    Public image with a tag (public.ecr.aws/<path>:<tag>), pulled through the stack's cache: the
    tasks have no route to the internet. RabbitMQ blocks publishers when it uses 40% of the memory.
  EOT
  type = object({
    cpu    = number
    memory = number
    image  = string
  })

  validation {
    condition     = can(regex("^public\\.ecr\\.aws/[a-z0-9._/-]+:[A-Za-z0-9._-]+$", var.task.image))
    error_message = "task.image must be public.ecr.aws/<path>:<tag> (pulled through the ECR Public cache; a tag, so that the cached image never changes under the broker)."
  }
}

variable "username" {
  description = "The broker user the services connect as (RABBITMQ_DEFAULT_USER, created at the first start)."
  type        = string
  default     = "platform"
}

variable "credentials_secret_arn" {
  description = "ARN of the services' AMQP_URL secret: the credentials stack writes it as JSON {\"url\": ..., \"password\": ...}; the broker reads password, the services url."
  type        = string
}

variable "schedule" {
  description = "Working hours (the services' schedule): the broker starts lead_minutes before them and stops lag_minutes after. null: always on."
  type = object({
    start    = string
    stop     = string
    timezone = optional(string, "UTC")
  })
  default = null
}

variable "schedule_margin_minutes" {
  description = "How long before the services' start the broker starts, and after their stop it stops (when the expression is cron(M H ...) and the shift stays on the same day; otherwise at the same time)."
  type        = number
  default     = 10

  validation {
    condition     = var.schedule_margin_minutes >= 0 && var.schedule_margin_minutes <= 59
    error_message = "schedule_margin_minutes must be 0-59."
  }
}

variable "log_retention_days" {
  description = "Days to keep the broker's log (the root stack passes its log_retention_days)."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "The stack's key: the file system, the log group and the image cache are encrypted with it."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "The permissions boundary of the broker's roles."
  type        = string
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
