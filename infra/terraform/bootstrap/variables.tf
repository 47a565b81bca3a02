variable "name" {
  description = "Project name: prefix of the roles, and of the stack's resources the deploy role may manage."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.name))
    error_message = "name must be 2-13 lower-case letters, digits or dashes."
  }
}

variable "region" {
  description = "AWS region of the state bucket (and of the stack)."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "The GitHub repository allowed to assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "github_repository_id" {
  description = "Numeric id of the repository (gh api repos/OWNER/NAME --jq .id): GitHub's immutable sub claim carries it."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.github_repository_id))
    error_message = "github_repository_id must be the repository's numeric id."
  }
}

variable "github_owner_id" {
  description = "Numeric id of the repository owner, user or organisation (gh api users/OWNER --jq .id)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.github_owner_id))
    error_message = "github_owner_id must be the owner's numeric id."
  }
}

variable "deploy_environment" {
  description = "The GitHub environment whose jobs may assume the deploy role."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.deploy_environment))
    error_message = "deploy_environment must be one environment name, without wildcards."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when the account already has one)."
  type        = bool
  default     = true
}

variable "state_bucket_name" {
  description = "Name of the state bucket; null derives <name>-tfstate-<account>-<region>."
  type        = string
  default     = null
}

variable "attachable_policy_arns" {
  description = "Managed policies the deploy role may attach to the stack's roles, besides their own inline policies (none by default: the stack attaches none). Never AdministratorAccess, IAMFullAccess or PowerUserAccess."
  type        = list(string)
  default     = []
}
