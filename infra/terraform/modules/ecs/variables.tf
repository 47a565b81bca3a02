variable "name" {
  description = "Name of the cluster and prefix of everything in it."
  type        = string
}

variable "services" {
  description = <<-EOT
    Per service: task size, counts, the container port (PORT), plain environment, secrets ECS
    injects at start (variable name => secret ARN, or <ARN>:<json key>:: for one key of a JSON
    secret; the execution role reads them) and task_secrets, the secret ARNs the running service
    reads itself (the task role may read exactly those).
    cpu/memory must be a Fargate combination (256/512-2048, 512/1024-4096, 1024/2048-8192, ...).
  EOT
  type = map(object({
    cpu           = number
    memory        = number
    desired_count = number
    max_count     = number
    port          = optional(number, 8080)
    environment   = optional(map(string), {})
    secrets       = map(string)
    task_secrets  = optional(list(string), [])
  }))

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

variable "alb_arn_suffix" {
  description = "Load balancer ARN suffix, for request-count autoscaling."
  type        = string
}

variable "target_group_arns" {
  description = "Target group ARN per service."
  type        = map(string)
}

variable "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service."
  type        = map(string)
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

variable "enable_ecs_exec" {
  description = "Allow aws ecs execute-command into tasks (needs the ssmmessages endpoint; the image has no shell, so mostly for port forwarding)."
  type        = bool
  default     = false
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
