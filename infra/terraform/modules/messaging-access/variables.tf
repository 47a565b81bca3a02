variable "name" {
  description = "Prefix of the broker's security group name (<name>-mq)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the broker."
  type        = string
}

variable "client_security_group_id" {
  description = "Security group of the service tasks: the only source allowed to connect."
  type        = string
}

variable "management_access" {
  description = "Open the RabbitMQ management API (HTTPS, 443) to the tasks, for the broker password procedure of docs/SECURITY.md. Off otherwise."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
