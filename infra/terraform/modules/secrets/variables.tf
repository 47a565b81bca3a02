variable "name" {
  description = "Prefix of the secret names (<name>/jwt-keys, <name>/amqp-url)."
  type        = string
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored; 0 deletes it at once, so that a destroyed stack can be created again under the same names right away."
  type        = number
  default     = 7

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or 7-30 (Secrets Manager's limits)."
  }
}

variable "kms_key_arn" {
  description = "KMS key of the secrets."
  type        = string
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
