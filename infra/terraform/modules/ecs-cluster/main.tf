# The services' ECS cluster on its own: Container Insights, ECS Exec's session logging, Fargate and
# Fargate Spot. Apart from modules/ecs so that it takes variables only (and the platform key):
# checkov renders a module's arguments only when the call passes no other module's outputs, and
# modules/ecs's call passes the load balancer's, the database's and the broker's. Here it sees
# containerInsights itself (CKV_AWS_65). moved.tf keeps an existing stack's cluster in place.

# ECS Exec's session logs (enable_ecs_exec); the task roles write to it (modules/ecs).
resource "aws_cloudwatch_log_group" "exec" {
  count             = var.enable_ecs_exec ? 1 : 0
  name              = "/ecs/${var.name}/exec"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name
  tags = var.tags

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  dynamic "configuration" {
    for_each = var.enable_ecs_exec ? [1] : []
    content {
      execute_command_configuration {
        kms_key_id = var.kms_key_arn
        logging    = "OVERRIDE"
        log_configuration {
          cloud_watch_encryption_enabled = true
          cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec[0].name
        }
      }
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}
