variable "name" {
  description = "Name of the load balancer (also the prefix of its target groups)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,26}$", var.name))
    error_message = "name must be at most 26 letters, digits or dashes."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and its targets."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC: the load balancer may only reach the containers inside it."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in two or more availability zones (the load balancer is internal)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two availability zones."
  }
}

variable "services" {
  description = "Services to route to: name => listener rule priority, path prefix (default /<name>) and container port. Requests to <path> and <path>/* go to that service, unchanged; its health check is <path>/health."
  type = map(object({
    priority = number
    path     = optional(string)
    port     = optional(number, 8080)
  }))

  validation {
    condition     = alltrue([for name, s in var.services : can(regex("^[a-z][a-z0-9-]*$", name)) && s.priority >= 1 && s.priority <= 50000])
    error_message = "Service names must be lower-case words; priorities 1-50000."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.path == null || can(regex("^(/[a-z0-9][a-z0-9._-]*)+$", s.path))]) && alltrue([for s in values(var.services) : s.port >= 1 && s.port <= 65535])
    error_message = "A path is /segment[/segment...] without a trailing slash; a port is 1-65535."
  }
}

variable "test_listener_port" {
  description = "Port of the test listener, which ECS blue/green deployments point at the green revision before production traffic moves (modules/ecs opens it to the tasks' security group only)."
  type        = number
  default     = 9000

  validation {
    condition     = var.test_listener_port >= 1 && var.test_listener_port <= 65535 && var.test_listener_port != 80
    error_message = "test_listener_port must be a port other than 80 (the production listener's)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer until this is switched off."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket for access logs (it needs the ELB log delivery bucket policy); null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
