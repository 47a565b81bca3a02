output "initial_version_id" {
  description = "Version id of the secret's first value (the value itself is write-only: in no state)."
  value       = aws_secretsmanager_secret_version.initial.version_id
}
