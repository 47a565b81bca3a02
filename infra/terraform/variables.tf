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
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment)) && var.environment != "github"
    error_message = "environment must be 2-12 lower-case letters or digits, and not github (<name>-github-* are bootstrap's roles)."
  }
}

variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
}

variable "services" {
  description = <<-EOT
    The services, by name. path is the prefix the load balancer routes to the service (path and
    path/*, unchanged; health check path/health), /<name> by default: the platform's services
    serve under /<name>. port is the container port (PORT). cpu and memory are Fargate units;
    desired_count is the minimum, max_count the autoscaling limit; priority orders the listener rules.
  EOT
  type = map(object({
    priority      = number
    path          = optional(string)
    port          = optional(number, 8080)
    cpu           = optional(number, 256)
    memory        = optional(number, 512)
    desired_count = optional(number, 2)
    max_count     = optional(number, 6)
  }))
  default = {
    customer = { priority = 10 }
    products = { priority = 20 }
    shopping = { priority = 30 }
  }

  validation {
    condition     = length(var.services) > 0 && alltrue([for n in keys(var.services) : can(regex("^[a-z][a-z0-9]{1,15}$", n))])
    error_message = "Service names must be 2-16 lower-case letters or digits."
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

variable "certificate_arn" {
  description = "ACM certificate ARN for HTTPS on the load balancer; null serves HTTP only."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
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
  description = "Image tag of the task definitions Terraform registers (the deploy workflow passes the commit SHA)."
  type        = string
  default     = "bootstrap"
}

variable "admin_emails" {
  description = "Emails that get role admin when they sign up or log in."
  type        = list(string)
  default     = []
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
  description = "Days to keep logs (services, VPC flow logs)."
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

variable "mq_deployment_mode" {
  description = "Amazon MQ: SINGLE_INSTANCE or CLUSTER_MULTI_AZ."
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

variable "credentials_version" {
  description = "Bump to regenerate the broker password and rewrite the AMQP_URL secret (the database password is rotated in Secrets Manager)."
  type        = number
  default     = 1
}

variable "jwt_secret_version" {
  description = "Bump to regenerate the JWT secret (logs everybody out)."
  type        = number
  default     = 1
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
