variable "name" {
  description = "Prefix of the secret names."
  type        = string
}

variable "jwt_secret_version" {
  description = "Bump to generate a new JWT secret (every issued token stops working)."
  type        = number
  default     = 1
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once)."
  type        = number
  default     = 7
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
