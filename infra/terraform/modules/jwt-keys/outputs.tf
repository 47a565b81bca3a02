output "initial_version_id" {
  description = "Version id of the first value (labelled terraform-initial)."
  value       = aws_secretsmanager_secret_version.initial.version_id
}
