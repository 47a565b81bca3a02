variable "name" {
  description = "Project name, as in the main stack."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.name))
    error_message = "name must be 2-13 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, as in the main stack (production, staging, ...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment)) && var.environment != "github"
    error_message = "environment must be 2-12 lower-case letters or digits, and not github."
  }
}

variable "region" {
  description = "Region of the stack and of the state bucket."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket" {
  description = "The state bucket (bootstrap output state_bucket): the main stack's state is read from it."
  type        = string
}

variable "main_state_key" {
  description = "Key of the main stack's state; platform/<environment>.tfstate when null."
  type        = string
  default     = null
}
