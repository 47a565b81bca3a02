variable "secret_arn" {
  description = "ARN of the empty <prefix>/jwt-keys secret the main stack created."
  type        = string
}
