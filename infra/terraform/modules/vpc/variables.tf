variable "name" {
  description = "Name prefix for the VPC and everything in it."
  type        = string
}

variable "cidr" {
  description = "IPv4 range of the VPC; cut into /20 subnets (a /16 gives 4096 addresses per subnet)."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) <= 20
    error_message = "cidr must be an IPv4 CIDR block of /20 or larger."
  }
}

variable "az_count" {
  description = "Availability zones to spread subnets over (2 or 3)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "enable_ecs_exec" {
  description = "Adds the endpoints ECS Exec (aws ecs execute-command) needs: ssmmessages, and kms for its session encryption."
  type        = bool
  default     = false
}

variable "endpoints_in_one_zone" {
  description = "Put the interface endpoints in the first availability zone only (an endpoint bills per zone-hour): the tasks of the other zone reach them across zones (0.01 USD/GB). Halves the endpoints' cost; an outage of that zone stops new tasks everywhere (running ones keep serving). For non-production."
  type        = bool
  default     = false
}

variable "extra_interface_endpoints" {
  description = "Further interface endpoints (service names after com.amazonaws.<region>., e.g. xray for tracing)."
  type        = list(string)
  default     = []
}

variable "flow_logs_retention_days" {
  description = "Days to keep VPC flow logs of rejected traffic; 0 turns flow logs off."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_days)
    error_message = "flow_logs_retention_days must be 0 or a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the flow logs role (bootstrap's <name>-stack-boundary)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
