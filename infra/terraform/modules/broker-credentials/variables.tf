variable "secret_arn" {
  description = "ARN of the services' AMQP_URL secret (created empty by the main stack)."
  type        = string
}

variable "host" {
  description = "The broker's DNS name (the main stack's modules/broker: broker.<prefix>.internal)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+$", var.host))
    error_message = "host must be a DNS name."
  }
}

variable "port" {
  description = "The broker's AMQP port."
  type        = number
  default     = 5672
}

variable "username" {
  description = "The broker user (the broker creates it at its first start with the password written here)."
  type        = string
  default     = "platform"
}
