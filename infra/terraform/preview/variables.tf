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
  description = "The environment whose cluster, load balancer, database and broker the preview uses (bootstrap's preview_environment)."
  type        = string
  default     = "staging"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment)) && !contains(["github", "deploy"], var.environment)
    error_message = "environment must be 2-12 lower-case letters or digits, and neither github nor deploy."
  }
}

variable "region" {
  description = "Region of the stack and of the state bucket."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket" {
  description = "The state bucket (bootstrap output state_bucket): the environment's state is read from it."
  type        = string
}

variable "pr_number" {
  description = "The pull request: its preview serves under /pr-<N>/, in databases pr<N>_<service>, on exchange pr<N>.events."
  type        = number

  validation {
    condition     = var.pr_number >= 1 && floor(var.pr_number) == var.pr_number
    error_message = "pr_number must be a pull request number (a whole number from 1)."
  }
}

variable "images" {
  description = "Image per service (repository:tag) the preview runs; a service left out runs no preview. Empty removes every preview service (the teardown)."
  type        = map(string)

  validation {
    condition     = length(var.images) <= 20 && alltrue([for s, i in var.images : can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", s)) && can(regex("^[^\\s@]+:[\\w][\\w.-]{0,127}$", i))])
    error_message = "images maps at most 20 service names to image references with a tag (repository:tag)."
  }
}

variable "builds" {
  description = "The services whose images the pull request builds: each gets a repository of the preview's own, <prefix>/pr<N>/<service> (staging's keep only their 30 latest images: previews pushing there would expire staging's), removed with the preview."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.builds : contains(keys(var.images), s)])
    error_message = "builds names services of images."
  }
}

variable "desired_count" {
  description = "Tasks per preview service."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 3
    error_message = "desired_count is 0-3: a preview is not for load."
  }
}

variable "capacity_provider" {
  description = "FARGATE_SPOT (about 70% cheaper, may be interrupted with two minutes' warning) or FARGATE."
  type        = string
  default     = "FARGATE_SPOT"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.capacity_provider)
    error_message = "capacity_provider is FARGATE or FARGATE_SPOT."
  }
}

variable "wait_for_steady_state" {
  description = "Wait until every preview service runs its tasks healthy (the apply fails when one does not within 15 minutes)."
  type        = bool
  default     = true
}
