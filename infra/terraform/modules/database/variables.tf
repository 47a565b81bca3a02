variable "name" {
  description = "Name of the DocumentDB cluster (its log groups are /aws/docdb/<name>/...)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the cluster, in two or more availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "DocumentDB needs subnets in at least two availability zones."
  }
}

variable "client_security_group_id" {
  description = "Security group of the service tasks: the only source allowed to connect."
  type        = string
}

variable "databases" {
  description = "One database (and one MONGO_URL) per service."
  type        = list(string)
}

variable "engine_version" {
  description = "DocumentDB engine version."
  type        = string
  default     = "5.0.0"
}

variable "instance_class" {
  description = "Instance class (db.t3.medium is the smallest; db.r6g.large for production load)."
  type        = string
  default     = "db.t3.medium"
}

variable "instance_count" {
  description = "Instances in the cluster: 1 writer plus readers for failover (2+ for high availability)."
  type        = number
  default     = 1

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 16
    error_message = "instance_count must be between 1 and 16."
  }
}

variable "master_username" {
  description = "Master user name."
  type        = string
  default     = "platform"
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster; also takes a final snapshot when it is deleted."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days to keep the audit and profiler logs (a year by default: audit logs are what an investigation needs)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key for storage and the log groups."
  type        = string
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}

variable "schedule" {
  description = "Working hours: DocumentDB is stopped at stop and started at start (EventBridge Scheduler; cron() expressions in timezone). A stopped cluster bills its storage only; AWS starts one that stayed stopped 7 days by itself, and the next stop stops it again. null: always on."
  type = object({
    start    = string
    stop     = string
    timezone = optional(string, "UTC")
  })
  default = null
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the scheduler's role (bootstrap's <name>-stack-boundary)."
  type        = string
  default     = null
}
