variable "name" {
  description = "Name of the broker."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets; a single-instance broker uses the first, a cluster spreads over them."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "At least one subnet is needed."
  }
}

variable "security_group_id" {
  description = "The broker's security group (the main stack's modules/messaging-access)."
  type        = string
}

variable "amqp_url_secret_arn" {
  description = "ARN of the empty <prefix>/amqp-url secret the main stack created."
  type        = string
}

variable "deployment_mode" {
  description = "SINGLE_INSTANCE (cheap, one AZ) or CLUSTER_MULTI_AZ (three nodes, survives an AZ)."
  type        = string
  default     = "SINGLE_INSTANCE"

  validation {
    condition     = contains(["SINGLE_INSTANCE", "CLUSTER_MULTI_AZ"], var.deployment_mode)
    error_message = "deployment_mode must be SINGLE_INSTANCE or CLUSTER_MULTI_AZ."
  }
}

variable "instance_type" {
  description = "Broker instance type (mq.t3.micro works for SINGLE_INSTANCE only; clusters need mq.m5.large or larger)."
  type        = string
  default     = "mq.t3.micro"

  validation {
    condition     = var.deployment_mode == "SINGLE_INSTANCE" || var.instance_type != "mq.t3.micro"
    error_message = "A CLUSTER_MULTI_AZ broker needs mq.m5.large or larger."
  }
}

variable "engine_version" {
  description = "RabbitMQ version offered by Amazon MQ."
  type        = string
  default     = "3.13"
}

variable "username" {
  description = "Broker user the services connect as."
  type        = string
  default     = "platform"
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
