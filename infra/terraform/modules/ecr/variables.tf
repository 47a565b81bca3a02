variable "name_prefix" {
  description = "Repositories are named <name_prefix>/<service>."
  type        = string
}

variable "services" {
  description = "Service names; one repository each."
  type        = list(string)
}

variable "keep_images" {
  description = "Images kept per repository (older ones are expired)."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_images >= 2
    error_message = "Keep at least 2 images so that a rollback has somewhere to go."
  }
}

variable "untagged_days" {
  description = "Days after which untagged images are expired."
  type        = number
  default     = 7
}

variable "force_delete" {
  description = "Let terraform destroy repositories that still hold images."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the images."
  type        = string
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
