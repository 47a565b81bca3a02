variable "name" {
  description = "Name of the cluster (<name>-<environment>: the services, the broker and the deploy role's policies name it)."
  type        = string
}

variable "container_insights" {
  description = "Container Insights on the cluster: enabled (per-service and per-task CPU, memory, network metrics), enhanced (per container too) or disabled. Billed as custom metrics: the dev profile switches it off."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be enabled, enhanced or disabled."
  }
}

variable "enable_ecs_exec" {
  description = "ECS Exec's session settings: the sessions encrypted with kms_key_arn and logged to /ecs/<name>/exec (modules/ecs lets the tasks and their roles use it)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key of ECS Exec's sessions and their log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep ECS Exec's session logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
