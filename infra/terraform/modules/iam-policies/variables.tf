variable "name" {
  description = "Project name: the GitHub roles are <name>-github-plan and <name>-deploy-<environment>, the boundary <name>-stack-boundary, and every stack resource is named <name>-<environment>..."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.name))
    error_message = "name must be 2-13 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "account_id" {
  description = "The AWS account of the stack."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region of the state bucket and of the stack."
  type        = string
}

variable "state_bucket" {
  description = "Name of the Terraform state bucket."
  type        = string
}

variable "state_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the state bucket."
  type        = string
}

variable "plan_state_prefix" {
  description = "Key prefix of the states the plan role may read: the stacks whose state holds no secret value (platform/<environment>.tfstate). Every other object, the credentials stack's states (credentials/<environment>.tfstate) among them, is the deploy role's only."
  type        = string
  default     = "platform/"

  validation {
    condition     = can(regex("^[a-z0-9-]+/$", var.plan_state_prefix))
    error_message = "plan_state_prefix must be one folder name followed by a slash."
  }
}

variable "attachable_policy_arns" {
  description = "Managed policies the deploy role may attach to the stack's roles (the stack itself attaches none: every role has its own inline policy)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.attachable_policy_arns : can(regex("^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/", a)) && !can(regex("(AdministratorAccess|IAMFullAccess|PowerUserAccess)$", a))])
    error_message = "attachable_policy_arns must be managed policy ARNs, and never AdministratorAccess, IAMFullAccess or PowerUserAccess."
  }
}

variable "environments" {
  description = "The environments, in promotion order (each one's images come from the one before it): one deploy role each, reaching that environment's states and resources only."
  type        = list(string)
  default     = ["staging", "production"]

  validation {
    condition     = length(var.environments) > 0 && length(distinct(var.environments)) == length(var.environments) && alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9]{1,11}$", e)) && !contains(["github", "deploy"], e)])
    error_message = "environments must be distinct names of 2-12 lower-case letters or digits (the root stack's rule), none of them github or deploy (<name>-github-* and <name>-deploy-* are the GitHub roles)."
  }
}

variable "preview_environment" {
  description = "The environment whose role also manages the pull-request previews (states previews/*), or null for none."
  type        = string
  default     = "staging"

  validation {
    condition     = var.preview_environment == null || contains(var.environments, coalesce(var.preview_environment, "-"))
    error_message = "preview_environment must be one of environments (or null)."
  }
}

variable "deploy_role_names" {
  description = "Deploy role names that differ from <name>-deploy-<environment>, by environment (a role kept from before environments: { production = \"<name>-github-deploy\" })."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for env, role in var.deploy_role_names : contains(var.environments, env) && can(regex("^${var.name}-(github|deploy)-[A-Za-z0-9_+=,.@-]+$", role)) && length(role) <= 64])
    error_message = "deploy_role_names are by environment (one of environments), each starting with <name>-github- or <name>-deploy- (the names every deploy role is denied to change)."
  }
}
