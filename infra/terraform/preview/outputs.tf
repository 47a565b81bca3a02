output "url" {
  description = "The preview's URL: the environment's, then /pr-<N> (each service under its usual path below it)."
  value       = "${local.env.base_url}${local.base_path}"
}

output "services" {
  description = "Per preview service: ECS service, task definition, image, database and listener rule priority."
  value = {
    for s in local.services : s => {
      service         = aws_ecs_service.service[s].name
      task_definition = aws_ecs_task_definition.service[s].arn
      image           = var.images[s]
      database        = "${local.preview}_${replace(s, "-", "_")}"
      priority        = local.priorities[s]
    }
  }
}

output "repositories" {
  description = "The preview's own repository URL per service it builds (the build pushes there)."
  value       = { for s, r in aws_ecr_repository.preview : s => r.repository_url }
}
