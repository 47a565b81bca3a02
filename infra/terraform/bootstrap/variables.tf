variable "name" {
  description = "Project name: prefix of the roles, and of the stacks' resources (<name>-<env>...) the deploy roles may manage."
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

variable "environments" {
  description = "The environments, named as their GitHub environments and tfvars files (infra/terraform/environments/<env>.tfvars), in promotion order: the first deploys on merge, each next one promotes the images of the one before it. One deploy role each, <name>-deploy-<env>."
  type        = list(string)
  default     = ["staging", "production"]

  validation {
    condition     = length(var.environments) > 0 && length(distinct(var.environments)) == length(var.environments)
    error_message = "environments must name at least one environment, each once."
  }

  validation {
    condition     = alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9]{1,11}$", e)) && !contains(["github", "deploy"], e)])
    error_message = "Each environment is 2-12 lower-case letters or digits (no wildcard, no dash: the root stack's rule), and neither github nor deploy (<name>-github-* and <name>-deploy-* are the GitHub roles)."
  }
}

variable "preview_environment" {
  description = "The environment whose deploy role also manages pull-request previews (states previews/*, resources on its cluster); null for none."
  type        = string
  default     = "staging"

  validation {
    condition     = var.preview_environment == null || contains(var.environments, coalesce(var.preview_environment, "-"))
    error_message = "preview_environment must be one of environments, or null."
  }
}

variable "deploy_role_names" {
  description = "Deploy role names other than <name>-deploy-<env>, by environment: { production = \"<name>-github-deploy\" } keeps the role (and the ARN) of a bootstrap from before environments (moved.tf)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for env, role in var.deploy_role_names : contains(var.environments, env) && can(regex("^${var.name}-(github|deploy)-[A-Za-z0-9_+=,.@-]{1,40}$", role))])
    error_message = "deploy_role_names are by environment (one of environments), each name starting with <name>-github- or <name>-deploy-: the names every deploy role is denied to change."
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
  description = "Managed policies the deploy roles may attach to their environment's roles, besides their own inline policies (none by default: the stack attaches none). Never AdministratorAccess, IAMFullAccess or PowerUserAccess."
  type        = list(string)
  default     = []
}
