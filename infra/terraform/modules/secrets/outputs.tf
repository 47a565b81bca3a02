output "jwt_keys_secret_arn" {
  description = "ARN of the JWT keys secret (JSON: signing, accepted)."
  value       = aws_secretsmanager_secret.jwt_keys.arn
}

output "amqp_url_secret_arn" {
  description = "ARN of the AMQP_URL secret."
  value       = aws_secretsmanager_secret.amqp_url.arn
}
