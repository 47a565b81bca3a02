output "jwt_secret_arn" {
  description = "ARN of the JWT_SECRET secret."
  value       = aws_secretsmanager_secret.jwt.arn
}
